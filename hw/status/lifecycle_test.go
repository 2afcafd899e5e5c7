package status_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/hw/status/statustest"
)

// A Button's Close may be called twice (a Panel's owner and a deferred cleanup both do): the
// Input is closed once and both calls succeed. Before, the second Close closed the Input again
// (statustest reports that as "closed twice", as a released GPIO line would fail).
func TestButtonCloseTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := statustest.NewClock(statustest.Epoch, synctest.Wait)
		in := statustest.NewInput(clk, "GPIO27", false)
		b := status.NewButton(t.Context(), in, status.ButtonOptions{Clock: clk})
		clk.Settle()
		if err := b.Close(); err != nil {
			t.Fatalf("first Close: %v", err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if !in.Closed() {
			t.Error("the Input is not closed")
		}
	})
}

// Wait returns once ctx is done, for the Button and the Machine alike, without closing the
// hardware (Close still does that, once).
func TestWaitEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := statustest.NewClock(statustest.Epoch, synctest.Wait)
		ctx, cancel := context.WithCancel(t.Context())
		in := statustest.NewInput(clk, "GPIO27", false)
		b := status.NewButton(ctx, in, status.ButtonOptions{Clock: clk})
		m := status.NewMachine(ctx, clk, nil)
		done := make(chan struct{})
		go func() { b.Wait(); m.Wait(); close(done) }()
		clk.Settle()
		select {
		case <-done:
			t.Fatal("Wait returned before ctx ended")
		default:
		}
		cancel()
		<-done // synctest reports a deadlock if Wait never returns
		if in.Closed() {
			t.Error("Wait closed the Input")
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close after Wait: %v", err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("Machine Close after Wait: %v", err)
		}
	})
}
