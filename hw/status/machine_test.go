package status_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/hw/status/statustest"
	"github.com/picam-project/picam/internal/testkit"
)

// rig is a Machine driving fake indicators on a fake clock, inside a synctest
// bubble so that Settle can wait for the Machine's goroutine to go idle.
type rig struct {
	t    *testing.T
	clk  *statustest.Clock
	leds []*statustest.Indicator
	m    *status.Machine
	logs *testkit.Buffer
}

func newRig(t *testing.T, n int) *rig {
	t.Helper()
	r := &rig{t: t, clk: statustest.NewClock(statustest.Epoch, synctest.Wait), logs: &testkit.Buffer{}}
	var inds []status.Indicator
	for i := range n {
		led := statustest.NewIndicator(string(rune('A'+i)), r.clk)
		r.leds = append(r.leds, led)
		inds = append(inds, led)
	}
	log := slog.New(slog.NewTextHandler(r.logs, nil))
	r.m = status.NewMachine(t.Context(), r.clk, log, inds...)
	t.Cleanup(func() { _ = r.m.Close() })
	r.clk.Settle()
	return r
}

// set changes state now and waits for the Machine to show it.
func (r *rig) set(s status.State, clients int) {
	r.m.Set(s, clients)
	r.clk.Settle()
}

func TestEveryStatePattern(t *testing.T) {
	cases := []struct {
		state   status.State
		clients int
		run     time.Duration
		want    string
	}{
		{status.Starting, 0, time.Second,
			"0s:on 100ms:off 200ms:on 300ms:off 400ms:on 500ms:off 600ms:on 700ms:off 800ms:on 900ms:off 1s:on"},
		{status.Waiting, 0, 4 * time.Second, "0s:on 1s:off 2s:on 3s:off 4s:on"},
		{status.Streaming, 0, 5 * time.Second, "0s:on"},
		{status.Streaming, 1, 5 * time.Second, "0s:on 2s:off 2.2s:on 4.5s:off 4.7s:on"},
		{status.Streaming, 3, 6 * time.Second,
			"0s:on 2s:off 2.2s:on 2.5s:off 2.7s:on 3s:off 3.2s:on 5.5s:off 5.7s:on 6s:off"},
		// 9 clients are shown as 5 (MaxShownClients).
		{status.Streaming, 9, 7 * time.Second,
			"0s:on 2s:off 2.2s:on 2.5s:off 2.7s:on 3s:off 3.2s:on 3.5s:off 3.7s:on 4s:off 4.2s:on 6.5s:off 6.7s:on 7s:off"},
		{status.Degraded, 0, 3 * time.Second,
			"0s:on 150ms:off 300ms:on 450ms:off 1.5s:on 1.65s:off 1.8s:on 1.95s:off 3s:on"},
		{status.Fault, 0, 3500 * time.Millisecond,
			"0s:on 100ms:off 200ms:on 300ms:off 400ms:on 500ms:off " + // S
				"800ms:on 1.1s:off 1.2s:on 1.5s:off 1.6s:on 1.9s:off " + // O
				"2.2s:on 2.3s:off 2.4s:on 2.5s:off 2.6s:on 2.7s:off " + // S
				"3.4s:on 3.5s:off"}, // next SOS
		{status.Paused, 0, 4 * time.Second, "0s:on 100ms:off 2s:on 2.1s:off 4s:on"},
		{status.Stopping, 0, 5 * time.Second, "0s:off"},
		{status.RolledBack, 0, 4 * time.Second,
			"0s:on 500ms:off 750ms:on 1.25s:off 1.5s:on 2s:off 3.5s:on 4s:off"},
	}
	for _, tc := range cases {
		t.Run(tc.state.String()+"/"+string(rune('0'+tc.clients)), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, 1)
				base := r.clk.Now() // the Machine started (Starting) at this same instant
				r.set(tc.state, tc.clients)
				r.clk.Advance(tc.run)
				if got := r.leds[0].Timeline(base); got != tc.want {
					t.Errorf("%v with %d clients over %v:\n got %s\nwant %s", tc.state, tc.clients, tc.run, got, tc.want)
				}
				if p := r.clk.Pending(); p > 1 {
					t.Errorf("%d timers pending, want at most 1 (a leaked timer)", p)
				}
			})
		})
	}
}

func TestStartsInStartingState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 1)
		base := r.clk.Now()
		r.clk.Advance(300 * time.Millisecond)
		if got, want := r.leds[0].Timeline(base), "0s:on 100ms:off 200ms:on 300ms:off"; got != want {
			t.Errorf("before any Set: got %s, want %s", got, want)
		}
		if s, n := r.m.State(); s != status.Starting || n != 0 {
			t.Errorf("State() = %v, %d; want starting, 0", s, n)
		}
	})
}

func TestTransitionsRestartPattern(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 1)
		base := r.clk.Now()
		r.set(status.Waiting, 0)
		r.clk.Advance(1500 * time.Millisecond) // on 0s, off 1s
		r.set(status.Starting, 0)              // restart at 1.5s: on now, not at Waiting's 2s mark
		if p := r.clk.Pending(); p != 1 {
			t.Errorf("%d timers pending after a transition, want 1 (the old pattern's timer leaked)", p)
		}
		r.clk.Advance(250 * time.Millisecond)  // on 1.5, off 1.6, on 1.7
		r.set(status.Starting, 0)              // same state: must not restart
		r.clk.Advance(100 * time.Millisecond)  // off 1.8
		r.set(status.Streaming, 2)             // restart at 1.85
		r.clk.Advance(2200 * time.Millisecond) // off 3.85, on 4.05
		r.set(status.Streaming, 2)             // same: no restart
		r.clk.Advance(320 * time.Millisecond)  // off 4.35 (second client blink)
		r.set(status.Streaming, 3)             // more clients: restart at 4.37 with on
		r.clk.Advance(100 * time.Millisecond)  // on until 6.37
		r.set(status.Stopping, 0)
		r.clk.Advance(5 * time.Second)

		want := "0s:on 1s:off 1.5s:on 1.6s:off 1.7s:on 1.8s:off 1.85s:on 3.85s:off 4.05s:on 4.35s:off 4.37s:on 4.47s:off"
		if got := r.leds[0].Timeline(base); got != want {
			t.Errorf("timeline:\n got %s\nwant %s", got, want)
		}
		if p := r.clk.Pending(); p != 0 {
			t.Errorf("Stopping is solid but %d timers are pending", p)
		}
	})
}

func TestCappedClientCountDoesNotRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 1)
		r.set(status.Streaming, 7)
		base := r.clk.Now()
		r.clk.Advance(time.Second)
		r.set(status.Streaming, 8) // both show as 5: keep going
		r.clk.Advance(1100 * time.Millisecond)
		if got, want := r.leds[0].Timeline(base), "0s:on 2s:off"; got != want {
			t.Errorf("got %s, want %s (pattern restarted on 7→8 clients?)", got, want)
		}
		if _, n := r.m.State(); n != 8 {
			t.Errorf("State() clients = %d, want the real count 8", n)
		}
	})
}

func TestClientsIgnoredOutsideStreaming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 1)
		r.set(status.Degraded, 1)
		base := r.clk.Now()
		r.clk.Advance(200 * time.Millisecond)
		r.set(status.Degraded, 2) // clients changed, but Degraded does not show them
		r.clk.Advance(200 * time.Millisecond)
		if got, want := r.leds[0].Timeline(base), "0s:on 150ms:off 300ms:on"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

func TestMultipleIndicatorsShowTheSame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 3)
		base := r.clk.Now()
		r.set(status.Degraded, 0)
		r.clk.Advance(2 * time.Second)
		want := r.leds[0].Timeline(base)
		if !strings.Contains(want, "150ms:off") {
			t.Fatalf("first LED did not blink: %s", want)
		}
		for _, led := range r.leds[1:] {
			if got := led.Timeline(base); got != want {
				t.Errorf("LED %s: got %s, want %s like LED A", led.Name(), got, want)
			}
		}
		if got := strings.Join(r.m.Indicators(), ","); got != "A,B,C" {
			t.Errorf("Indicators() = %s, want A,B,C", got)
		}
	})
}

func TestFailingIndicatorLoggedOnceAndOthersContinue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 2)
		r.set(status.Starting, 0)
		r.leds[1].Fail(errors.New("brightness: input/output error"))
		base := r.clk.Now()
		r.clk.Advance(time.Second) // ten failing writes
		if n := strings.Count(r.logs.String(), "status LED write failed"); n != 1 {
			t.Errorf("failure logged %d times, want once:\n%s", n, r.logs.String())
		}
		if got := r.leds[0].Timeline(base); strings.Count(got, ":") < 10 {
			t.Errorf("healthy LED stopped blinking while the other failed: %s", got)
		}
		r.leds[1].Fail(nil)
		r.clk.Advance(100 * time.Millisecond)
		if !strings.Contains(r.logs.String(), "status LED works again") || !strings.Contains(r.logs.String(), "led=B") {
			t.Errorf("recovery not logged:\n%s", r.logs.String())
		}
	})
}

func TestCloseDarkensAndClosesIndicators(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 2)
		r.set(status.Streaming, 1) // solid on
		if err := r.m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for _, led := range r.leds {
			if led.On() || !led.Closed() {
				t.Errorf("after Close, LED %s on=%v closed=%v; want off and closed", led.Name(), led.On(), led.Closed())
			}
		}
		if err := r.m.Close(); err != nil {
			t.Errorf("second Close: %v (fake indicators fail on double close)", err)
		}
		r.m.Set(status.Waiting, 0) // after Close: harmless, no panic
	})
}

func TestCloseReportsIndicatorErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 1)
		_ = r.leds[0].Close() // the Machine's Close will now fail on this one
		err := r.m.Close()
		if err == nil || !strings.Contains(err.Error(), "closing A") {
			t.Errorf("Close error = %v, want one naming indicator A", err)
		}
	})
}

func TestContextCancelStopsPattern(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		clk := statustest.NewClock(statustest.Epoch, synctest.Wait)
		led := statustest.NewIndicator("A", clk)
		m := status.NewMachine(ctx, clk, nil, led)
		clk.Settle()
		cancel()
		clk.Settle()
		if led.On() {
			t.Error("LED still on after the context ended")
		}
		if p := clk.Pending(); p != 0 {
			t.Errorf("%d timers still armed after the context ended", p)
		}
		if err := m.Close(); err != nil || !led.Closed() {
			t.Errorf("Close after cancel: err=%v closed=%v", err, led.Closed())
		}
	})
}

func TestZeroIndicators(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 0)
		r.set(status.Fault, 0)
		r.clk.Advance(10 * time.Second)
		if s, _ := r.m.State(); s != status.Fault {
			t.Errorf("State() = %v, want fault", s)
		}
		if err := r.m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}
