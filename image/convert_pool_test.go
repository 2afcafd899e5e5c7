package picimage

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// TestConverterMatchesToBGR: a Converter gives ToBGR's bytes for every
// format, YUV split across its pool and the rest as ToBGR does, reusing a
// large enough dst and refusing what ToBGR refuses.
func TestConverterMatchesToBGR(t *testing.T) {
	c := NewConverter()
	defer c.Close()
	for _, f := range []PixelFormat{YUYV, NV12, I420, BGR24, RGB24, GRAY8} {
		frame := benchFrame(t, f, 640, 480)
		want, err := ToBGR(nil, frame)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, len(want)+10)
		got, err := c.ToBGR(dst, frame)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Converter.ToBGR differs from ToBGR at byte %d", f, firstDiff(got, want))
		}
		if &got[0] != &dst[0] {
			t.Errorf("%s: Converter.ToBGR did not reuse a large enough dst", f)
		}
	}
	if _, err := c.ToBGR(nil, Frame{Width: 4, Height: 2, Format: I420, Data: make([]byte, 11)}); err == nil ||
		!strings.Contains(err.Error(), "has 11 bytes, want 12") {
		t.Errorf("short I420 frame: err = %v", err)
	}
	if _, err := c.ToBGR(nil, Frame{Width: 4, Height: 2, Format: H264, Data: []byte{0, 0, 0, 1, 0x65}}); err == nil ||
		!strings.Contains(err.Error(), "video decoder") {
		t.Errorf("H264 frame: err = %v", err)
	}
}

// TestConverterBands: the pool is bounded by four cores and GOMAXPROCS, and
// small frames stay on the caller's goroutine.
func TestConverterBands(t *testing.T) {
	c := newConverter(maxConvertWorkers - 1)
	defer c.Close()
	procs := runtime.GOMAXPROCS(0)
	for _, tc := range []struct{ w, h, want int }{
		{640, 480, min(procs, 4)},
		{1920, 1080, min(procs, 4)},
		{320, 240, 1}, // 76,800 pixels: one band's worth
		{64, 2, 1},
	} {
		if got := c.bandsFor(tc.w, tc.h); got != tc.want {
			t.Errorf("%dx%d: %d bands, want %d (GOMAXPROCS %d)", tc.w, tc.h, got, tc.want, procs)
		}
	}
	one := newConverter(0) // what NewConverter makes with GOMAXPROCS 1
	defer one.Close()
	if got := one.bandsFor(1920, 1080); got != 1 {
		t.Errorf("no pool: %d bands, want 1", got)
	}
}

// TestConverterClose: Close stops the pool (twice is fine), and a closed
// Converter still converts, on the caller's goroutine.
func TestConverterClose(t *testing.T) {
	c := newConverter(3)
	frame := benchFrame(t, NV12, 640, 480)
	want, _ := ToBGR(nil, frame)
	c.Close()
	c.Close()
	if _, ok := <-c.jobs; ok {
		t.Fatal("the pool's job channel is still open after Close")
	}
	if n := c.bandsFor(640, 480); n != 1 {
		t.Errorf("after Close: %d bands, want 1", n)
	}
	got, err := c.ToBGR(nil, frame)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("ToBGR after Close: err %v, equal %v", err, bytes.Equal(got, want))
	}
}

// TestConverterConcurrentCallers: calls from several goroutines at once (run
// under -race) each get their own frame's conversion.
func TestConverterConcurrentCallers(t *testing.T) {
	c := newConverter(3)
	defer c.Close()
	var wg sync.WaitGroup
	for i, f := range []PixelFormat{YUYV, NV12, I420, YUYV} {
		frame := benchFrame(t, f, 640, 480)
		frame.Data[i] ^= 0x55
		want, _ := ToBGR(nil, frame)
		wg.Go(func() {
			var dst []byte
			for range 5 {
				got, err := c.ToBGR(dst, frame)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s: err %v, equal %v", f, err, bytes.Equal(got, want))
					return
				}
				dst = got
			}
		})
	}
	wg.Wait()
}

// TestConverterLateWorker: a pool goroutine that the scheduler never runs
// (here: one that was never started) neither blocks a conversion nor leaves
// part of the frame unconverted; the caller converts every band itself,
// frame after frame, with the last frame's job still queued for it.
func TestConverterLateWorker(t *testing.T) {
	c := &Converter{jobs: make(chan *convertJob, 1), workers: 1}
	for i, f := range []PixelFormat{I420, NV12, YUYV} {
		frame := benchFrame(t, f, 640, 480)
		frame.Data[i] ^= 0x5a
		want, _ := ToBGR(nil, frame)
		got, err := c.ToBGR(nil, frame)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s with a stalled worker: err %v, equal %v", f, err, bytes.Equal(got, want))
		}
	}
	if len(c.jobs) != 1 {
		t.Errorf("%d jobs queued for the stalled worker, want 1 (the first frame's; later ones skip a full queue)", len(c.jobs))
	}
	j := <-c.jobs
	j.run() // the late worker wakes up: the job is finished, it must claim nothing
	if int(j.next.Load()) <= j.n {
		t.Errorf("late run claimed a band: next = %d, n = %d", j.next.Load(), j.n)
	}
}
