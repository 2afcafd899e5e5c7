package status

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// fakePin is a GPIO line for tests of the periph glue. Methods of gpio.PinIO
// that the code must not use are left to the nil embedded interface and
// panic. WaitForEdge honours its timeout with time.After, so tests run it in
// a synctest bubble where that time is fake.
type fakePin struct {
	gpio.PinIO
	name string

	mu           sync.Mutex
	level        gpio.Level
	outs         []gpio.Level
	output       bool
	readOnOutput bool
	pull         gpio.Pull
	edge         gpio.Edge
	inErr        error
	outErr       error
	brokenWait   bool // WaitForEdge returns false at once, like a dead fd
	waits        int
	halts        int
	closed       bool

	edges chan struct{}
	halt  chan struct{}
}

func newFakePin(name string, level gpio.Level) *fakePin {
	return &fakePin{name: name, level: level, edges: make(chan struct{}, 64), halt: make(chan struct{}, 1)}
}

func (p *fakePin) Name() string   { return p.name }
func (p *fakePin) String() string { return p.name }

func (p *fakePin) Out(l gpio.Level) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("fakePin %s: Out after Close", p.name)
	}
	if p.outErr != nil {
		return p.outErr
	}
	p.output, p.level = true, l
	p.outs = append(p.outs, l)
	return nil
}

func (p *fakePin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inErr != nil {
		return p.inErr
	}
	p.pull, p.edge, p.output = pull, edge, false
	return nil
}

func (p *fakePin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.output {
		p.readOnOutput = true // gpioioctl would now turn the LED line into an input
	}
	return p.level
}

func (p *fakePin) WaitForEdge(timeout time.Duration) bool {
	p.mu.Lock()
	p.waits++
	broken := p.brokenWait
	p.mu.Unlock()
	if broken {
		return false
	}
	select {
	case <-p.edges:
		return true
	case <-p.halt:
		return false
	case <-time.After(timeout):
		return false
	}
}

func (p *fakePin) Halt() error {
	p.mu.Lock()
	p.halts++
	p.mu.Unlock()
	select {
	case p.halt <- struct{}{}:
	default:
	}
	return nil
}

// Close mimics gpioioctl.GPIOLine.Close, which returns nothing.
func (p *fakePin) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
}

// set changes the input level and reports an edge, as the kernel would.
func (p *fakePin) set(l gpio.Level) {
	p.mu.Lock()
	p.level = l
	p.mu.Unlock()
	p.edges <- struct{}{}
}

func (p *fakePin) snapshot() fakePin {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fakePin{name: p.name, level: p.level, outs: append([]gpio.Level(nil), p.outs...), output: p.output,
		readOnOutput: p.readOnOutput, pull: p.pull, edge: p.edge, waits: p.waits, halts: p.halts, closed: p.closed}
}

// fakeLines is a lineFinder over fake pins.
type fakeLines map[string]*fakePin

func (f fakeLines) line(spec string) (gpio.PinIO, error) {
	if p, ok := f[spec]; ok {
		return p, nil
	}
	return nil, errors.New("no such fake line " + spec)
}
