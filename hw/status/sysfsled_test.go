package status_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/picam-project/picam/hw/status"
)

// fakeLED creates root/name with the attribute files the kernel provides.
func fakeLED(t testing.TB, root, name, trigger, brightness, maxBrightness string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for attr, v := range map[string]string{"trigger": trigger, "brightness": brightness, "max_brightness": maxBrightness} {
		if v == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, attr), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestSysfsLEDTakesOverAndRestores(t *testing.T) {
	root := t.TempDir()
	dir := fakeLED(t, root, "ACT", "none rc-feedback kbd-scrolllock [mmc0] timer heartbeat", "0", "1")

	led, err := status.OpenSysfsLED(root, "ACT")
	if err != nil {
		t.Fatalf("OpenSysfsLED: %v", err)
	}
	if got := readFile(t, filepath.Join(dir, "trigger")); got != "none" {
		t.Errorf("trigger after open = %q, want none (else mmc0 keeps driving the LED)", got)
	}
	if led.OriginalTrigger() != "mmc0" || led.Name() != "ACT" {
		t.Errorf("original trigger %q name %q, want mmc0 ACT", led.OriginalTrigger(), led.Name())
	}
	if err := led.Set(true); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "brightness")); got != "1" {
		t.Errorf("brightness when on = %q, want max_brightness 1", got)
	}
	if err := led.Set(false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "brightness")); got != "0" {
		t.Errorf("brightness when off = %q, want 0", got)
	}
	if err := led.Set(true); err != nil {
		t.Fatal(err)
	}
	if err := led.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := readFile(t, filepath.Join(dir, "trigger")); got != "mmc0" {
		t.Errorf("trigger after Close = %q, want mmc0 restored", got)
	}
	if got := readFile(t, filepath.Join(dir, "brightness")); got != "0" {
		t.Errorf("brightness after Close = %q, want original 0", got)
	}
	if err := led.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSysfsLEDRestoresBrightnessWithTriggerNone(t *testing.T) {
	root := t.TempDir()
	dir := fakeLED(t, root, "PWR", "[none] default-on input", "255", "255")
	led, err := status.OpenSysfsLED(root, "PWR")
	if err != nil {
		t.Fatal(err)
	}
	if err := led.Set(false); err != nil {
		t.Fatal(err)
	}
	if err := led.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "brightness")); got != "255" {
		t.Errorf("brightness after Close = %q, want 255 (the PWR LED was lit before)", got)
	}
	if got := readFile(t, filepath.Join(dir, "trigger")); got != "none" {
		t.Errorf("trigger after Close = %q, want none", got)
	}
}

func TestSysfsLEDWithoutMaxBrightnessUses255(t *testing.T) {
	root := t.TempDir()
	dir := fakeLED(t, root, "status", "[default-on] none", "1", "")
	led, err := status.OpenSysfsLED(root, "status")
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	if err := led.Set(true); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "brightness")); got != "255" {
		t.Errorf("brightness = %q, want 255 (kernel clamps to max)", got)
	}
}

func TestSysfsLEDErrorsNameTheFix(t *testing.T) {
	root := t.TempDir()
	fakeLED(t, root, "PWR", "none", "0", "1")
	fakeLED(t, root, "ACT", "none", "0", "1")

	_, err := status.OpenSysfsLED(root, "led0")
	if err == nil || !strings.Contains(err.Error(), "found: ACT, PWR") || !strings.Contains(err.Error(), "dtoverlay=gpio-led") {
		t.Errorf("wrong name: error %v, want one listing ACT, PWR and the dtoverlay fix", err)
	}
	for _, bad := range []string{"", "..", "ACT/../PWR"} {
		if _, err := status.OpenSysfsLED(root, bad); err == nil {
			t.Errorf("OpenSysfsLED(%q) succeeded", bad)
		}
	}
	_, err = status.OpenSysfsLED(filepath.Join(root, "nope"), "ACT")
	if err == nil || !strings.Contains(err.Error(), "has none") {
		t.Errorf("missing root: error %v, want 'this machine has none'", err)
	}
	// An LED directory without a trigger file is not usable.
	if err := os.MkdirAll(filepath.Join(root, "broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := status.OpenSysfsLED(root, "broken"); err == nil || !strings.Contains(err.Error(), "LED broken") {
		t.Errorf("LED without trigger: error %v, want one naming the LED", err)
	}
}

func TestFindBoardLEDs(t *testing.T) {
	cases := []struct {
		name     string
		leds     []string
		act, pwr string
	}{
		{"bookworm Pi 4", []string{"ACT", "PWR", "mmc0::", "default-on"}, "ACT", "PWR"},
		{"older kernel", []string{"led1", "led0"}, "led0", "led1"},
		{"zero 2 W", []string{"ACT", "mmc0::"}, "ACT", ""},
		{"both naming schemes prefers ACT/PWR", []string{"led0", "ACT", "PWR", "led1"}, "ACT", "PWR"},
		{"laptop", []string{"input3::capslock", "phy0-led"}, "", ""},
		{"empty", nil, "", ""},
	}
	for _, tc := range cases {
		root := t.TempDir()
		for _, n := range tc.leds {
			fakeLED(t, root, n, "none", "0", "1")
		}
		b, err := status.FindBoardLEDs(root)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if b.ACT != tc.act || b.PWR != tc.pwr || len(b.All) != len(tc.leds) || !slices.IsSorted(b.All) {
			t.Errorf("%s: got ACT=%q PWR=%q All=%v; want ACT=%q PWR=%q and all %d sorted", tc.name, b.ACT, b.PWR, b.All, tc.act, tc.pwr, len(tc.leds))
		}
		want := slices.DeleteFunc([]string{tc.act, tc.pwr}, func(s string) bool { return s == "" })
		if !slices.Equal(b.Names(), want) {
			t.Errorf("%s: Names() = %v, want %v", tc.name, b.Names(), want)
		}
	}
	b, err := status.FindBoardLEDs(filepath.Join(t.TempDir(), "no-such-dir"))
	if err != nil || len(b.All) != 0 {
		t.Errorf("missing root: %+v, %v; want empty and no error", b, err)
	}
}
