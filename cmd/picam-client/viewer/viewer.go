// Package viewer is picam-client's browser viewer: a small HTTP server on the laptop that
// shows every camera the client receives, live, side by side, with an overlay of frame rate,
// bit rate, latency and the server's message. It replaces the OpenCV window NetGear's Python
// clients open, with nothing to install: any current browser is the player.
//
// JPEG pictures (and raw frames, which the client converts to JPEG) are drawn straight onto a
// canvas; H.264 is decoded in the browser with WebCodecs, which needs a secure context:
// http://127.0.0.1 and http://localhost count as secure, so keep the viewer on loopback (the
// default) or put it behind HTTPS.
//
// Routes:
//
//	/                 the page
//	/api/cameras      every camera's status as JSON (polled by the page once a second)
//	/stream/{port}    one camera's packets, length-prefixed, for the page (see writePacket)
//	/mjpeg/{port}     a JPEG camera as multipart/x-mixed-replace, for <img> tags and players
package viewer

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/internal/httplimit"
)

//go:embed assets
var assets embed.FS

// Config configures a viewer Server.
type Config struct {
	// Ports are the cameras the client listens for, shown (as "waiting") before any frame.
	Ports []int
	// Status reports every camera's live numbers for the page's overlay; nil shows none.
	Status func() []media.CameraStatus
	// QueueLen is how many packets one browser connection may fall behind before it skips to
	// the next keyframe (default 8).
	QueueLen int
	// WriteTimeout drops a browser connection that accepts nothing for this long (default 10 s).
	WriteTimeout time.Duration
	// Listener is where Start serves the viewer, with Bounds' limits. The caller binds it, so
	// that a busy address is its error before anything starts. Without one, serve Handler
	// yourself.
	Listener net.Listener
	Logger   *slog.Logger
}

// Bounds are the viewer's HTTP limits (README, "Bounds"): picam-server's status API's, except
// that a request has no whole-request time limit, because a /stream response lasts as long as
// the page is open; the viewer bounds each of its writes instead (Config.WriteTimeout).
var Bounds = func() httplimit.Bounds {
	b := httplimit.Default
	b.Read = 0
	return b
}()

// Server fans packets out to any number of browser connections, each with its own Feed, so a
// slow browser skips frames for itself and never delays the client or other viewers.
type Server struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	cams    map[int]*camera
	closed  bool
	started bool
	hs      *http.Server  // set by Start
	served  chan struct{} // closed when the HTTP server has ended (or Close ran without Start)
	err     error         // what Wait returns, set before served closes
}

type camera struct {
	params h264.ParamSets
	codec  string // codec string for the browser's decoder ("avc1.42C01E"), from the SPS
	subs   map[*media.Feed]struct{}
}

// New returns a viewer for cfg. Its life is stream.Server's: New, Start (serves
// Config.Listener), Close, Wait. Without a Listener, serve Handler yourself and call Close when
// the client stops.
func New(cfg Config) *Server {
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = 8
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, cams: map[int]*camera{}, served: make(chan struct{})}
	for _, p := range cfg.Ports {
		s.cams[p] = newCamera()
	}
	return s
}

func newCamera() *camera { return &camera{subs: map[*media.Feed]struct{}{}} }

// Publish hands a packet to every browser watching its camera. It never blocks. H.264
// keyframes that arrive without their parameter sets get the newest ones put in front, so a
// browser that joins late can start decoding.
func (s *Server) Publish(p *media.Packet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	c := s.cams[p.Camera]
	if c == nil {
		c = newCamera()
		s.cams[p.Camera] = c
	}
	if p.Codec == av.H264 {
		c.params.Observe(p.Data)
		if h264.IsIDR(p.Data) {
			if !c.params.Ready() {
				return // nobody could decode it
			}
			if cs, err := media.DecoderCodec(c.params.SPS()[0]); err == nil {
				c.codec = cs
			}
			q := *p // a late browser needs the parameter sets in front of its first IDR
			q.Data = c.params.Complete(p.Data)
			p = &q
		}
	}
	for f := range c.subs {
		f.Push(p)
	}
}

// Start serves Config.Listener in the background until Close. It fails without a Listener,
// when called twice, and after Close.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.cfg.Listener == nil:
		return errors.New("viewer: no Listener to serve")
	case s.closed:
		return errors.New("viewer: Start after Close")
	case s.started:
		return errors.New("viewer: started twice")
	}
	s.started = true
	hs, ln := httplimit.Server(s.Handler(), s.cfg.Listener, Bounds, s.log)
	s.hs = hs
	go func() { // owned by the Server: Wait waits for it, Close ends it
		defer close(s.served)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("viewer stopped", "err", err)
			s.err = err
		}
	}()
	return nil
}

// Close ends every browser connection's stream, refuses new ones and, when started, shuts the
// HTTP server down (2 s at most) and waits until it has ended. Later calls do nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, c := range s.cams {
		for f := range c.subs {
			f.Close() // ends every open stream, so Shutdown need not wait for them
		}
	}
	hs := s.hs
	s.mu.Unlock()
	if hs == nil {
		close(s.served)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := hs.Shutdown(ctx)
	<-s.served
	return err
}

// Wait blocks until the viewer has been closed and its HTTP server has ended, and returns the
// error that ended serving early, if any.
func (s *Server) Wait() error {
	<-s.served
	return s.err
}

// subscribe adds a browser connection's feed to camera port.
func (s *Server) subscribe(port int) (*media.Feed, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cams[port]
	if c == nil || s.closed {
		return nil, false
	}
	f := media.NewFeed(s.cfg.QueueLen)
	c.subs[f] = struct{}{}
	return f, true
}

func (s *Server) unsubscribe(port int, f *media.Feed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cams[port]; c != nil {
		delete(c.subs, f)
	}
	f.Close()
}

func (s *Server) decoderCodec(port int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cams[port]; c != nil {
		return c.codec
	}
	return ""
}

// Handler serves the page, the status API and the streams.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/cameras", s.serveCameras)
	mux.HandleFunc("GET /stream/{port}", s.serveStream)
	mux.HandleFunc("GET /mjpeg/{port}", s.serveMJPEG)
	return mux
}

// cameraInfo is one entry of /api/cameras.
type cameraInfo struct {
	media.CameraStatus
	Viewers int `json:"viewers"`
}

func (s *Server) serveCameras(w http.ResponseWriter, _ *http.Request) {
	status := map[int]media.CameraStatus{}
	if s.cfg.Status != nil {
		for _, st := range s.cfg.Status() {
			status[st.Port] = st
		}
	}
	s.mu.Lock()
	out := make([]cameraInfo, 0, len(s.cams))
	for port, c := range s.cams {
		st, ok := status[port]
		if !ok {
			st = media.CameraStatus{Port: port, State: media.StateWaiting}
		}
		out = append(out, cameraInfo{CameraStatus: st, Viewers: len(c.subs)})
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b cameraInfo) int { return a.Port - b.Port })
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"cameras": out})
}

func portParam(r *http.Request) (int, bool) {
	p, err := strconv.Atoi(r.PathValue("port"))
	return p, err == nil
}
