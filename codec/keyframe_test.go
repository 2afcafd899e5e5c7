package codec

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type countingEncoder struct {
	stubEncoder
	n atomic.Int32
}

func (c *countingEncoder) RequestKeyframe() { c.n.Add(1) }

func TestKeyframeLimiter(t *testing.T) {
	enc := &countingEncoder{}
	l := NewKeyframeLimiter(enc, time.Second)
	clock := time.Unix(1000, 0)
	l.now = func() time.Time { return clock }
	l.RequestKeyframe()
	l.RequestKeyframe()
	clock = clock.Add(999 * time.Millisecond)
	l.RequestKeyframe()
	if enc.n.Load() != 1 {
		t.Fatalf("%d requests passed within one interval, want 1", enc.n.Load())
	}
	clock = clock.Add(time.Millisecond)
	l.RequestKeyframe()
	if enc.n.Load() != 2 {
		t.Fatalf("%d requests after the interval, want 2", enc.n.Load())
	}
	// Many clients at once: one request gets through.
	clock = clock.Add(time.Hour)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.RequestKeyframe()
		}()
	}
	wg.Wait()
	if enc.n.Load() != 3 {
		t.Errorf("%d requests after 16 concurrent ones, want 3", enc.n.Load())
	}
}
