package statustest_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/picam-project/picam/hw/status/statustest"
)

func TestClockFiresInDeadlineOrder(t *testing.T) {
	clk := statustest.NewClock(statustest.Epoch, nil)
	late := clk.NewTimer(300 * time.Millisecond)
	early := clk.NewTimer(100 * time.Millisecond)
	stopped := clk.NewTimer(200 * time.Millisecond)
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop should report true once, then false")
	}
	if clk.Pending() != 2 {
		t.Fatalf("Pending() = %d, want 2", clk.Pending())
	}
	clk.Advance(150 * time.Millisecond)
	select {
	case at := <-early.C():
		if got := at.Sub(statustest.Epoch); got != 100*time.Millisecond {
			t.Errorf("early fired with time +%v, want +100ms", got)
		}
	default:
		t.Fatal("early timer did not fire")
	}
	select {
	case <-late.C():
		t.Fatal("late timer fired early")
	default:
	}
	if got := clk.Now().Sub(statustest.Epoch); got != 150*time.Millisecond {
		t.Errorf("Now = +%v, want +150ms", got)
	}
	clk.AdvanceTo(statustest.Epoch.Add(300 * time.Millisecond))
	if _, ok := <-late.C(); !ok || clk.Pending() != 0 {
		t.Error("late timer did not fire at its deadline")
	}
	select {
	case <-stopped.C():
		t.Error("a stopped timer fired")
	default:
	}
	clk.AdvanceTo(statustest.Epoch) // the past: no-op
	if got := clk.Now().Sub(statustest.Epoch); got != 300*time.Millisecond {
		t.Errorf("AdvanceTo the past moved time to +%v", got)
	}
}

func TestClockZeroDurationFiresAtOnce(t *testing.T) {
	clk := statustest.NewClock(statustest.Epoch, nil)
	select {
	case at := <-clk.NewTimer(-time.Second).C():
		if !at.Equal(statustest.Epoch) {
			t.Errorf("fired with %v, want Epoch", at)
		}
	default:
		t.Error("a non-positive timer did not fire at once")
	}
}

// With Settle, a timer re-armed by a reacting goroutine during an Advance
// fires within the same Advance: a ticker at 100 ms ticks 10 times in 1 s.
func TestClockSettleHonoursRearmedTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := statustest.NewClock(statustest.Epoch, synctest.Wait)
		ticks := make(chan time.Time, 100)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				tm := clk.NewTimer(100 * time.Millisecond)
				select {
				case at := <-tm.C():
					ticks <- at
				case <-stop:
					tm.Stop()
					return
				}
			}
		}()
		clk.Advance(time.Second)
		close(stop)
		<-done
		if n := len(ticks); n != 10 {
			t.Fatalf("%d ticks in 1 s, want 10", n)
		}
		for i := 1; i <= 10; i++ {
			if got := (<-ticks).Sub(statustest.Epoch); got != time.Duration(i)*100*time.Millisecond {
				t.Errorf("tick %d at +%v, want +%v", i, got, time.Duration(i)*100*time.Millisecond)
			}
		}
	})
}
