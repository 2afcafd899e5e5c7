package picimage

import (
	"bytes"
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

// TestTestSourceYUV checks the test source posing as a YUV camera: frames in
// the format asked for, of the right size, whose picture survives ToBGR well
// enough for ReadCounter to read the frame number back.
func TestTestSourceYUV(t *testing.T) {
	for _, f := range []PixelFormat{YUYV, NV12, I420} {
		src, err := NewTestSourceFormat(320, 240, 0, f)
		if err != nil {
			t.Fatal(err)
		}
		for seq := range uint64(3) {
			fr, err := src.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if err := fr.Validate(); err != nil || fr.Format != f || fr.Seq != seq {
				t.Fatalf("%s frame %d: format %s seq %d, %v", f, seq, fr.Format, fr.Seq, err)
			}
			bgr, err := ToBGR(nil, fr)
			if err != nil {
				t.Fatal(err)
			}
			if n, ok := ReadCounter(bgr, 320, 240); !ok || n != seq {
				t.Errorf("%s frame %d: ReadCounter after YUV → BGR = %d, %v", f, seq, n, ok)
			}
		}
		src.Close()
	}
	if _, err := NewTestSourceFormat(320, 240, 0, MJPEG); err == nil || !strings.Contains(err.Error(), "YUYV, NV12 or I420") {
		t.Errorf("MJPEG test source: err = %v", err)
	}
}

// TestFromBGRRepeatedRows checks that fromBGR's shortcut for a pair of rows
// equal to the pair above gives what converting that pair afresh gives.
func TestFromBGRRepeatedRows(t *testing.T) {
	const w, h = 64, 48
	bgr, _ := NewTestPattern(w, h)
	pic := bgr.Render(nil, 5, time.Unix(0, 0))
	for _, f := range []PixelFormat{YUYV, NV12, I420} {
		n, _ := f.FrameSize(w, h)
		got := make([]byte, n)
		fromBGR(got, pic, w, h, f)
		pair, _ := f.FrameSize(w, 2)
		for y := 0; y < h; y += 2 {
			one := make([]byte, pair)
			fromBGR(one, pic[3*w*y:3*w*(y+2)], w, 2, f)
			var gotRows, wantRows []byte
			switch f {
			case YUYV:
				gotRows, wantRows = got[2*w*y:2*w*(y+2)], one
			case NV12:
				gotRows = append(append([]byte{}, got[w*y:w*(y+2)]...), got[w*h+w*(y/2):w*h+w*(y/2+1)]...)
				wantRows = one
			case I420:
				cn := (w / 2) * (h / 2)
				gotRows = append(append(append([]byte{}, got[w*y:w*(y+2)]...),
					got[w*h+(w/2)*(y/2):w*h+(w/2)*(y/2+1)]...), got[w*h+cn+(w/2)*(y/2):w*h+cn+(w/2)*(y/2+1)]...)
				wantRows = one
			}
			if !bytes.Equal(gotRows, wantRows) {
				t.Fatalf("%s rows %d-%d differ from converting them alone", f, y, y+1)
			}
		}
	}
}
