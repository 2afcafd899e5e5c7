package status

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// piLEDs builds a fake /sys/class/leds like a Pi 4 on a Bookworm kernel.
func piLEDs(t *testing.T, names ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, n := range names {
		dir := filepath.Join(root, n)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for attr, v := range map[string]string{"trigger": "none [mmc0] timer", "brightness": "0", "max_brightness": "255"} {
			if err := os.WriteFile(filepath.Join(dir, attr), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func attr(t *testing.T, root, led, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, led, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func testLogger() (*slog.Logger, *lockedBuf) {
	var b lockedBuf
	return slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

// noHardware is a Config for a machine like this container: no LEDs, no GPIO.
func noHardware(t *testing.T) Config {
	log, _ := testLogger()
	return Config{LEDRoot: filepath.Join(t.TempDir(), "no-leds"), DevRoot: t.TempDir(), Logger: log}
}

func TestOpenWithoutHardware(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, buf := testLogger()
		cfg := noHardware(t)
		cfg.Logger = log
		cfg.LEDs = []string{"auto", "GPIO17", "ACT"} // all absent: skipped, not failed
		cfg.Button = "GPIO27"
		p, err := Open(t.Context(), cfg)
		if err != nil {
			t.Fatalf("Open on a machine without LEDs or GPIO: %v", err)
		}
		if len(p.Indicators()) != 0 || p.Events() != nil || p.ButtonName() != "" {
			t.Errorf("indicators %v, events %v, button %q; want none", p.Indicators(), p.Events(), p.ButtonName())
		}
		p.Set(Streaming, 3)
		if s, n := p.State(); s != Streaming || n != 3 {
			t.Errorf("State() = %v, %d", s, n)
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		for _, want := range []string{"running without status indicators", "no GPIO; skipping LED", "without the button", "has no LEDs"} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, buf.String())
			}
		}
	})
}

func TestOpenDefaultConfigOnPi(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := noHardware(t)
		cfg.LEDRoot = piLEDs(t, "ACT", "PWR", "mmc0::")
		p, err := Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Indicators(); !slices.Equal(got, []string{"ACT", "PWR"}) {
			t.Errorf("Indicators() = %v, want [ACT PWR]", got)
		}
		synctest.Wait()
		for _, led := range []string{"ACT", "PWR"} {
			if tr := attr(t, cfg.LEDRoot, led, "trigger"); tr != "none" {
				t.Errorf("%s trigger = %q while running, want none", led, tr)
			}
		}
		if tr := attr(t, cfg.LEDRoot, "mmc0::", "trigger"); tr != "none [mmc0] timer" {
			t.Errorf("mmc0:: was touched: trigger %q", tr)
		}
		if b := attr(t, cfg.LEDRoot, "ACT", "brightness"); b != "255" {
			t.Errorf("ACT brightness = %q at start (Starting begins lit), want 255", b)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		for _, led := range []string{"ACT", "PWR"} {
			if tr, b := attr(t, cfg.LEDRoot, led, "trigger"), attr(t, cfg.LEDRoot, led, "brightness"); tr != "mmc0" || b != "0" {
				t.Errorf("%s after Close: trigger %q brightness %q; want mmc0 and 0 restored", led, tr, b)
			}
		}
	})
}

func TestOpenLaptopLEDsUntouched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, buf := testLogger()
		cfg := noHardware(t)
		cfg.Logger = log
		cfg.LEDRoot = piLEDs(t, "input3::capslock")
		p, err := Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if len(p.Indicators()) != 0 {
			t.Errorf("used %v on a laptop", p.Indicators())
		}
		if tr := attr(t, cfg.LEDRoot, "input3::capslock", "trigger"); tr != "none [mmc0] timer" {
			t.Errorf("capslock LED touched: %q", tr)
		}
		if !strings.Contains(buf.String(), "no ACT/PWR LED") {
			t.Errorf("log does not say why no LED was used:\n%s", buf.String())
		}
	})
}

func TestOpenWrongLEDFailsAndRestoresOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := noHardware(t)
		cfg.LEDRoot = piLEDs(t, "ACT", "PWR")
		cfg.LEDs = []string{"auto", "led0"}
		_, err := Open(t.Context(), cfg)
		if err == nil || !strings.Contains(err.Error(), `no LED "led0"`) || !strings.Contains(err.Error(), "found: ACT, PWR") {
			t.Fatalf("error %v, want one naming led0 and listing ACT, PWR", err)
		}
		if tr := attr(t, cfg.LEDRoot, "ACT", "trigger"); tr != "mmc0" {
			t.Errorf("ACT opened by auto was not restored after the failure: trigger %q", tr)
		}
	})
}

func TestOpenGPIOLEDsAndButton(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lines := fakeLines{
			"GPIO17":     newFakePin("GPIO17", gpio.Low),
			"gpio:FAULT": newFakePin("FAULT", gpio.Low),
			"GPIO27":     newFakePin("GPIO27", gpio.High),
		}
		cfg := noHardware(t)
		cfg.lines = lines
		cfg.LEDs = []string{"none", "GPIO17", "!gpio:FAULT"}
		cfg.Button = "GPIO27"
		p, err := Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if got := p.Indicators(); !slices.Equal(got, []string{"GPIO17", "!FAULT"}) {
			t.Errorf("Indicators() = %v", got)
		}
		if p.ButtonName() != "GPIO27" {
			t.Errorf("ButtonName() = %q", p.ButtonName())
		}
		p.Set(Waiting, 0)
		synctest.Wait()
		time.Sleep(1500 * time.Millisecond) // Waiting: on 1 s, then off
		synctest.Wait()
		if led, inv := lines["GPIO17"].snapshot(), lines["gpio:FAULT"].snapshot(); led.level != gpio.Low || inv.level != gpio.High {
			t.Errorf("1.5 s into Waiting: GPIO17=%v (want low), inverted FAULT=%v (want high)", led.level, inv.level)
		}
		if lines["GPIO17"].snapshot().readOnOutput {
			t.Error("an LED line was read, which would turn it into an input")
		}

		lines["GPIO27"].set(gpio.Low)
		time.Sleep(3100 * time.Millisecond)
		select {
		case ev := <-p.Events():
			if ev.Kind != LongPress {
				t.Errorf("event %v, want long press", ev.Kind)
			}
		default:
			t.Error("no long press after holding 3.1 s")
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		for name, fp := range lines {
			if !fp.snapshot().closed {
				t.Errorf("%s not released by Close", name)
			}
		}
		if fp := lines["GPIO17"].snapshot(); fp.level != gpio.Low {
			t.Error("GPIO17 left lit after Close")
		}
	})
}

func TestOpenBadButtonClosesLEDs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		led := newFakePin("GPIO17", gpio.Low)
		cfg := noHardware(t)
		cfg.lines = fakeLines{"GPIO17": led}
		cfg.LEDs = []string{"GPIO17"}
		cfg.Button = "GPIO99"
		if _, err := Open(t.Context(), cfg); err == nil {
			t.Fatal("Open with an unknown button line succeeded")
		}
		if !led.snapshot().closed {
			t.Error("LED line not released after Open failed")
		}
		cfg.lines = fakeLines{"GPIO17": newFakePin("GPIO17", gpio.Low)}
		cfg.Button = "ACT"
		if _, err := Open(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "not a GPIO line") {
			t.Errorf("button ACT: error %v, want 'not a GPIO line'", err)
		}
	})
}

func TestOpenGPIOLEDFailsEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		led := newFakePin("GPIO17", gpio.Low)
		led.outErr = os.ErrPermission
		cfg := noHardware(t)
		cfg.lines = fakeLines{"GPIO17": led}
		cfg.LEDs = []string{"GPIO17"}
		_, err := Open(t.Context(), cfg)
		if err == nil || !strings.Contains(err.Error(), "udev rule") {
			t.Errorf("error %v, want the permission fix at Open, not at the first blink", err)
		}
		if !led.snapshot().closed {
			t.Error("line not released")
		}
	})
}

// Only the no-chip case can run here; real chips need hardware or gpio-sim.
func TestPeriphLinesWithoutChips(t *testing.T) {
	if _, err := openPeriphLines(t.TempDir()); err != errNoGPIO {
		t.Errorf("openPeriphLines on an empty dev dir = %v, want errNoGPIO", err)
	}
}
