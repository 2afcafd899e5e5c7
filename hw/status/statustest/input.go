package statustest

import (
	"fmt"
	"sync"
	"time"
)

// Input is a fake status.Input: the test presses and releases it, on the fake
// clock. Each Press or Release is one raw edge, so bounces are written out as
// quick Press/Release sequences.
type Input struct {
	clk  *Clock
	name string

	mu     sync.Mutex
	ch     chan bool
	closed bool
	failed bool
}

// NewInput returns an input whose level at startup is heldAtStart. Edges are
// buffered, and every Press/Release settles clk so the code under test has
// consumed the edge, stamped with the current fake time, before it returns.
func NewInput(clk *Clock, name string, heldAtStart bool) *Input {
	in := &Input{clk: clk, name: name, ch: make(chan bool, 64)}
	in.ch <- heldAtStart
	return in
}

// Press sets the line to pressed.
func (in *Input) Press() { in.send(true) }

// Release sets the line to released.
func (in *Input) Release() { in.send(false) }

// Bounce sends alternating levels starting with first, gap apart on the fake
// clock, ending on first: Bounce(true, 2ms, 5) is press, release, press,
// release, press with 2 ms between edges — a typical bouncy press.
func (in *Input) Bounce(first bool, gap time.Duration, edges int) {
	lvl := first
	for k := range edges {
		if k > 0 {
			in.clk.Advance(gap)
		}
		in.send(lvl)
		lvl = !lvl
	}
}

// Hold presses, waits d on the fake clock, and releases.
func (in *Input) Hold(d time.Duration) {
	in.Press()
	in.clk.Advance(d)
	in.Release()
}

func (in *Input) send(pressed bool) {
	in.mu.Lock()
	if in.closed || in.failed {
		in.mu.Unlock()
		panic(fmt.Sprintf("statustest: edge on closed or failed input %s", in.name))
	}
	in.ch <- pressed
	in.mu.Unlock()
	in.clk.Settle()
}

// Edges implements status.Input.
func (in *Input) Edges() <-chan bool { return in.ch }

// Name implements status.Input.
func (in *Input) Name() string { return in.name }

// Close implements status.Input. Closing twice is an error, to catch double
// closes.
func (in *Input) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return fmt.Errorf("statustest: input %s closed twice", in.name)
	}
	in.closed = true
	if !in.failed {
		close(in.ch)
	}
	return nil
}

// Closed reports whether Close was called.
func (in *Input) Closed() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.closed
}

// Fail closes the edge channel as a broken line would, without marking the
// input closed, so the owner's later Close still succeeds. It settles the
// clock so the owner has noticed before Fail returns.
func (in *Input) Fail() {
	in.mu.Lock()
	if !in.failed && !in.closed {
		in.failed = true
		close(in.ch)
	}
	in.mu.Unlock()
	in.clk.Settle()
}
