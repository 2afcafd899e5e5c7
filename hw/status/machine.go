package status

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Machine turns the server's state into blink patterns on its indicators. Set
// never blocks: it records the newest state and wakes the Machine's goroutine,
// which does all indicator I/O, so a slow or broken LED cannot stall the
// streaming path. The zero state is Starting.
type Machine struct {
	clk  Clock
	log  *slog.Logger
	inds []*driven

	mu      sync.Mutex
	state   State
	clients int

	wake   chan struct{} // capacity 1: coalesces bursts of Set calls
	cancel context.CancelFunc
	done   chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// driven is an indicator plus whether its last write failed, so a broken LED
// is logged once when it breaks and once when it recovers, not ten times a
// second.
type driven struct {
	ind     Indicator
	failing bool
}

// NewMachine starts a Machine that drives inds until ctx is done or Close is
// called. It takes ownership of inds (Close closes them). clk may be nil for
// the real clock and log nil to discard logs. Zero indicators is valid: the
// Machine then only tracks state, which keeps the server's code the same on a
// laptop.
func NewMachine(ctx context.Context, clk Clock, log *slog.Logger, inds ...Indicator) *Machine {
	ctx, cancel := context.WithCancel(ctx)
	m := &Machine{
		clk:    orReal(clk),
		log:    orDiscard(log),
		wake:   make(chan struct{}, 1),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	for _, ind := range inds {
		m.inds = append(m.inds, &driven{ind: ind})
	}
	go m.run(ctx)
	return m
}

// Set reports the server's state and, for Streaming, how many clients receive
// frames. Repeating the current state is cheap and does not restart the
// pattern, so the server may call Set on every tick.
func (m *Machine) Set(s State, clients int) {
	m.mu.Lock()
	m.state, m.clients = s, clients
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default: // a wake-up is already pending; it will read the newest state
	}
}

// State returns the last state and client count given to Set.
func (m *Machine) State() (State, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state, m.clients
}

// Indicators names the indicators being driven, for the startup log and the
// status page.
func (m *Machine) Indicators() []string {
	names := make([]string, len(m.inds))
	for i, d := range m.inds {
		names[i] = d.ind.Name()
	}
	return names
}

// Close stops the pattern, darkens every indicator and then closes them
// (sysfs LEDs get their original trigger back). It is safe to call more than
// once; later calls return the first result.
func (m *Machine) Close() error {
	m.closeOnce.Do(func() {
		m.cancel()
		<-m.done
		var errs []error
		for _, d := range m.inds {
			if err := d.ind.Close(); err != nil {
				errs = append(errs, fmt.Errorf("status: closing %s: %w", d.ind.Name(), err))
			}
		}
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}

// Wait blocks until the Machine's goroutine has ended: after ctx is done or
// Close. It does not close the indicators; Close does.
func (m *Machine) Wait() { <-m.done }

// patternKey identifies what is shown; a new key restarts the pattern.
type patternKey struct {
	state   State
	clients int
}

func keyFor(s State, clients int) patternKey {
	if s != Streaming {
		clients = 0
	}
	return patternKey{s, shownClients(clients)}
}

// run is the Machine's only goroutine. Each turn: pick up a state change
// (restarting the pattern at step 0), show the level for "now", and sleep until
// the level changes or a new state arrives.
func (m *Machine) run(ctx context.Context) {
	defer close(m.done)
	defer m.show(false)

	var (
		key     patternKey
		pat     Pattern
		start   time.Time
		shown   bool
		started bool
	)
	for {
		now := m.clk.Now()
		s, n := m.State()
		force := false
		if k := keyFor(s, n); !started || k != key {
			key, pat, start, started, force = k, PatternFor(s, n), now, true, true
			m.log.Debug("status pattern", "state", s, "clients", n, "pattern", pat.String())
		}
		on, next := pat.At(now.Sub(start))
		if force || on != shown {
			m.show(on)
			shown = on
		}

		fire, stop := wakeAfter(m.clk, next, next > 0)
		select {
		case <-ctx.Done():
			stop()
			return
		case <-m.wake:
		case <-fire:
		}
		stop()
	}
}

// show writes one level to every indicator. A failing indicator is logged on
// the first failure and on recovery; it never stops the others.
func (m *Machine) show(on bool) {
	for _, d := range m.inds {
		err := d.ind.Set(on)
		switch {
		case err != nil && !d.failing:
			d.failing = true
			m.log.Warn("status LED write failed; the LED may show the wrong state", "led", d.ind.Name(), "err", err)
		case err == nil && d.failing:
			d.failing = false
			m.log.Info("status LED works again", "led", d.ind.Name())
		}
	}
}

// orDiscard returns log, or a logger that drops everything when log is nil.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}
