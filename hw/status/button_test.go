package status_test

import (
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/hw/status/statustest"
	"github.com/picam-project/picam/internal/testkit"
)

type buttonRig struct {
	clk  *statustest.Clock
	in   *statustest.Input
	b    *status.Button
	logs *testkit.Buffer
}

func newButtonRig(t *testing.T, heldAtStart bool) *buttonRig {
	t.Helper()
	r := &buttonRig{clk: statustest.NewClock(statustest.Epoch, synctest.Wait), logs: &testkit.Buffer{}}
	r.in = statustest.NewInput(r.clk, "GPIO27", heldAtStart)
	r.b = status.NewButton(t.Context(), r.in, status.ButtonOptions{
		Clock: r.clk, Logger: slog.New(slog.NewTextHandler(r.logs, nil)),
	})
	t.Cleanup(func() {
		if !r.in.Closed() {
			_ = r.b.Close()
		}
	})
	r.clk.Settle()
	return r
}

// drain returns the events delivered so far, without blocking.
func (r *buttonRig) drain() []status.ButtonEvent {
	var out []status.ButtonEvent
	for {
		select {
		case ev := <-r.b.Events():
			out = append(out, ev)
		default:
			return out
		}
	}
}

func kinds(evs []status.ButtonEvent) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Kind.String())
	}
	return strings.Join(s, ",")
}

func TestButtonShortPress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newButtonRig(t, false)
		t0 := r.clk.Now()
		r.in.Hold(200 * time.Millisecond)
		if evs := r.drain(); len(evs) != 0 {
			t.Fatalf("event before the release was debounced: %v", evs)
		}
		r.clk.Advance(time.Second)
		evs := r.drain()
		if kinds(evs) != "short" {
			t.Fatalf("events = %v, want one short press", evs)
		}
		if got := evs[0].At.Sub(t0); got != 250*time.Millisecond || evs[0].Held != 200*time.Millisecond {
			t.Errorf("short press at +%v held %v; want +250ms held 200ms", got, evs[0].Held)
		}
		if !strings.Contains(r.logs.String(), "kind=short") {
			t.Errorf("press not logged:\n%s", r.logs.String())
		}
	})
}

func TestButtonRejectsBounceAndGlitch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newButtonRig(t, false)
		r.in.Bounce(true, 2*time.Millisecond, 5) // bouncy press, ends pressed
		r.clk.Advance(300 * time.Millisecond)
		r.in.Bounce(false, 3*time.Millisecond, 3) // bouncy release, ends released
		r.clk.Advance(time.Second)
		r.in.Hold(10 * time.Millisecond) // glitch: too short to count
		r.clk.Advance(time.Second)
		if got := kinds(r.drain()); got != "short" {
			t.Errorf("events = %q, want exactly one short press", got)
		}
	})
}

func TestButtonLongPress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newButtonRig(t, false)
		t0 := r.clk.Now()
		r.in.Press()
		r.clk.Advance(2999 * time.Millisecond)
		if evs := r.drain(); len(evs) != 0 {
			t.Fatalf("event before 3 s: %v", evs)
		}
		r.clk.Advance(time.Millisecond)
		evs := r.drain() // still held: the long press is already out
		if kinds(evs) != "long" || evs[0].At.Sub(t0) != 3*time.Second || evs[0].Held != 3*time.Second {
			t.Fatalf("events = %+v, want long at +3s held 3s", evs)
		}
		r.clk.Advance(2 * time.Second)
		r.in.Release()
		r.clk.Advance(time.Second)
		if evs := r.drain(); len(evs) != 0 {
			t.Errorf("release after a long press produced %v, want nothing", evs)
		}
		r.in.Hold(100 * time.Millisecond) // and the button still works afterwards
		r.clk.Advance(time.Second)
		if got := kinds(r.drain()); got != "short" {
			t.Errorf("after the long press, events = %q, want short", got)
		}
	})
}

func TestButtonHeldAtStartupIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newButtonRig(t, true)
		r.clk.Advance(10 * time.Second)
		r.in.Release()
		r.clk.Advance(time.Second)
		if evs := r.drain(); len(evs) != 0 {
			t.Errorf("a button held at startup produced %v", evs)
		}
	})
}

func TestButtonDropsWhenNobodyReads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newButtonRig(t, false)
		for range 10 {
			r.in.Hold(100 * time.Millisecond)
			r.clk.Advance(200 * time.Millisecond)
		}
		if n := len(r.drain()); n != 8 {
			t.Errorf("delivered %d events, want the buffer size 8", n)
		}
		if n := strings.Count(r.logs.String(), "press dropped"); n != 2 {
			t.Errorf("%d drops logged, want 2", n)
		}
	})
}

func TestButtonSurvivesFailedInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newButtonRig(t, false)
		r.in.Fail()
		r.clk.Advance(10 * time.Second)
		if !strings.Contains(r.logs.String(), "button input stopped") {
			t.Errorf("failure not logged:\n%s", r.logs.String())
		}
		if err := r.b.Close(); err != nil || !r.in.Closed() {
			t.Errorf("Close after failure: err=%v closed=%v", err, r.in.Closed())
		}
	})
}

func TestButtonCloseClosesInputAndStopsTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newButtonRig(t, false)
		r.in.Press() // arms the debounce timer
		if r.clk.Pending() == 0 {
			t.Fatal("no timer armed after a press")
		}
		if err := r.b.Close(); err != nil {
			t.Fatal(err)
		}
		if !r.in.Closed() {
			t.Error("input not closed")
		}
		if p := r.clk.Pending(); p != 0 {
			t.Errorf("%d timers still armed after Close", p)
		}
	})
}
