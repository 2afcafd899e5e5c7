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

// fakeTimer is a deferred call that the test fires by hand.
type fakeTimer struct {
	d       time.Duration
	f       func()
	stopped bool
}

func (t *fakeTimer) Stop() bool { t.stopped = true; return true }

// limiterWithClock returns a limiter on a clock the test moves and the timers it started.
func limiterWithClock(enc Encoder, every time.Duration) (l *KeyframeLimiter, clock *time.Time, timers *[]*fakeTimer) {
	l = NewKeyframeLimiter(enc, every)
	c := time.Unix(1000, 0)
	var ts []*fakeTimer
	l.now = func() time.Time { return c }
	l.afterFunc = func(d time.Duration, f func()) stopper {
		t := &fakeTimer{d: d, f: f}
		ts = append(ts, t)
		return t
	}
	return l, &c, &ts
}

func TestKeyframeLimiter(t *testing.T) {
	enc := &countingEncoder{}
	l, clock, timers := limiterWithClock(enc, time.Second)
	l.RequestKeyframe()
	if enc.n.Load() != 1 || len(*timers) != 0 {
		t.Fatalf("first request: %d passed, %d deferred; want 1 passed at once", enc.n.Load(), len(*timers))
	}
	// Inside the interval: one deferred request to its end, shared by every request until then.
	*clock = clock.Add(300 * time.Millisecond)
	l.RequestKeyframe()
	l.RequestKeyframe()
	*clock = clock.Add(600 * time.Millisecond)
	l.RequestKeyframe()
	if enc.n.Load() != 1 {
		t.Fatalf("%d requests passed within one interval, want 1", enc.n.Load())
	}
	if len(*timers) != 1 || (*timers)[0].d != 700*time.Millisecond {
		t.Fatalf("deferred: %d timers (first %v), want one for the 700 ms left of the interval", len(*timers), (*timers)[0].d)
	}
	// Regression: requests inside the interval used to be dropped, so a client that lost a
	// packet just after an IDR waited for its gate's retry, a second at 30 fps.
	*clock = clock.Add(100 * time.Millisecond)
	(*timers)[0].f()
	if enc.n.Load() != 2 {
		t.Fatalf("%d requests after the deferred one fired, want 2", enc.n.Load())
	}
	// The deferred request started a new interval.
	*clock = clock.Add(999 * time.Millisecond)
	l.RequestKeyframe()
	if enc.n.Load() != 2 || len(*timers) != 2 {
		t.Fatalf("after the deferred request: %d passed, %d timers; want 2 and a second timer", enc.n.Load(), len(*timers))
	}
	(*timers)[1].f()
	// Many clients at once after a quiet hour: one request gets through, none is deferred.
	*clock = clock.Add(time.Hour)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.RequestKeyframe()
		}()
	}
	wg.Wait()
	if enc.n.Load() != 4 || len(*timers) != 3 {
		t.Errorf("%d requests and %d timers after 16 concurrent ones, want 4 (one at once) and 3 (15 sharing one deferred)", enc.n.Load(), len(*timers))
	}
}

func TestKeyframeLimiterClose(t *testing.T) {
	enc := &countingEncoder{}
	l, clock, timers := limiterWithClock(enc, time.Second)
	l.RequestKeyframe()
	*clock = clock.Add(time.Millisecond)
	l.RequestKeyframe()
	l.Close()
	if len(*timers) != 1 || !(*timers)[0].stopped {
		t.Fatalf("Close left the deferred request's timer running")
	}
	(*timers)[0].f() // a timer that fired while Close ran
	*clock = clock.Add(time.Hour)
	l.RequestKeyframe()
	if enc.n.Load() != 1 {
		t.Errorf("%d requests reached the encoder, want only the one before Close", enc.n.Load())
	}
}

// TestKeyframeLimiterRealTimer: the deferred request reaches the encoder by itself.
func TestKeyframeLimiterRealTimer(t *testing.T) {
	enc := &countingEncoder{}
	l := NewKeyframeLimiter(enc, 20*time.Millisecond)
	defer l.Close()
	l.RequestKeyframe()
	l.RequestKeyframe()
	deadline := time.Now().Add(5 * time.Second)
	for enc.n.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if enc.n.Load() != 2 {
		t.Errorf("%d requests reached the encoder, want 2 (the second deferred)", enc.n.Load())
	}
}
