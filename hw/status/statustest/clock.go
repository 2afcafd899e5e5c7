package statustest

import (
	"sort"
	"sync"
	"time"

	"github.com/picam-project/picam/hw/status"
)

// Epoch is a convenient, fixed start time for fake clocks.
var Epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Clock is a fake status.Clock. Time stands still until Advance; Advance fires
// due timers one by one in deadline order, setting Now to each deadline and
// letting the code under test react (Settle) before moving on, so timers the
// code re-arms while reacting are honoured within the same Advance.
type Clock struct {
	settle func()

	mu     sync.Mutex
	now    time.Time
	seq    int
	timers []*timer // pending, unsorted
}

// NewClock returns a clock reading start. settle, if not nil, is called after
// every timer firing and at the start of Advance; it must block until the code
// under test is idle (synctest.Wait does exactly that). Without it, the caller
// must synchronise by other means.
func NewClock(start time.Time, settle func()) *Clock {
	return &Clock{now: start, settle: settle}
}

// Now implements status.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer implements status.Clock. A non-positive d fires at once.
func (c *Clock) NewTimer(d time.Duration) status.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{clk: c, ch: make(chan time.Time, 1), at: c.now.Add(d), seq: c.seq}
	c.seq++
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	return t
}

// Settle waits until the code under test is idle (see NewClock). Tests call it
// after poking the code (Set, Press) and before asserting.
func (c *Clock) Settle() {
	if c.settle != nil {
		c.settle()
	}
}

// Advance moves time forward by d, firing every timer due on the way.
func (c *Clock) Advance(d time.Duration) {
	c.Settle()
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		t := c.nextDueLocked(target)
		if t == nil {
			c.now = target
			c.mu.Unlock()
			return
		}
		c.now = t.at
		c.removeLocked(t)
		t.ch <- t.at // capacity 1 and fired once: never blocks
		c.mu.Unlock()
		c.Settle()
	}
}

// AdvanceTo moves time forward to at (no-op if at is not in the future).
func (c *Clock) AdvanceTo(at time.Time) {
	if d := at.Sub(c.Now()); d > 0 {
		c.Advance(d)
	}
}

// Pending returns the number of armed, unfired timers.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// nextDueLocked returns the earliest timer due at or before target; ties fire
// in creation order.
func (c *Clock) nextDueLocked(target time.Time) *timer {
	sort.Slice(c.timers, func(i, j int) bool {
		a, b := c.timers[i], c.timers[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		return a.seq < b.seq
	})
	if len(c.timers) == 0 || c.timers[0].at.After(target) {
		return nil
	}
	return c.timers[0]
}

func (c *Clock) removeLocked(t *timer) bool {
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return true
		}
	}
	return false
}

type timer struct {
	clk *Clock
	ch  chan time.Time
	at  time.Time
	seq int
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	return t.clk.removeLocked(t)
}
