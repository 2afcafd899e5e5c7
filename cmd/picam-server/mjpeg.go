package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/internal/mjpeg"
)

// mjpegOutput serves MJPEG over HTTP on the --http listener: /stream.mjpg (multipart/x-mixed-
// replace, what Home Assistant's MJPEG camera, dashboards and browsers' <img> read) and
// /snapshot.jpg (one picture). Each viewer is its own fan-out consumer, so a slow one loses
// only its own frames. The packets go out as the encoder made them: with a codec other than
// JPEG both answer 409 rather than decode H.264 on the Pi.
type mjpegOutput struct {
	codec        av.Codec
	hub          *fanout.Hub
	log          *slog.Logger
	maxViewers   int           // concurrent /stream.mjpg viewers; more get 503
	writeTimeout time.Duration // a viewer that takes no bytes for this long is cut off
	snapWait     time.Duration // how long /snapshot.jpg waits for a picture before 503

	mu      sync.Mutex
	viewers map[*mjpegViewer]struct{}
}

// mjpegViewer is one /stream.mjpg connection.
type mjpegViewer struct {
	remote string
	since  time.Time
	sub    *fanout.Sub
}

// mjpegClient is one MJPEG viewer in /api/clients.
type mjpegClient struct {
	Remote  string    `json:"remote"`
	Since   time.Time `json:"since"`
	Frames  uint64    `json:"frames_sent"`
	Dropped uint64    `json:"dropped"` // pictures replaced by newer ones before the viewer took them
}

// newMJPEG returns the MJPEG output for a pipeline making codec c into hub.
func newMJPEG(c av.Codec, hub *fanout.Hub, log *slog.Logger) *mjpegOutput {
	return &mjpegOutput{codec: c, hub: hub, log: log, maxViewers: 8, writeTimeout: 10 * time.Second, snapWait: 5 * time.Second,
		viewers: map[*mjpegViewer]struct{}{}}
}

// register adds the routes; ctx ending (the server stopping) ends every viewer.
func (m *mjpegOutput) register(ctx context.Context, mux *http.ServeMux) {
	mux.HandleFunc("GET /stream.mjpg", func(w http.ResponseWriter, r *http.Request) { m.stream(ctx, w, r) })
	mux.HandleFunc("GET /snapshot.jpg", func(w http.ResponseWriter, r *http.Request) { m.snapshot(ctx, w, r) })
}

// usable answers 409 with the fix when the pipeline does not make JPEG.
func (m *mjpegOutput) usable(w http.ResponseWriter, r *http.Request) bool {
	if m.codec == av.JPEG {
		return true
	}
	http.Error(w, fmt.Sprintf("409 conflict: %s serves the encoder's JPEG pictures, and this server encodes %s: start picam-server with --codec jpeg (or watch H.264 over --rtsp)", r.URL.Path, m.codec), http.StatusConflict)
	return false
}

// lifetime is the request's context, also ended when the server stops.
func lifetime(server context.Context, r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	stop := context.AfterFunc(server, cancel)
	return ctx, func() { stop(); cancel() }
}

func (m *mjpegOutput) snapshot(server context.Context, w http.ResponseWriter, r *http.Request) {
	if !m.usable(w, r) {
		return
	}
	ctx, cancel := lifetime(server, r)
	defer cancel()
	ctx, cancelWait := context.WithTimeout(ctx, m.snapWait)
	defer cancelWait()
	sub := m.hub.Subscribe("http snapshot " + r.RemoteAddr)
	p, err := sub.Next(ctx)
	sub.Close()
	if err != nil {
		http.Error(w, fmt.Sprintf("503 service unavailable: no picture from the camera within %s", m.snapWait), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(p.Data)))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(p.Data)
}

// join admits a viewer unless maxViewers are watching.
func (m *mjpegOutput) join(r *http.Request) *mjpegViewer {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.viewers) >= m.maxViewers {
		return nil
	}
	v := &mjpegViewer{remote: r.RemoteAddr, since: time.Now(), sub: m.hub.Subscribe("mjpeg " + r.RemoteAddr)}
	m.viewers[v] = struct{}{}
	return v
}

func (m *mjpegOutput) leave(v *mjpegViewer) {
	v.sub.Close()
	m.mu.Lock()
	delete(m.viewers, v)
	m.mu.Unlock()
}

func (m *mjpegOutput) stream(server context.Context, w http.ResponseWriter, r *http.Request) {
	if !m.usable(w, r) {
		return
	}
	v := m.join(r)
	if v == nil {
		http.Error(w, fmt.Sprintf("503 service unavailable: %d MJPEG viewers are already watching (the limit); close one, or watch over --rtsp", m.maxViewers), http.StatusServiceUnavailable)
		return
	}
	defer m.leave(v)
	ctx, cancel := lifetime(server, r)
	defer cancel()
	rc := http.NewResponseController(w)
	// The status API's bound on a whole request (httplimit) would end the stream after 10 s:
	// it lives as long as the viewer reads, each write under its own deadline.
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", mjpeg.ContentType)
	w.Header().Set("Cache-Control", "no-store")
	_ = rc.SetWriteDeadline(time.Now().Add(m.writeTimeout))
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	for {
		p, err := v.sub.Next(ctx)
		if err != nil {
			return
		}
		_ = rc.SetWriteDeadline(time.Now().Add(m.writeTimeout))
		err = mjpeg.WritePart(w, p.Data)
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				m.log.Info("mjpeg viewer cut off", "remote", v.remote, "err", err)
			}
			return
		}
	}
}

// clients returns the MJPEG viewers for /api/clients, oldest first (none when m is nil).
func (m *mjpegOutput) clients() []mjpegClient {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	out := make([]mjpegClient, 0, len(m.viewers))
	for v := range m.viewers {
		st := v.sub.Stats()
		out = append(out, mjpegClient{Remote: v.remote, Since: v.since, Frames: st.Delivered, Dropped: st.Dropped})
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b mjpegClient) int { return a.Since.Compare(b.Since) })
	return out
}
