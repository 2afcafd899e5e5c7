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
	"github.com/bluenviron/gortmplib/pkg/codecs"

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

// start announces the track with the parameter sets of first, a keyframe.
func (s *rtmpSession) start(first av.Packet) error {
	s.track = &gortmplib.Track{Codec: &codecs.H264{SPS: first.SPS, PPS: first.PPS}}
	s.w = &gortmplib.Writer{Conn: s.c, Tracks: []*gortmplib.Track{s.track}}
	s.c.NetConn().SetWriteDeadline(time.Now().Add(s.timeout))
	if err := s.w.Initialize(); err != nil {
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
