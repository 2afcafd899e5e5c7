package status

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"
)

func TestPinIndicator(t *testing.T) {
	p := newFakePin("GPIO17", gpio.Low)
	ind := NewPinIndicator(p)
	for _, on := range []bool{true, false, true} {
		if err := ind.Set(on); err != nil {
			t.Fatal(err)
		}
	}
	if err := ind.Close(); err != nil {
		t.Fatal(err)
	}
	s := p.snapshot()
	want := []gpio.Level{gpio.High, gpio.Low, gpio.High, gpio.Low}
	if len(s.outs) != len(want) {
		t.Fatalf("outs = %v, want %v", s.outs, want)
	}
	for i := range want {
		if s.outs[i] != want[i] {
			t.Fatalf("outs = %v, want %v (Close must end low)", s.outs, want)
		}
	}
	if !s.closed || s.readOnOutput || ind.Name() != "GPIO17" {
		t.Errorf("closed=%v readOnOutput=%v name=%q; want released, never read, GPIO17", s.closed, s.readOnOutput, ind.Name())
	}
}

func TestGPIOErrorsNameTheFix(t *testing.T) {
	cases := map[string]struct {
		err  error
		want string
	}{
		// periph flattens errnos to strings, so match the text too.
		"permission": {errors.New("line_request ioctl: permission denied"), "udev rule"},
		"busy":       {errors.New("line_request ioctl: device or resource busy"), "gpioinfo"},
		"other":      {errors.New("no such device"), "no such device"},
	}
	for name, tc := range cases {
		p := newFakePin("GPIO17", gpio.Low)
		p.outErr = tc.err
		err := NewPinIndicator(p).Set(true)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "GPIO17") {
			t.Errorf("%s: error %v, want one naming GPIO17 and containing %q", name, err, tc.want)
		}
	}
}

func TestPinInputDeliversLevels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakePin("GPIO27", gpio.High) // released: pulled up
		in, err := NewPinInput(p, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s := p.snapshot(); s.pull != gpio.PullUp || s.edge != gpio.BothEdges {
			t.Errorf("In(%v, %v), want pull-up and both edges", s.pull, s.edge)
		}
		if got := <-in.Edges(); got {
			t.Error("initial level reads pressed; want released (high with pull-up)")
		}
		p.set(gpio.Low)
		if got := <-in.Edges(); !got {
			t.Error("low after an edge reads released; want pressed")
		}
		p.set(gpio.High)
		if got := <-in.Edges(); got {
			t.Error("high after an edge reads pressed; want released")
		}
		time.Sleep(10 * time.Second) // bubble time: WaitForEdge times out several times
		synctest.Wait()
		select {
		case v := <-in.Edges():
			t.Errorf("timeouts produced an edge (%v)", v)
		default:
		}
		if err := in.Close(); err != nil {
			t.Fatal(err)
		}
		if _, ok := <-in.Edges(); ok {
			t.Error("Edges still open after Close")
		}
		if s := p.snapshot(); !s.closed || s.halts == 0 {
			t.Errorf("after Close: closed=%v halts=%d; want released and halted", s.closed, s.halts)
		}
		if err := in.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

func TestPinInputActiveHigh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakePin("GPIO27", gpio.Low)
		in, err := NewPinInput(p, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		if s := p.snapshot(); s.pull != gpio.PullDown {
			t.Errorf("pull = %v, want pull-down", s.pull)
		}
		if <-in.Edges() {
			t.Error("low reads pressed for an active-high button")
		}
		p.set(gpio.High)
		if !<-in.Edges() {
			t.Error("high reads released for an active-high button")
		}
	})
}

func TestPinInputDoesNotSpinOnBrokenLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakePin("GPIO27", gpio.High)
		p.brokenWait = true
		in, err := NewPinInput(p, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		<-in.Edges()
		time.Sleep(time.Second)
		synctest.Wait()
		if w := p.snapshot().waits; w > 60 {
			t.Errorf("%d WaitForEdge calls in 1 s on a broken line; the %v pause should cap it near 50", w, edgeRetry)
		}
		if err := in.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPinInputInError(t *testing.T) {
	p := newFakePin("GPIO27", gpio.High)
	p.inErr = errors.New("line_request ioctl: device or resource busy")
	_, err := NewPinInput(p, false, nil)
	if err == nil || !strings.Contains(err.Error(), "button on GPIO27") || !strings.Contains(err.Error(), "another program") {
		t.Errorf("error %v, want one naming the button line and the busy fix", err)
	}
	if !p.snapshot().closed {
		t.Error("line not released after a failed In")
	}
}

func TestPinButtonEndToEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakePin("GPIO27", gpio.High)
		in, err := NewPinInput(p, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := NewButton(t.Context(), in, ButtonOptions{})
		defer b.Close()
		synctest.Wait()
		// A bouncy 300 ms press on the real clock, which is fake in the bubble.
		for _, l := range []gpio.Level{gpio.Low, gpio.High, gpio.Low} {
			p.set(l)
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		p.set(gpio.High)
		ev := <-b.Events()
		if ev.Kind != ShortPress || ev.Held < 300*time.Millisecond || ev.Held > 310*time.Millisecond {
			t.Errorf("event %+v, want a short press of about 300 ms", ev)
		}
	})
}

func TestIsGPIOSpec(t *testing.T) {
	for spec, want := range map[string]bool{
		"GPIO17": true, "gpio17": true, "17": true, "gpio:STATUS_LED": true, "GPIO:17": true,
		"ACT": false, "led0": false, "gpio-led": false, "gpio": false, "status": false, "gpio:": false,
	} {
		if got := isGPIOSpec(spec); got != want {
			t.Errorf("isGPIOSpec(%q) = %v, want %v", spec, got, want)
		}
	}
}
