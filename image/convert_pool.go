package picimage

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	// maxConvertWorkers bounds the goroutines one conversion uses, the
	// caller's included: a Pi has four cores, and more goroutines than cores
	// only add hand-offs.
	maxConvertWorkers = 4
	// minBandPixels is the smallest band worth a goroutine of its own
	// (about 30 µs of work on one core of a Pi 4): smaller frames are
	// converted on the caller's goroutine alone.
	minBandPixels = 64 * 1024
)

// Converter converts frames to BGR24 exactly as ToBGR does, but splits each
// YUYV, NV12 or I420 frame into horizontal bands that the calling goroutine
// and a fixed pool of worker goroutines convert together. The Converter
// starts the pool when it is made and stops it in Close. The pool has
// min(GOMAXPROCS, 4) - 1 goroutines, and each conversion uses at most
// GOMAXPROCS goroutines at the time of the call, so a 640x480 frame goes to
// up to four cores (a Pi's) and a one-core machine converts on the caller's
// goroutine alone.
//
// The bands are handed out one at a time to whoever is free (several per
// goroutine), and the caller converts bands too until none is left, so a
// worker the scheduler has not run yet (a busy machine) delays the frame by
// at most the band it has started, not by its share of the frame.
//
// Conversions are done one at a time: ToBGR may be called from any
// goroutine, and a call waits for the one in progress. Make one Converter
// per stream of frames (an encoder) and Close it with the stream.
type Converter struct {
	mu      sync.Mutex // held for one conversion, and by Close
	jobs    chan *convertJob
	workers int // goroutines in the pool
	closed  bool
	done    sync.WaitGroup // the pool's goroutines
}

// convertJob is one conversion shared with the pool: band i of n goes to
// whoever claims it first (next counts claims), and wg counts the bands not
// yet converted. A worker that claims past n leaves the job alone: the
// caller may have returned.
type convertJob struct {
	dst, src []byte
	format   PixelFormat
	w, h, n  int
	next     atomic.Int32
	wg       sync.WaitGroup
}

// run converts bands of j until none is left to claim.
func (j *convertJob) run() {
	for {
		i := int(j.next.Add(1)) - 1
		if i >= j.n {
			return
		}
		y0, y1 := band(j.h, j.n, i)
		convertBand(j.dst, j.src, j.format, j.w, j.h, y0, y1)
		j.wg.Done()
	}
}

// NewConverter starts a Converter's worker pool (none when GOMAXPROCS is 1).
func NewConverter() *Converter {
	return newConverter(min(runtime.GOMAXPROCS(0), maxConvertWorkers) - 1)
}

// newConverter starts a Converter with n pool goroutines (n >= 0).
func newConverter(n int) *Converter {
	c := &Converter{jobs: make(chan *convertJob, max(n, 1)), workers: n}
	for range n {
		c.done.Go(c.work)
	}
	return c
}

// work converts the bands handed to the pool until Close.
func (c *Converter) work() {
	for j := range c.jobs {
		j.run()
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

// bandsFor is how many goroutines (the caller's included) convert a w x h
// frame now.
func (c *Converter) bandsFor(w, h int) int {
	if c.closed {
		return 1
	}
	n := min(runtime.GOMAXPROCS(0), c.workers+1, w*h/minBandPixels, h/2)
	return max(n, 1)
}

// bandsPerGoroutine is how many bands each goroutine converting a frame has
// on average: small enough for a late worker to hold up little, large
// enough that claiming one costs nothing (a 640x480 frame in 2 x 4 bands of
// 60 rows).
const bandsPerGoroutine = 4

// convert converts a validated frame with up to g goroutines (g >= 1; more
// than one only while a pool of at least one goroutine runs), the caller's
// included. c.mu is held.
func (c *Converter) convert(dst, src []byte, f PixelFormat, w, h, g int) {
	if g <= 1 {
		convertBand(dst, src, f, w, h, 0, h)
		return
	}
	j := &convertJob{dst: dst, src: src, format: f, w: w, h: h, n: g * bandsPerGoroutine}
	j.wg.Add(j.n)
	for range g - 1 {
		select {
		case c.jobs <- j:
		default: // the pool has not taken the last frame's yet: the caller does more
		}
	}
	j.run()
	j.wg.Wait()
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
