package status

// Indicator is one thing that can be lit or dark: an on-board LED, an LED on a
// GPIO line, or a fake in tests. A Machine owns its indicators: it is the only
// caller of Set, and it calls Close once when it is closed.
type Indicator interface {
	// Set lights (true) or darkens (false) the indicator.
	Set(on bool) error
	// Name identifies the indicator in logs ("ACT", "GPIO17").
	Name() string
	// Close gives the hardware back: restore what was there before, release
	// the line.
	Close() error
}

// Invert returns an indicator that shows the opposite level, for LEDs wired
// active-low (an LED from 3.3 V to the GPIO, or a board LED whose device tree
// polarity is wrong, as on some Pi Zero kernels).
func Invert(ind Indicator) Indicator { return inverted{ind} }

type inverted struct{ Indicator }

func (i inverted) Set(on bool) error { return i.Indicator.Set(!on) }
func (i inverted) Name() string      { return "!" + i.Indicator.Name() }
