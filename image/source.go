package picimage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// ErrClosed is returned by TestSource.Next after Close, so a capture loop can
// tell an orderly shutdown from a failure with errors.Is.
var ErrClosed = errors.New("picimage: test source is closed")

// TestSource is a camera stand-in: it renders a TestPattern at a steady frame
// rate and hands out frames the way a real camera source does. It is the
// default source when no camera is present.
//
// Next must be called from one goroutine at a time; Close may be called from
// any goroutine, at any time, and wakes a Next that is waiting.
type TestSource struct {
	pattern *TestPattern
	format  PixelFormat // BGR24, or the YUV format the pattern is converted to
	bgr     []byte      // the rendered picture before conversion (YUV formats)
	pace    *Pacer
	seq     uint64
	done    chan struct{}
	once    sync.Once
}

// NewTestSource makes a source of width x height BGR24 frames at fps frames
// per second; fps <= 0 means as fast as the caller asks. Size rules are those
// of NewTestPattern.
func NewTestSource(width, height int, fps float64) (*TestSource, error) {
	return NewTestSourceFormat(width, height, fps, BGR24)
}

// NewTestSourceFormat is NewTestSource delivering frames in format f: BGR24,
// or YUYV, NV12 or I420 like a camera that has only that format, so the
// conversion a real camera's frames need (ToBGR for raw NetGear frames)
// is part of the work. The YUV frames are the BGR24 picture converted with
// BT.601 limited range.
func NewTestSourceFormat(width, height int, fps float64, f PixelFormat) (*TestSource, error) {
	switch f {
	case BGR24, YUYV, NV12, I420:
	default:
		return nil, fmt.Errorf("picimage: the test source delivers BGR24, YUYV, NV12 or I420, not %q", f)
	}
	if math.IsNaN(fps) || math.IsInf(fps, 0) {
		return nil, fmt.Errorf("picimage: test source frame rate %v is not a number; use a positive rate such as 30, or 0 for unpaced", fps)
	}
	p, err := NewTestPattern(width, height)
	if err != nil {
		return nil, fmt.Errorf("new test source: %w", err)
	}
	return &TestSource{
		pattern: p,
		format:  f,
		pace:    NewPacer(fps),
		done:    make(chan struct{}),
	}, nil
}

// Pattern returns the pattern the source renders, for callers that want its
// size.
func (s *TestSource) Pattern() *TestPattern { return s.pattern }

// Next waits for the next frame slot and returns a new frame. Each frame has
// its own freshly allocated Data, Seq counts delivered frames from 0 without
// gaps, Captured is the time the frame was rendered, and Keyframe is true.
// It returns ctx's error if ctx ends first and ErrClosed after Close.
func (s *TestSource) Next(ctx context.Context) (Frame, error) {
	select {
	case <-s.done:
		return Frame{}, ErrClosed
	default:
	}
	now, err := s.pace.Next(ctx, s.done)
	if errors.Is(err, ErrClosed) {
		return Frame{}, err
	} else if err != nil {
		return Frame{}, fmt.Errorf("test source frame %d: %w", s.seq, err)
	}
	w, h := s.pattern.width, s.pattern.height
	var data []byte
	if s.format == BGR24 {
		data = s.pattern.Render(nil, s.seq, now)
	} else {
		s.bgr = s.pattern.Render(s.bgr, s.seq, now)
		n, _ := s.format.FrameSize(w, h) // sizes checked by NewTestPattern
		data = make([]byte, n)
		fromBGR(data, s.bgr, w, h, s.format)
	}
	f := Frame{
		Width:    w,
		Height:   h,
		Format:   s.format,
		Data:     data,
		Seq:      s.seq,
		Captured: now,
		Keyframe: true,
	}
	s.seq++
	return f, nil
}

// Close stops the source: a waiting Next returns ErrClosed, as do all later
// calls. It is safe to call more than once.
func (s *TestSource) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

// Pacer hands out frame slots at a steady rate, by the rules of pacer below: a
// source with no clock of its own (a test pattern, a test card) calls Next
// before each frame. It is used from one goroutine at a time.
type Pacer struct {
	p     pacer
	timer *time.Timer
}

// NewPacer paces fps frames per second; fps <= 0 (or NaN) is unpaced: Next
// never waits.
func NewPacer(fps float64) *Pacer {
	var period time.Duration
	if fps > 0 {
		period = time.Duration(float64(time.Second) / fps)
		if period <= 0 {
			period = 1 // absurd rates degrade to unpaced-but-ordered
		}
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Pacer{p: pacer{period: period}, timer: t}
}

// Paced reports whether Next waits for a rate (false: unpaced).
func (pc *Pacer) Paced() bool { return pc.p.period > 0 }

// Next waits for the next frame slot and returns the time the frame is
// delivered at. It returns ctx's error if ctx ends first, and ErrClosed when
// done (which may be nil) is closed first.
func (pc *Pacer) Next(ctx context.Context, done <-chan struct{}) (time.Time, error) {
	if wait := pc.p.wait(time.Now()); wait > 0 {
		pc.timer.Reset(wait)
		select {
		case <-pc.timer.C:
		case <-ctx.Done():
			pc.timer.Stop()
			return time.Time{}, ctx.Err()
		case <-done:
			pc.timer.Stop()
			return time.Time{}, ErrClosed
		}
	} else if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	now := time.Now()
	pc.p.delivered(now)
	return now, nil
}

// pacer is the frame schedule, kept free of clocks and timers so its rules
// can be tested with made-up times.
//
// Frames are due on a fixed grid (first frame, then every period after it), so
// rendering time does not add up into drift as it would with sleep(period).
// When the caller comes late, the frame is delivered at once and the grid
// points already missed are skipped rather than delivered back to back; a
// grid point less than half a period after a delivery is skipped too. So two
// frames are never closer than half a period, and the long-run rate never
// exceeds fps.
type pacer struct {
	period time.Duration // 0: unpaced
	next   time.Time     // when the next frame is due; zero before the first
}

// wait returns how long to wait at now before delivering the next frame
// (0 or less: deliver now).
func (p *pacer) wait(now time.Time) time.Duration {
	if p.period == 0 || p.next.IsZero() {
		return 0
	}
	return p.next.Sub(now)
}

// delivered records a frame delivered at t and schedules the next one.
func (p *pacer) delivered(t time.Time) {
	if p.period == 0 {
		return
	}
	if p.next.IsZero() {
		p.next = t.Add(p.period)
		return
	}
	next := p.next.Add(p.period)
	if short := t.Add(p.period / 2).Sub(next); short > 0 {
		// Skip every grid point earlier than half a period after t.
		next = next.Add((short + p.period - 1) / p.period * p.period)
	}
	p.next = next
}
