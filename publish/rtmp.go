package publish

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/codecs"
	"github.com/bluenviron/gortmplib/pkg/message"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
)

// rtmpURL turns the user's rtmp://host[:port]/app/key into gortmplib's form, where the app
// is the whole path and the stream key is the #fragment (rtmp://host/app#key). A URL that
// already has a fragment is taken as it is.
func rtmpURL(u *url.URL) (*url.URL, error) {
	out := *u
	if out.Fragment != "" {
		return &out, nil
	}
	path := strings.Trim(out.Path, "/")
	app, key, ok := strings.Cut(path, "/")
	if i := strings.LastIndex(path, "/"); i >= 0 {
		app, key, ok = path[:i], path[i+1:], true
	}
	if !ok || app == "" || key == "" {
		return nil, fmt.Errorf("%s: an RTMP URL names the application and the stream key: %s://HOST[:PORT]/APP/KEY (e.g. rtmp://relay:1935/live/cam)", u.Redacted(), u.Scheme)
	}
	out.Path, out.RawPath, out.Fragment = "/"+app, "", key
	return &out, nil
}

// rtmpSession is one RTMP publishing connection (gortmplib's Client and Writer).
type rtmpSession struct {
	c       *gortmplib.Client
	w       *gortmplib.Writer
	track   *gortmplib.Track
	timeout time.Duration
	t0      time.Time
	lastDTS time.Duration
	sent    int
	nalus   [][]byte

	readDone chan struct{}
	mu       sync.Mutex
	readErr  error
}

// dialRTMP connects, does the RTMP handshake and asks to publish. A refusal after the TCP
// connection was made (the relay closed it or answered with an error during connect or
// publish: nginx-rtmp does that for an unknown application, an on_publish hook that says
// no, or a wrong key) is an errRefused.
func dialRTMP(ctx context.Context, u *url.URL, timeout time.Duration) (*rtmpSession, error) {
	connected := false
	dialer := &net.Dialer{}
	c := &gortmplib.Client{
		URL:       u,
		Publish:   true,
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := dialer.DialContext(ctx, network, addr)
			if err == nil {
				connected = true
				nc.SetDeadline(time.Now().Add(timeout))
			}
			return nc, err
		},
	}
	ictx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.Initialize(ictx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ne net.Error
		if connected && !(errors.As(err, &ne) && ne.Timeout()) {
			return nil, &errRefused{err: err}
		}
		return nil, err
	}
	c.NetConn().SetDeadline(time.Time{})
	s := &rtmpSession{c: c, timeout: timeout, readDone: make(chan struct{})}
	go s.drain()
	return s, nil
}

// drain reads what the relay sends while we publish (acknowledgements, pings), which
// gortmplib answers, and notices when the relay hangs up.
func (s *rtmpSession) drain() {
	defer close(s.readDone)
	for {
		if _, err := s.c.Read(); err != nil {
			s.mu.Lock()
			s.readErr = fmt.Errorf("the relay closed the connection: %w", err)
			s.mu.Unlock()
			s.c.Close()
			return
		}
	}
}

// start announces the track with the parameter sets of first, a keyframe, and the stream's
// metadata (fps: its frame rate, 0 when unknown).
func (s *rtmpSession) start(first av.Packet, fps float64) error {
	s.track = &gortmplib.Track{Codec: &codecs.H264{SPS: first.SPS, PPS: first.PPS}}
	s.w = &gortmplib.Writer{Conn: s.c, Tracks: []*gortmplib.Track{s.track}}
	s.c.NetConn().SetWriteDeadline(time.Now().Add(s.timeout))
	if err := s.w.Initialize(); err != nil {
		return s.broken(err)
	}
	// The Writer's metadata lacks the picture size and frame rate: ours replaces it, before
	// the first picture (a relay keeps the last it was sent, for the players that join).
	if err := s.c.Write(metadata(first.Width, first.Height, fps)); err != nil {
		return s.broken(err)
	}
	s.t0 = first.Captured
	return nil
}

// write sends one access unit; its timestamp is its capture time since the session's first.
func (s *rtmpSession) write(p av.Packet) (int, error) {
	s.nalus = s.nalus[:0]
	n := 0
	for nal := range h264.NALUnits(p.Data) {
		s.nalus = append(s.nalus, nal)
		n += len(nal)
	}
	if len(s.nalus) == 0 {
		return 0, nil
	}
	dts := flvTime(s.lastDTS, s.sent > 0, p.Captured.Sub(s.t0))
	s.c.NetConn().SetWriteDeadline(time.Now().Add(s.timeout))
	if err := s.w.WriteH264(s.track, dts, dts, s.nalus); err != nil {
		return 0, s.broken(err)
	}
	s.lastDTS = dts
	s.sent++
	return n, nil
}

// flvTime is the timestamp of the next picture, d after the session's first, in FLV's whole
// milliseconds and always after the last one (have: there was one): a camera whose pictures
// arrive in bursts stamps two of them within the same millisecond, and readers refuse a
// timestamp that does not increase.
func flvTime(last time.Duration, have bool, d time.Duration) time.Duration {
	d = max(d, 0).Truncate(time.Millisecond)
	if have && d <= last {
		d = last + time.Millisecond
	}
	return d
}

// broken prefers the reader's account of a broken connection to the writer's.
func (s *rtmpSession) broken(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readErr != nil {
		return s.readErr
	}
	return err
}

func (s *rtmpSession) close() {
	s.c.Close()
	<-s.readDone
}

// metadata is the stream's onMetaData (@setDataFrame), complete: gortmplib's Writer sends only
// the codec ids. The frame rate matters most: nginx-rtmp passes it on to its players, and
// ffmpeg, which has no other way to know it, otherwise estimates it from 30 pictures before
// it decodes the first (a second at 30 fps, whatever -analyzeduration says). fps 0 (unknown)
// leaves it out.
func metadata(width, height int, fps float64) *message.DataAMF0 {
	meta := amf0.Object{
		{Key: "width", Value: float64(width)},
		{Key: "height", Value: float64(height)},
		{Key: "videocodecid", Value: float64(message.CodecH264)},
		{Key: "videodatarate", Value: float64(0)},
	}
	if fps > 0 {
		meta = append(meta, amf0.ObjectEntry{Key: "framerate", Value: fps})
	}
	// The chunk and message stream ids are the ones gortmplib's Writer uses for its own.
	return &message.DataAMF0{ChunkStreamID: 4, MessageStreamID: 0x1000000, Payload: []any{"@setDataFrame", "onMetaData", meta}}
}
