//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/picam-project/picam/hw/status"
)

// blinkWindow is how long the Starting pattern (100 ms on, 100 ms off) is
// watched: about 20 changes when the guest gets the CPU it asks for.
const blinkWindow = 2 * time.Second

// runStatus drives picam's status LED and button code (hw/status, periph's
// gpioioctl underneath) against real kernel GPIO and watches the result from
// the other side: the gpio-sim line's value in QEMU, the LED's brightness on a
// Pi's on-board LED.
func runStatus(ctx context.Context, r *reporter, args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	led := fs.String("led", "GPIO17", `LED as hw/status names it ("GPIO17" a GPIO line, "ACT" a /sys/class/leds LED)`)
	button := fs.String("button", "GPIO27", `button GPIO line ("" for none); needs gpio-sim to be pressed`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	watch, err := ledWatcher(*led)
	if err != nil {
		if errors.Is(err, errNoSim) {
			r.skip("status.led", err.Error())
			r.skip("status.button", err.Error())
			return nil
		}
		return err
	}
	var press simLine
	btn := *button
	if btn == "" {
		r.skip("status.button", "no button given (HIL_BUTTON)")
	} else {
		if press, err = findSimLine(strings.TrimPrefix(btn, "gpio:")); err != nil {
			r.skip("status.button", "cannot press "+btn+" without gpio-sim: "+err.Error())
			btn = ""
		}
	}
	p, err := status.Open(ctx, status.Config{LEDs: []string{*led}, Button: btn, Logger: r.log})
	if err != nil {
		return fmt.Errorf("hw/status Open: %w", err)
	}
	closed := false
	defer func() {
		if !closed {
			p.Close()
		}
	}()

	// Streaming with no clients is solid on; stopping is off. Blinking
	// Starting (100 ms on, 100 ms off) shows the pattern reaches the line.
	on, onErr := settle(ctx, watch, 1, func() { p.Set(status.Streaming, 0) })
	flips, flipErr := countFlips(ctx, watch, blinkWindow, func() { p.Set(status.Starting, 0) })
	off, offErr := settle(ctx, watch, 0, func() { p.Set(status.Stopping, 0) })
	if err := errors.Join(onErr, flipErr, offErr); err != nil {
		r.fail("status.led", err)
	} else {
		r.ok("status.led", map[string]any{"led": *led, "indicators": p.Indicators(),
			"streaming": on, "starting_flips": flips, "window_ms": blinkWindow.Milliseconds(), "stopping": off})
	}

	if btn != "" {
		ev, err := pressButton(ctx, p, press, 300*time.Millisecond)
		if err != nil {
			r.fail("status.button", err)
		} else {
			r.ok("status.button", map[string]any{"button": btn, "kind": ev.Kind.String(), "held_ms": ev.Held.Milliseconds()})
		}
	}

	closed = true
	if err := p.Close(); err != nil {
		r.fail("status.close", err)
		return nil
	}
	v, err := watch()
	if err != nil {
		r.fail("status.close", err)
		return nil
	}
	r.ok("status.close", map[string]any{"led_after_close": v})
	return nil
}

// ledWatcher returns a function reading the LED's state from the outside:
// the simulator's value for a GPIO line, brightness for a sysfs LED.
func ledWatcher(led string) (func() (int, error), error) {
	switch {
	case strings.HasPrefix(led, "gpio:"):
		return simWatcher(led[len("gpio:"):])
	case strings.HasPrefix(strings.ToUpper(led), "GPIO"):
		return simWatcher(led)
	}
	path := filepath.Join("/sys/class/leds", strings.TrimPrefix(led, "led:"), "brightness")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("LED %s: %w", led, err)
	}
	return func() (int, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return -1, err
		}
		v, err := strconv.Atoi(strings.TrimSpace(string(b)))
		return min(v, 1), err
	}, nil
}

func simWatcher(name string) (func() (int, error), error) {
	s, err := findSimLine(name)
	if err != nil {
		return nil, err
	}
	return s.value, nil
}

// settle applies a change and waits up to a second for the LED to show want;
// it returns the last value seen.
func settle(ctx context.Context, watch func() (int, error), want int, change func()) (int, error) {
	change()
	deadline := time.Now().Add(time.Second)
	for {
		v, err := watch()
		if err != nil || v == want || time.Now().After(deadline) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// countFlips applies a change and counts LED transitions over d.
func countFlips(ctx context.Context, watch func() (int, error), d time.Duration, change func()) (int, error) {
	change()
	last, err := watch()
	if err != nil {
		return 0, err
	}
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); {
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		v, err := watch()
		if err != nil {
			return n, err
		}
		if v != last {
			n++
			last = v
		}
	}
	return n, nil
}

// pressButton holds the (active-low) button down from the simulator's side
// for hold, releases it and waits for hw/status to report the press.
func pressButton(ctx context.Context, p *status.Panel, s simLine, hold time.Duration) (status.ButtonEvent, error) {
	if err := s.pull("pull-down"); err != nil {
		return status.ButtonEvent{}, err
	}
	time.Sleep(hold)
	if err := s.pull("pull-up"); err != nil {
		return status.ButtonEvent{}, err
	}
	select {
	case ev := <-p.Events():
		return ev, nil
	case <-time.After(3 * time.Second):
		return status.ButtonEvent{}, fmt.Errorf("no button event within 3 s of a %v press on %s", hold, s.dir)
	case <-ctx.Done():
		return status.ButtonEvent{}, ctx.Err()
	}
}
