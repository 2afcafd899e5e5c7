package status

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Config says which LEDs and button to use. The zero Config means "the
// board's own LEDs if there are any, no button", which is right for a Pi and
// harmless on a laptop.
type Config struct {
	// LEDs lists indicators, each one of:
	//   "auto"              the board's ACT and PWR LEDs, if present (best effort)
	//   "ACT", "led0", ...  an LED under /sys/class/leds (prefix "led:" to force)
	//   "GPIO17", "17"      an LED on a GPIO line ("gpio:NAME" for other line names)
	//   "none"              no LEDs at all
	// A leading "!" inverts one (active-low wiring). Empty means {"auto"}.
	LEDs []string
	// Button is the GPIO line of the push button ("GPIO27"); "" for none.
	Button string
	// ButtonActiveHigh selects a button to 3.3 V with the pull-down; the
	// default is a button to GND with the internal pull-up.
	ButtonActiveHigh bool
	// Debounce and LongPress tune the button; 0 picks the defaults.
	Debounce, LongPress time.Duration

	// LEDRoot is /sys/class/leds unless set (tests point it at a temp dir).
	LEDRoot string
	// DevRoot is /dev unless set; Open looks there for gpiochip* to decide
	// whether this machine has GPIO at all.
	DevRoot string
	// Clock is the real clock unless set.
	Clock Clock
	// Logger receives what was found and used; slog.Default() if nil.
	Logger *slog.Logger

	// lines replaces periph in tests.
	lines lineFinder
}

// Panel is the status hardware as the server sees it: a Machine showing its
// state, and optionally a Button.
type Panel struct {
	m      *Machine
	button *Button
	bname  string
}

// Open finds and takes over the configured LEDs and button and starts
// showing Starting. Hardware that does not exist on this machine at all (no
// /sys/class/leds, no /dev/gpiochip*) is skipped with a log line, so Open
// works unchanged on a laptop or in CI and returns a Panel with no
// indicators. Hardware that exists but cannot be used as configured (wrong
// name, permission denied, line busy) is an error that says how to fix it;
// nothing stays open then. "auto" LEDs are best effort: their problems are
// logged, never returned.
func Open(ctx context.Context, cfg Config) (*Panel, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.LEDRoot == "" {
		cfg.LEDRoot = DefaultLEDRoot
	}
	if cfg.DevRoot == "" {
		cfg.DevRoot = "/dev"
	}
	o := &opener{cfg: cfg, log: log}
	inds, err := o.indicators()
	if err != nil {
		closeAll(inds)
		return nil, err
	}
	var (
		btn   *Button
		bname string
	)
	if cfg.Button != "" {
		in, err := o.button()
		if err != nil {
			closeAll(inds)
			return nil, err
		}
		if in != nil {
			bname = in.Name()
			btn = NewButton(ctx, in, ButtonOptions{Debounce: cfg.Debounce, LongPress: cfg.LongPress, Clock: cfg.Clock, Logger: log})
		}
	}
	m := NewMachine(ctx, cfg.Clock, log, inds...)
	if len(inds) == 0 && btn == nil {
		log.Info("status: no LEDs or GPIO in use; running without status indicators",
			"led_root", cfg.LEDRoot, "gpio", cfg.DevRoot+"/gpiochip*")
	} else {
		log.Info("status: showing server state", "leds", m.Indicators(), "button", bname)
	}
	return &Panel{m: m, button: btn, bname: bname}, nil
}

// Set reports the server's state; see Machine.Set.
func (p *Panel) Set(s State, clients int) { p.m.Set(s, clients) }

// State returns the last state given to Set.
func (p *Panel) State() (State, int) { return p.m.State() }

// Indicators names the LEDs in use ("ACT", "PWR", "GPIO17"); empty on a
// machine without any.
func (p *Panel) Indicators() []string { return p.m.Indicators() }

// ButtonName is the button's line name, or "" without a button.
func (p *Panel) ButtonName() string { return p.bname }

// Events delivers button presses. Without a button it returns nil, which
// blocks forever in a select: the server's loop needs no special case.
func (p *Panel) Events() <-chan ButtonEvent {
	if p.button == nil {
		return nil
	}
	return p.button.Events()
}

// Wait blocks until the Panel's goroutines (the Machine's and the button's)
// have ended: after ctx is done or Close.
func (p *Panel) Wait() {
	if p.button != nil {
		p.button.Wait()
	}
	p.m.Wait()
}

// Close stops the button and the patterns, darkens the LEDs and gives them
// back (board LEDs return to their original trigger, lines are released). It
// is safe to call more than once; later calls return the first result.
func (p *Panel) Close() error {
	var err error
	if p.button != nil {
		err = p.button.Close()
	}
	return errors.Join(err, p.m.Close())
}

// opener carries Open's state while it finds hardware.
type opener struct {
	cfg      Config
	log      *slog.Logger
	lines    lineFinder
	linesErr error
	tried    bool
}

// finder initialises periph's GPIO on first use only, so a config without
// GPIO never touches /dev/gpiochip*.
func (o *opener) finder() (lineFinder, error) {
	if o.cfg.lines != nil {
		return o.cfg.lines, nil
	}
	if !o.tried {
		o.tried = true
		o.lines, o.linesErr = openPeriphLines(o.cfg.DevRoot)
	}
	return o.lines, o.linesErr
}

func (o *opener) indicators() ([]Indicator, error) {
	specs := o.cfg.LEDs
	if len(specs) == 0 {
		specs = []string{"auto"}
	}
	var inds []Indicator
	for _, raw := range specs {
		spec := strings.TrimSpace(raw)
		invert := strings.HasPrefix(spec, "!")
		spec = strings.TrimPrefix(spec, "!")
		var got []Indicator
		var err error
		switch {
		case spec == "none" || spec == "":
			continue
		case spec == "auto":
			got = o.autoLEDs()
		case isGPIOSpec(spec):
			got, err = o.gpioLED(spec)
		default:
			got, err = o.sysfsLED(strings.TrimPrefix(spec, "led:"))
		}
		if err != nil {
			return inds, err
		}
		for _, ind := range got {
			if invert {
				ind = Invert(ind)
			}
			inds = append(inds, ind)
		}
	}
	return inds, nil
}

// autoLEDs takes the board's ACT/PWR LEDs, logging instead of failing.
func (o *opener) autoLEDs() []Indicator {
	b, err := FindBoardLEDs(o.cfg.LEDRoot)
	if err != nil {
		o.log.Warn("status: cannot list board LEDs; continuing without them", "err", err)
		return nil
	}
	if len(b.Names()) == 0 {
		if len(b.All) > 0 {
			o.log.Info("status: no ACT/PWR LED among this machine's LEDs; not touching them", "found", b.All)
		}
		return nil
	}
	var inds []Indicator
	for _, name := range b.Names() {
		l, err := OpenSysfsLED(o.cfg.LEDRoot, name)
		if err != nil {
			o.log.Warn("status: board LED not usable; continuing without it", "led", name, "err", err)
			continue
		}
		o.log.Debug("status: using board LED", "led", name, "was", l.OriginalTrigger())
		inds = append(inds, l)
	}
	return inds
}

func (o *opener) sysfsLED(name string) ([]Indicator, error) {
	if _, err := os.Stat(o.cfg.LEDRoot); errors.Is(err, fs.ErrNotExist) {
		o.log.Warn("status: this machine has no LEDs; skipping", "led", name, "led_root", o.cfg.LEDRoot)
		return nil, nil
	}
	l, err := OpenSysfsLED(o.cfg.LEDRoot, name)
	if err != nil {
		return nil, err
	}
	return []Indicator{l}, nil
}

func (o *opener) gpioLED(spec string) ([]Indicator, error) {
	f, err := o.finder()
	if errors.Is(err, errNoGPIO) {
		o.log.Warn("status: this machine has no GPIO; skipping LED", "led", spec)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := f.line(spec)
	if err != nil {
		return nil, err
	}
	ind := NewPinIndicator(p)
	// Claim the line now, so a busy or forbidden line fails Open rather than
	// the first blink.
	if err := ind.Set(false); err != nil {
		_ = release(p)
		return nil, err
	}
	return []Indicator{ind}, nil
}

func (o *opener) button() (Input, error) {
	if !isGPIOSpec(o.cfg.Button) { // a config mistake on any machine
		return nil, fmt.Errorf("status: button %q is not a GPIO line; use a name such as GPIO27 or a number such as 27", o.cfg.Button)
	}
	f, err := o.finder()
	if errors.Is(err, errNoGPIO) {
		o.log.Warn("status: this machine has no GPIO; running without the button", "button", o.cfg.Button)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := f.line(o.cfg.Button)
	if err != nil {
		return nil, err
	}
	return NewPinInput(p, o.cfg.ButtonActiveHigh, o.cfg.Clock)
}

func closeAll(inds []Indicator) {
	for _, ind := range inds {
		_ = ind.Close()
	}
}
