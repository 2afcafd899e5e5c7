// Package publish sends picam's one encoded stream to a relay that serves the many viewers
// one Pi cannot: nginx with the RTMP module, MediaMTX, SRS, a cloud ingest. Each --publish
// URL is a Target: rtmp:// and rtmps:// publish H.264 as FLV over RTMP (gortmplib);
// rtsp:// publishes with ANNOUNCE, SETUP (mode=record, TCP interleaved) and RECORD (package
// rtsp's client).
//
// A Target is one more fan-out consumer with its own one-slot mailbox, so a slow or absent
// relay only ever delays itself, never the camera or the other outputs. It survives the relay:
// when the relay is down at start, restarts or drops the connection, the Target reconnects
// with a capped exponential back-off (Backoff) and starts every new session at a keyframe
// (it subscribes anew, which asks the encoder for an IDR with SPS and PPS at once). A relay
// that refuses the stream (a wrong stream key or application, failed authentication) is
// reported as that and retried slowly.
package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/rtsp"
)

// Schemes are the URL schemes a Target publishes to.
var Schemes = []string{"rtmp", "rtmps", "rtsp"}

// Feed is one consumer's packets from the fan-out (a *fanout.Sub): an inter-coded stream
// starts at a keyframe, and a consumer that misses a packet is handed nothing until the next.
type Feed interface {
	Next(ctx context.Context) (av.Packet, error)
	Close()
}

// Backoff is how long a Target waits between attempts to reach its relay.
type Backoff struct {
	// Min is the wait after the first failure; each further failure in a row doubles it,
	// up to Max.
	Min, Max time.Duration
	// Refused is the wait after the relay refused the stream twice in a row (a wrong key or
	// failed authentication does not fix itself; the first refusal is retried as a network
	// error, in case the relay was only restarting).
	Refused time.Duration
	// Reset is how long a session must have lasted for the next failure to start again at Min.
	Reset time.Duration
}

// DefaultBackoff is 0.25 s, then 0.5 s between attempts for a relay that cannot be reached
// or drops the connection (a relay that comes back is published to again within about half a
// second, so its viewers see pictures again within 2 s; an attempt on a relay that is down
// costs one TCP connection), and 30 s once it has refused the stream twice in a row.
var DefaultBackoff = Backoff{Min: 250 * time.Millisecond, Max: 500 * time.Millisecond, Refused: 30 * time.Second, Reset: 10 * time.Second}

// logEvery is how often a Target repeats the same failure at Warn level (in between: Debug).
const logEvery = 30 * time.Second

// DefaultTimeout bounds connecting, each handshake step and each write to the relay.
const DefaultTimeout = 5 * time.Second

// Config configures a Target.
type Config struct {
	// URL is rtmp://HOST[:PORT]/APP/KEY, rtmps://HOST[:PORT]/APP/KEY or
	// rtsp://[USER:PASSWORD@]HOST[:PORT]/PATH.
	URL string
	// Codec is what the stream carries: H.264 for RTMP, H.264 or JPEG for RTSP.
	Codec av.Codec
	// Framerate is the stream's frame rate, sent in RTMP's metadata (a reader such as
	// ffmpeg otherwise spends a second of pictures estimating it before it shows the
	// first); 0 when unknown.
	Framerate float64
	// Subscribe returns a new fan-out consumer. The Target calls it for every session, once
	// the relay has accepted the connection, and closes the Feed when the session ends.
	Subscribe func(name string) Feed
	// Backoff defaults to DefaultBackoff, Timeout to DefaultTimeout.
	Backoff Backoff
	Timeout time.Duration
	Logger  *slog.Logger
}

// The states a Target reports (Status.State); a refusal is "failed: " and the reason.
const (
	StateConnecting = "connecting" // first attempt under way
	StatePublishing = "publishing"
	StateRetrying   = "retrying"
	StateFailed     = "failed"
)

// Status is a Target's state for /api/clients and /metrics.
type Status struct {
	// URL is the target without its password and stream key.
	URL string `json:"url"`
	// State is "connecting", "publishing", "retrying" or "failed: REASON" (the relay refused
	// the stream; it is retried slowly).
	State string `json:"state"`
	// Error is why the last session ended or the last attempt failed.
	Error string    `json:"error,omitempty"`
	Since time.Time `json:"since"` // when State began
	// Sessions counts the sessions started (1 + reconnections that succeeded).
	Sessions uint64 `json:"sessions"`
	// Failures counts the failed attempts to connect.
	Failures uint64 `json:"failures"`
	Frames   uint64 `json:"frames_sent"`
	Bytes    uint64 `json:"bytes_sent"` // payload bytes handed to the connection
}

// Degraded reports a state the status LED shows as degraded: retrying or failed.
func (s Status) Degraded() bool {
	return s.State == StateRetrying || strings.HasPrefix(s.State, StateFailed)
}

// Target publishes to one relay until its context ends.
type Target struct {
	cfg     Config
	u       *url.URL // as given
	shown   string   // redacted
	rtmpURL *url.URL // the gortmplib form, for rtmp and rtmps

	mu sync.Mutex
	st Status
}

// ErrScheme is returned by Check and New for a URL the build cannot publish to.
var ErrScheme = errors.New("unsupported URL scheme")

// Check validates a --publish URL against the stream's codec; its errors name the fix.
func Check(raw string, c av.Codec) error {
	_, _, err := parse(raw, c)
	return err
}

func parse(raw string, c av.Codec) (*url.URL, *url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("--publish %q: %w", raw, err)
	}
	switch u.Scheme {
	case "rtmp", "rtmps":
		if u.Host == "" {
			return nil, nil, fmt.Errorf("--publish %s: no host: use %s://HOST[:PORT]/APP/KEY", u.Redacted(), u.Scheme)
		}
		if c != av.H264 {
			return nil, nil, fmt.Errorf("--publish %s: RTMP carries H.264, not %s: add --codec h264 (or publish over rtsp://, which also carries JPEG)", redactURL(u), c)
		}
		ru, err := rtmpURL(u)
		if err != nil {
			return nil, nil, fmt.Errorf("--publish %w", err)
		}
		return u, ru, nil
	case "rtsp":
		if u.Host == "" {
			return nil, nil, fmt.Errorf("--publish %s: no host: use rtsp://HOST[:PORT]/PATH", u.Redacted())
		}
		if c != av.H264 && c != av.JPEG {
			return nil, nil, fmt.Errorf("--publish %s: RTSP carries H.264 or JPEG, not %s: add --codec h264 or --codec jpeg", u.Redacted(), c)
		}
		return u, nil, nil
	}
	return nil, nil, fmt.Errorf("--publish %s: %w %q: use rtmp://HOST[:PORT]/APP/KEY, rtmps://HOST[:PORT]/APP/KEY or rtsp://HOST[:PORT]/PATH",
		u.Redacted(), ErrScheme, u.Scheme)
}

// redactURL is u without its password, and for RTMP without its stream key (the last path
// element, or the #fragment), which is a secret.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		}
	}
	if c.Scheme == "rtmp" || c.Scheme == "rtmps" {
		if c.Fragment != "" {
			c.Fragment = "xxxxx"
		} else if i := strings.LastIndex(strings.TrimSuffix(c.Path, "/"), "/"); i > 0 {
			c.Path, c.RawPath = c.Path[:i]+"/xxxxx", ""
		}
	}
	return c.String()
}

// New validates cfg and returns a Target that is not yet running.
func New(cfg Config) (*Target, error) {
	u, ru, err := parse(cfg.URL, cfg.Codec)
	if err != nil {
		return nil, err
	}
	if cfg.Subscribe == nil {
		return nil, errors.New("publish: Config.Subscribe is nil")
	}
	if cfg.Backoff == (Backoff{}) {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	t := &Target{cfg: cfg, u: u, rtmpURL: ru, shown: redactURL(u)}
	t.st = Status{URL: t.shown, State: StateConnecting, Since: time.Now()}
	return t, nil
}

// Status returns the Target's current state and counters.
func (t *Target) Status() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st
}

func (t *Target) setState(state string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.st.State != state {
		t.st.State, t.st.Since = state, time.Now()
	}
	if err != nil {
		t.st.Error = err.Error()
	}
}

// errRefused is a relay that took the connection and then refused the stream.
type errRefused struct{ err error }

func (e *errRefused) Error() string {
	return "the relay refused the stream (wrong application or stream key, or authentication failed): " + e.err.Error()
}
func (e *errRefused) Unwrap() error { return e.err }

// refused reports whether err is the relay saying no, rather than the network failing.
func refused(err error) bool {
	var r *errRefused
	var s *rtsp.StatusError
	return errors.As(err, &r) || (errors.As(err, &s) && s.Refused())
}

// Run publishes until ctx ends, reconnecting as Backoff says. It returns ctx's error.
func (t *Target) Run(ctx context.Context) error {
	log := t.cfg.Logger.With("publish", t.shown)
	wait := time.Duration(0)
	refusals := 0
	var lastMsg string
	var lastLog time.Time
	// warn logs a failure at Warn when it is new or was last logged logEvery ago, else at
	// Debug: a relay that is down for hours is not a log line every half second.
	warn := func(level slog.Level, msg string, err error) {
		if level < slog.LevelError && err.Error() == lastMsg && time.Since(lastLog) < logEvery {
			level = slog.LevelDebug
		} else {
			lastMsg, lastLog = err.Error(), time.Now()
		}
		log.Log(context.Background(), level, msg, "err", err, "retry_in", wait)
	}
	for {
		if wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		began := time.Now()
		err := t.session(ctx, log)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b := t.cfg.Backoff
		if time.Since(began) >= b.Reset || wait == 0 {
			wait = b.Min
		} else {
			wait = min(wait*2, b.Max)
		}
		if refused(err) {
			refusals++
			t.setState(StateFailed+": "+err.Error(), err)
			if refusals >= 2 {
				wait = b.Refused
			}
			warn(slog.LevelError, "publish: refused by the relay; retrying", err)
		} else {
			refusals = 0
			t.setState(StateRetrying, err)
			warn(slog.LevelWarn, "publish: relay unreachable or connection lost; retrying", err)
		}
		t.mu.Lock()
		t.st.Failures++
		t.mu.Unlock()
	}
}

// sink is one session's connection to the relay, once publishing.
type sink interface {
	write(p av.Packet) (int, error)
}

// session makes one connection, publishes on it until it breaks or ctx ends, and says why it
// ended.
func (t *Target) session(ctx context.Context, log *slog.Logger) error {
	var rs *rtmpSession
	var rec *rtsp.Recorder
	var err error
	if t.rtmpURL != nil {
		if rs, err = dialRTMP(ctx, t.rtmpURL, t.cfg.Timeout); err != nil {
			return err
		}
		defer rs.close()
	} else {
		if rec, err = rtsp.Dial(ctx, t.u.String(), t.cfg.Timeout); err != nil {
			return err
		}
		defer rec.Close()
	}
	// Subscribe only now that the relay is there: the hub asks the encoder for a keyframe at
	// once, and a consumer that is not there holds nothing and asks for nothing.
	feed := t.cfg.Subscribe("publish " + t.shown)
	defer feed.Close()
	// No time limit: the pipeline may be waiting for its NetGear clients (--wait); a relay
	// that drops the idle connection meanwhile is reconnected to as any other.
	first, err := feed.Next(ctx)
	if err != nil {
		return err
	}
	var s sink
	if rs != nil {
		if err := rs.start(first, t.cfg.Framerate); err != nil {
			return err
		}
		s = rs
	} else {
		if err := rec.Record(ctx, first); err != nil {
			return err
		}
		s = rtspSink{rec}
	}
	// A write to a relay that stalls would hold a stop for up to Timeout: ending the
	// context ends the connection at once.
	if rs != nil {
		defer context.AfterFunc(ctx, rs.c.Close)()
	} else {
		defer context.AfterFunc(ctx, rec.Abort)()
	}
	t.mu.Lock()
	t.st.Sessions++
	t.mu.Unlock()
	t.setState(StatePublishing, nil)
	log.Info("publish: publishing", "width", first.Width, "height", first.Height, "codec", first.Codec)
	p := first
	for {
		n, err := s.write(p)
		if err != nil {
			return err
		}
		t.mu.Lock()
		t.st.Frames++
		t.st.Bytes += uint64(n)
		t.mu.Unlock()
		if p, err = feed.Next(ctx); err != nil {
			return err
		}
	}
}

// rtspSink adapts rtsp.Recorder.
type rtspSink struct{ r *rtsp.Recorder }

func (s rtspSink) write(p av.Packet) (int, error) { return s.r.WritePacket(p) }
