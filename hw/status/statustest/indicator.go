package statustest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/picam-project/picam/hw/status"
)

// Change is one level an Indicator was given, with the (fake) time.
type Change struct {
	At time.Time
	On bool
}

// Indicator is a fake status.Indicator that records every Set with the time
// from its clock. It can be told to fail, to exercise error handling.
type Indicator struct {
	name string
	clk  status.Clock

	mu      sync.Mutex
	changes []Change
	on      bool
	closed  bool
	fail    error
}

// NewIndicator returns a fake indicator that stamps changes with clk.
func NewIndicator(name string, clk status.Clock) *Indicator {
	return &Indicator{name: name, clk: clk}
}

// Set implements status.Indicator. It records the call even when failing, so
// tests can see the attempt; the level only changes on success.
func (i *Indicator) Set(on bool) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return fmt.Errorf("statustest: Set(%v) on closed indicator %s", on, i.name)
	}
	if i.fail != nil {
		return i.fail
	}
	i.on = on
	i.changes = append(i.changes, Change{At: i.clk.Now(), On: on})
	return nil
}

// Name implements status.Indicator.
func (i *Indicator) Name() string { return i.name }

// Close implements status.Indicator; a second Close is an error, so tests
// catch double closes.
func (i *Indicator) Close() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return fmt.Errorf("statustest: %s closed twice", i.name)
	}
	i.closed = true
	return nil
}

// Fail makes every following Set return err (nil heals the indicator).
func (i *Indicator) Fail(err error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.fail = err
}

// On reports the current level.
func (i *Indicator) On() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.on
}

// Closed reports whether Close was called.
func (i *Indicator) Closed() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.closed
}

// History returns a copy of every successful Set.
func (i *Indicator) History() []Change {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]Change(nil), i.changes...)
}

// Reset forgets the history (the current level stays).
func (i *Indicator) Reset() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.changes = nil
}

// Timeline renders the history from base on as "0s:on 100ms:off ...", with
// times relative to base. Writes at the same instant collapse to the last one
// (a level shown for zero time is never seen) and repeated levels are dropped,
// so the result is what an observer saw; tests compare it against a
// hand-written expectation.
func (i *Indicator) Timeline(base time.Time) string {
	var parts []string
	last := -1 // -1 unknown, 0 off, 1 on
	hist := i.History()
	for k, c := range hist {
		if c.At.Before(base) || (k+1 < len(hist) && hist[k+1].At.Equal(c.At)) {
			continue
		}
		lvl, v := "off", 0
		if c.On {
			lvl, v = "on", 1
		}
		if v == last {
			continue
		}
		last = v
		parts = append(parts, fmt.Sprintf("%v:%s", c.At.Sub(base), lvl))
	}
	return strings.Join(parts, " ")
}
