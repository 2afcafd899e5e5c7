package status

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"syscall"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// gpioHint is appended to permission errors on /dev/gpiochipN.
const gpioHint = `run picam-server as root, or add a udev rule such as ` +
	`SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660" and put its user in group gpio`

// NewPinIndicator drives an LED wired to a GPIO output line (GPIO → 330 Ω →
// LED → GND: high is on). It takes any periph output, normally a
// gpioioctl.GPIOLine. It never calls Read: on a gpioioctl line that silently
// turns the output into an input with a pull-up. Close drives the line low and
// releases it.
func NewPinIndicator(p gpio.PinOut) Indicator { return &pinIndicator{p: p} }

type pinIndicator struct{ p gpio.PinOut }

func (l *pinIndicator) Set(on bool) error {
	if err := l.p.Out(gpio.Level(on)); err != nil {
		return gpioError("LED on "+l.p.Name(), err)
	}
	return nil
}

func (l *pinIndicator) Name() string { return l.p.Name() }

func (l *pinIndicator) Close() error {
	err := l.p.Out(gpio.Low)
	if err != nil {
		err = gpioError("LED on "+l.p.Name(), err)
	}
	return errors.Join(err, release(l.p))
}

// release gives a periph line back to the kernel if it can be released:
// gpioioctl lines keep their request fd (and so the line) until Close.
func release(p any) error {
	switch c := p.(type) {
	case interface{ Close() error }:
		return c.Close()
	case interface{ Close() }:
		c.Close()
	}
	return nil
}

// Polling intervals of the edge reader. WaitForEdge is always given a timeout
// so the reader notices Close even if a Halt is lost; a short first wait lets
// periph set up its edge file before Close may call Halt (periph's Halt reads
// that file without a lock).
const (
	firstEdgeWait = 10 * time.Millisecond
	edgeWait      = time.Second
	edgeRetry     = 20 * time.Millisecond // pause after a timeout, so a persistent error cannot spin
)

// NewPinInput watches a push button on a GPIO line. The usual wiring is
// button from the GPIO to GND with the internal pull-up (activeHigh false);
// activeHigh true uses the pull-down for a button to 3.3 V. Edges come from
// periph's WaitForEdge on both edges; the level after each edge is read, which
// is safe on a line configured as input. clk may be nil.
func NewPinInput(p gpio.PinIn, activeHigh bool, clk Clock) (Input, error) {
	pull, pressed := gpio.PullUp, gpio.Low
	if activeHigh {
		pull, pressed = gpio.PullDown, gpio.High
	}
	if err := p.In(pull, gpio.BothEdges); err != nil {
		return nil, errors.Join(gpioError("button on "+p.Name(), err), release(p))
	}
	in := &pinInput{
		p:       p,
		pressed: pressed,
		clk:     orReal(clk),
		edges:   make(chan bool, 16),
		stop:    make(chan struct{}),
		ready:   make(chan struct{}),
		done:    make(chan struct{}),
	}
	go in.run()
	return in, nil
}

type pinInput struct {
	p       gpio.PinIn
	pressed gpio.Level
	clk     Clock

	edges chan bool
	stop  chan struct{}
	ready chan struct{} // closed after the first WaitForEdge returned: Halt is safe from then on
	done  chan struct{}

	closeOnce sync.Once
	closeErr  error
}

func (in *pinInput) Edges() <-chan bool { return in.edges }
func (in *pinInput) Name() string       { return in.p.Name() }

// Close stops the reader (within edgeWait at worst) and releases the line.
func (in *pinInput) Close() error {
	in.closeOnce.Do(func() {
		close(in.stop)
		select {
		case <-in.ready:
			_ = in.p.Halt()
		case <-in.done:
		}
		<-in.done
		in.closeErr = release(in.p)
	})
	return in.closeErr
}

func (in *pinInput) run() {
	defer close(in.done)
	defer close(in.edges)
	if !in.send(in.p.Read() == in.pressed) {
		return
	}
	wait, first := firstEdgeWait, true
	for {
		start := in.clk.Now()
		got := in.p.WaitForEdge(wait)
		if first {
			close(in.ready)
			first = false
		}
		if got {
			if !in.send(in.p.Read() == in.pressed) {
				return
			}
		} else if in.clk.Now().Sub(start) < wait/2 {
			// Returned early without an edge: Halt, or an error periph only
			// logs (a closed fd). Pause so a persistent error cannot spin.
			t := in.clk.NewTimer(edgeRetry)
			select {
			case <-in.stop:
				t.Stop()
				return
			case <-t.C():
			}
		}
		select {
		case <-in.stop:
			return
		default:
		}
		wait = edgeWait
	}
}

func (in *pinInput) send(pressed bool) bool {
	select {
	case in.edges <- pressed:
		return true
	case <-in.stop:
		return false
	}
}

// gpioError wraps a GPIO error with what was being done and, where the cause
// is known, the fix. periph turns ioctl errnos into plain strings
// (errors.New(errno.Error())), so the errno text is matched as well.
func gpioError(what string, err error) error {
	has := func(e syscall.Errno) bool { return errors.Is(err, e) || strings.Contains(err.Error(), e.Error()) }
	switch {
	case errors.Is(err, fs.ErrPermission) || has(syscall.EACCES) || has(syscall.EPERM):
		return fmt.Errorf("status: %s: %w; %s", what, err, gpioHint)
	case has(syscall.EBUSY):
		return fmt.Errorf("status: %s: %w; another program or a dtoverlay holds the line (see gpioinfo); free it or pick another pin", what, err)
	}
	return fmt.Errorf("status: %s: %w", what, err)
}
