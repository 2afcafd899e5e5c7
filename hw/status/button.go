package status

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Input is a raw push-button line. Edges delivers true (pressed) or false
// (released): once at start with the current level, then after every change
// the hardware reports, bounces included. The channel is closed when the input
// stops for good. A Button owns its Input and closes it.
type Input interface {
	Edges() <-chan bool
	// Name identifies the input in logs ("GPIO27").
	Name() string
	// Close stops delivering edges and releases the line.
	Close() error
}

// ButtonOptions tunes a Button; zero values pick the defaults.
type ButtonOptions struct {
	Debounce  time.Duration // DefaultDebounce if 0
	LongPress time.Duration // DefaultLongPress if 0
	Clock     Clock         // the real clock if nil
	Logger    *slog.Logger  // discard if nil
}

// Button turns an Input into ShortPress and LongPress events. Its goroutine
// runs until ctx is done or Close is called.
type Button struct {
	in     Input
	clk    Clock
	log    *slog.Logger
	tr     tracker
	events chan ButtonEvent
	cancel context.CancelFunc
	done   chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// eventBuffer holds presses the server has not read yet; beyond that they are
// dropped (and logged), since a button goroutine that blocks would misjudge
// the next press.
const eventBuffer = 8

// NewButton starts watching in. It takes ownership of in.
func NewButton(ctx context.Context, in Input, opts ButtonOptions) *Button {
	ctx, cancel := context.WithCancel(ctx)
	b := &Button{
		in:     in,
		clk:    orReal(opts.Clock),
		log:    orDiscard(opts.Logger),
		tr:     tracker{debounce: opts.Debounce, long: opts.LongPress},
		events: make(chan ButtonEvent, eventBuffer),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	if b.tr.debounce <= 0 {
		b.tr.debounce = DefaultDebounce
	}
	if b.tr.long <= 0 {
		b.tr.long = DefaultLongPress
	}
	go b.run(ctx)
	return b
}

// Events delivers recognised presses. It is never closed, so a select on it
// in the server's main loop stays valid after Close (it just never fires).
func (b *Button) Events() <-chan ButtonEvent { return b.events }

// Close stops the button, waits for its goroutine and closes its Input. It is
// safe to call more than once; the Input is closed once, and later calls
// return the first result.
func (b *Button) Close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		<-b.done
		b.closeErr = b.in.Close()
	})
	return b.closeErr
}

// Wait blocks until the button's goroutine has ended: after ctx is done or
// Close. It does not close the Input; Close does.
func (b *Button) Wait() { <-b.done }

func (b *Button) run(ctx context.Context) {
	defer close(b.done)
	edges := b.in.Edges()
	for {
		at, due := b.tr.due()
		fire, stop := wakeAfter(b.clk, at.Sub(b.clk.Now()), due)
		select {
		case <-ctx.Done():
			stop()
			return
		case pressed, ok := <-edges:
			if !ok {
				b.log.Warn("status button input stopped; button presses are ignored from now on", "button", b.in.Name())
				edges = nil
				break
			}
			b.tr.edge(b.clk.Now(), pressed)
		case <-fire:
		}
		stop()
		for _, ev := range b.tr.advance(b.clk.Now()) {
			b.emit(ev)
		}
	}
}

func (b *Button) emit(ev ButtonEvent) {
	select {
	case b.events <- ev:
		b.log.Info("status button press", "button", b.in.Name(), "kind", ev.Kind, "held", ev.Held)
	default:
		b.log.Warn("status button press dropped: nobody is reading Events", "button", b.in.Name(), "kind", ev.Kind)
	}
}
