package picimage

import (
	"fmt"
	"runtime"
	"sync"
)

const (
	// maxConvertWorkers bounds the goroutines one conversion uses, the
	// caller's included: a Pi has four cores, and more bands than cores only
	// add hand-offs.
	maxConvertWorkers = 4
	// minBandPixels is the smallest band worth a goroutine of its own
	// (about 30 µs of work on one core of a Pi 4): smaller frames are
	// converted on the caller's goroutine alone.
	minBandPixels = 64 * 1024
)

// Converter converts frames to BGR24 exactly as ToBGR does, but splits each
// YUYV, NV12 or I420 frame into horizontal bands converted at once: one on
// the calling goroutine and the others by a fixed pool of worker goroutines
// that the Converter starts when it is made and stops in Close. The pool
// has min(GOMAXPROCS, 4) - 1 workers, and each conversion uses at most
// GOMAXPROCS goroutines at the time of the call, so a 640x480 frame goes to
// up to four cores (a Pi's) and a one-core machine converts on the caller's
// goroutine alone.
//
// Conversions are done one at a time: ToBGR may be called from any
// goroutine, and a call waits for the one in progress. Make one Converter
// per stream of frames (an encoder) and Close it with the stream.
type Converter struct {
	mu      sync.Mutex // held for one conversion, and by Close
	jobs    chan bandJob
	workers int // goroutines in the pool
	closed  bool
	done    sync.WaitGroup // the pool's goroutines
	bands   sync.WaitGroup // the bands of the conversion in progress
}

// bandJob is one band of a conversion, for a pool goroutine.
type bandJob struct {
	dst, src []byte
	format   PixelFormat
	w, h     int
	y0, y1   int
}

// NewConverter starts a Converter's worker pool (none when GOMAXPROCS is 1).
func NewConverter() *Converter {
	return newConverter(min(runtime.GOMAXPROCS(0), maxConvertWorkers) - 1)
}

// newConverter starts a Converter with n pool goroutines (n >= 0).
func newConverter(n int) *Converter {
	c := &Converter{jobs: make(chan bandJob, max(n, 1)), workers: n}
	for range n {
		c.done.Go(c.work)
	}
	return c
}

// work converts the bands handed to the pool until Close.
func (c *Converter) work() {
	for j := range c.jobs {
		convertBand(j.dst, j.src, j.format, j.w, j.h, j.y0, j.y1)
		c.bands.Done()
	}
}

// ToBGR is the package's ToBGR, with YUV frames split across the pool.
// After Close it still converts, on the calling goroutine alone.
func (c *Converter) ToBGR(dst []byte, f Frame) ([]byte, error) {
	switch f.Format {
	case YUYV, NV12, I420:
	default:
		return ToBGR(dst, f)
	}
	if err := f.Validate(); err != nil {
		return dst, fmt.Errorf("convert to BGR24: %w", err)
	}
	out := grow(dst, 3*f.Width*f.Height)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.convert(out, f.Data, f.Format, f.Width, f.Height, c.bandsFor(f.Width, f.Height))
	return out, nil
}

// bandsFor is how many bands a w x h frame is converted in now.
func (c *Converter) bandsFor(w, h int) int {
	if c.closed {
		return 1
	}
	n := min(runtime.GOMAXPROCS(0), c.workers+1, w*h/minBandPixels, h/2)
	return max(n, 1)
}

// convert converts a validated frame in n bands (n >= 1; more than one only
// while a pool of at least one goroutine runs), the last on the calling
// goroutine. c.mu is held.
func (c *Converter) convert(dst, src []byte, f PixelFormat, w, h, n int) {
	if n <= 1 {
		convertBand(dst, src, f, w, h, 0, h)
		return
	}
	c.bands.Add(n - 1)
	for i := range n - 1 {
		y0, y1 := band(h, n, i)
		c.jobs <- bandJob{dst: dst, src: src, format: f, w: w, h: h, y0: y0, y1: y1}
	}
	y0, y1 := band(h, n, n-1)
	convertBand(dst, src, f, w, h, y0, y1)
	c.bands.Wait()
}

// Close stops the worker pool, after the conversion in progress. It is safe
// to call more than once.
func (c *Converter) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	close(c.jobs)
	c.done.Wait()
}
