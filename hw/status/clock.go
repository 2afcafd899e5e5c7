package status

import "time"

// Clock is the time source for blink patterns and button timing. Production
// code uses the real clock; tests inject statustest.Clock so that a 3-second
// long press or a minute of blinking runs without sleeping.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that delivers the time on C once d has passed.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer that the package needs, as an interface so
// a fake clock can provide it.
type Timer interface {
	// C delivers the time once when the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it was pending.
	Stop() bool
}

// RealClock returns the wall clock. It is the default whenever a Clock is nil.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// orReal returns c, or the real clock when c is nil.
func orReal(c Clock) Clock {
	if c == nil {
		return RealClock()
	}
	return c
}

// wakeAfter starts a timer on clk that fires after d, if arm is set; otherwise fire is nil
// (never ready in a select). stop releases the timer and is always safe to call.
func wakeAfter(clk Clock, d time.Duration, arm bool) (fire <-chan time.Time, stop func()) {
	if !arm {
		return nil, func() {}
	}
	t := clk.NewTimer(d)
	return t.C(), func() { t.Stop() }
}
