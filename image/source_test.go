package picimage

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestPacerSchedule(t *testing.T) {
	const period = 100 * time.Millisecond
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	p := pacer{period: period}

	steps := []struct {
		arrive   int // ms when the caller asks for a frame
		wantWait int // ms the pacer says to wait
	}{
		{0, 0},       // first frame: at once; next due at 100
		{10, 90},     // early caller waits for the grid point at 100
		{220, -20},   // 20 ms late (due 200): deliver now, grid continues at 300
		{300, 0},     // on the grid again
		{630, -230},  // very late (due 400): deliver now; 500 and 600 are skipped
		{640, 60},    // next at 700, not a burst of catch-up frames
		{800, 0},     // on time
		{880, 20},    // early again: wait for 900
		{1170, -170}, // late (due 1000): 1100 passed, 1200 is only 30 ms away
		{1171, 129},  // so the next frame is at 1300
	}
	for i, s := range steps {
		now := at(s.arrive)
		wait := p.wait(now)
		if want := time.Duration(s.wantWait) * time.Millisecond; wait != want {
			t.Fatalf("step %d (at %d ms): wait %v, want %v", i, s.arrive, wait, want)
		}
		p.delivered(now.Add(max(wait, 0)))
	}
}

// TestPacerNeverBursts drives the pacer with callers arriving at arbitrary
// times and checks the two promises: deliveries are at least half a period
// apart and never more frequent than the rate on average.
func TestPacerNeverBursts(t *testing.T) {
	const period = 10 * time.Millisecond
	p := pacer{period: period}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	start := now
	var last time.Time
	delays := []time.Duration{0, 3, 27, 1, 0, 14, 9, 0, 31, 5, 2, 0, 18}
	n := 0
	for i := 0; i < 1000; i++ {
		now = now.Add(delays[i%len(delays)] * time.Millisecond)
		if w := p.wait(now); w > 0 {
			now = now.Add(w)
		}
		if !last.IsZero() && now.Sub(last) < period/2 {
			t.Fatalf("delivery %d only %v after the previous one", i, now.Sub(last))
		}
		p.delivered(now)
		last = now
		n++
	}
	if allowed := int(now.Sub(start)/period) + 1; n > allowed {
		t.Errorf("%d frames in %v, more than the %d the rate allows", n, now.Sub(start), allowed)
	}
}

func TestPacerUnpaced(t *testing.T) {
	p := pacer{}
	now := time.Now()
	for i := 0; i < 3; i++ {
		if w := p.wait(now); w != 0 {
			t.Fatalf("unpaced pacer waits %v", w)
		}
		p.delivered(now)
	}
}

func TestTestSourceFrames(t *testing.T) {
	s, err := NewTestSource(320, 240, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var prev Frame
	for i := uint64(0); i < 5; i++ {
		f, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Seq != i || f.Width != 320 || f.Height != 240 || f.Format != BGR24 || !f.Keyframe || f.Captured.IsZero() {
			t.Fatalf("frame %d: %+v", i, Frame{Seq: f.Seq, Width: f.Width, Height: f.Height, Format: f.Format, Keyframe: f.Keyframe, Captured: f.Captured})
		}
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
		if n, ok := ReadCounter(f.Data, 320, 240); !ok || n != i {
			t.Errorf("frame %d shows counter %d, %v", i, n, ok)
		}
		if ts, ok := ReadTimestamp(f.Data, 320, 240); !ok || !ts.Equal(f.Captured.Truncate(time.Millisecond).UTC()) {
			t.Errorf("frame %d shows time %v, %v; Captured is %v", i, ts, ok, f.Captured)
		}
		if i > 0 {
			if &prev.Data[0] == &f.Data[0] {
				t.Fatalf("frame %d reuses frame %d's buffer", i, i-1)
			}
			if f.Captured.Before(prev.Captured) {
				t.Errorf("frame %d captured before frame %d", i, i-1)
			}
			if n, _ := ReadCounter(prev.Data, 320, 240); n != i-1 {
				t.Errorf("frame %d's data changed after the next frame: counter %d", i-1, n)
			}
		}
		prev = f
	}
}

func TestTestSourceContextAndClose(t *testing.T) {
	s, err := NewTestSource(64, 48, 0.001) // one frame every 1000 s
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a cancelled context: err = %v, want context.Canceled", err)
	}

	// Close wakes a Next that is waiting for its slot.
	got := make(chan error, 1)
	go func() {
		_, err := s.Next(context.Background())
		got <- err
	}()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, ErrClosed) {
		t.Errorf("waiting Next after Close: err = %v, want ErrClosed", err)
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: err = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestNewTestSourceErrors(t *testing.T) {
	if _, err := NewTestSource(15, 16, 30); err == nil || !strings.Contains(err.Error(), "must be even") {
		t.Errorf("odd size: err = %v", err)
	}
	if _, err := NewTestSource(64, 64, math.NaN()); err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Errorf("NaN fps: err = %v", err)
	}
	if _, err := NewTestSource(64, 64, math.Inf(1)); err == nil {
		t.Error("infinite fps accepted")
	}
}
