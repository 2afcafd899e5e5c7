package status

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// DefaultLEDRoot is where Linux lists LEDs. Tests and unusual systems pass a
// different root to OpenSysfsLED and FindBoardLEDs.
const DefaultLEDRoot = "/sys/class/leds"

// udevHint is appended to permission errors on LED files, because the fix is
// always the same and not obvious.
const udevHint = `run picam-server as root, or add a udev rule that gives its group write access, e.g. ` +
	`SUBSYSTEM=="leds", ACTION=="add", RUN+="/bin/chgrp gpio /sys%p/brightness /sys%p/trigger", RUN+="/bin/chmod g+w /sys%p/brightness /sys%p/trigger"`

// SysfsLED is an Indicator for an LED the kernel exposes under
// /sys/class/leds: the Pi's on-board ACT/PWR LEDs, or an external LED declared
// with "dtoverlay=gpio-led,gpio=17,label=status". Opening it switches the
// LED's trigger to "none" (otherwise the kernel's mmc0/actpwr/default-on
// trigger keeps overriding it); Close puts back the trigger and brightness it
// found, so the Pi's ACT LED shows SD card activity again after picam exits.
//
// periph's sysfs LED driver is not used here: it leaves the trigger alone,
// always writes 255 regardless of max_brightness, and its root is fixed at
// /sys/class/leds, which would make this untestable without hardware.
type SysfsLED struct {
	name string
	dir  string
	on   string // the brightness value written for "on": max_brightness

	origTrigger    string
	origBrightness string
	closed         bool
}

// OpenSysfsLED takes over the LED root/name (root "" means DefaultLEDRoot).
// Errors say what to do: which names exist when the name is wrong, how to get
// permission when it is denied.
func OpenSysfsLED(root, name string) (*SysfsLED, error) {
	if root == "" {
		root = DefaultLEDRoot
	}
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
		return nil, fmt.Errorf("status: %q is not an LED name; use a name listed in %s such as ACT or led0", name, root)
	}
	dir := filepath.Join(root, name)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("status: no LED %q in %s (%s); pick one of those, or declare one with dtoverlay=gpio-led,gpio=17,label=status in config.txt",
				name, root, availableLEDs(root))
		}
		return nil, fmt.Errorf("status: LED %s: %w", name, err)
	}
	l := &SysfsLED{name: name, dir: dir, on: "255"}
	trig, err := readAttr(dir, "trigger")
	if err != nil {
		return nil, l.wrap(err)
	}
	l.origTrigger = currentTrigger(trig)
	if l.origBrightness, err = readAttr(dir, "brightness"); err != nil {
		return nil, l.wrap(err)
	}
	if mx, err := readAttr(dir, "max_brightness"); err == nil {
		if n, err := strconv.Atoi(mx); err == nil && n > 0 {
			l.on = mx
		}
	}
	// Without this, the kernel trigger (mmc0, actpwr, heartbeat...) keeps
	// driving the LED and our writes flicker at best.
	if err := writeAttr(dir, "trigger", "none"); err != nil {
		return nil, l.wrap(err)
	}
	return l, nil
}

// Set implements Indicator.
func (l *SysfsLED) Set(on bool) error {
	v := "0"
	if on {
		v = l.on
	}
	if err := writeAttr(l.dir, "brightness", v); err != nil {
		return l.wrap(err)
	}
	return nil
}

// Name implements Indicator; it is the sysfs name ("ACT", "led0").
func (l *SysfsLED) Name() string { return l.name }

// OriginalTrigger is the trigger that was active before Open, which Close
// restores.
func (l *SysfsLED) OriginalTrigger() string { return l.origTrigger }

// Close implements Indicator: brightness first, then trigger, because writing
// brightness 0 would clear a trigger just restored. Closing twice is a no-op.
func (l *SysfsLED) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	var errs []error
	if err := writeAttr(l.dir, "brightness", l.origBrightness); err != nil {
		errs = append(errs, l.wrap(err))
	}
	if l.origTrigger != "none" {
		if err := writeAttr(l.dir, "trigger", l.origTrigger); err != nil {
			errs = append(errs, l.wrap(err))
		}
	}
	return errors.Join(errs...)
}

// wrap adds the LED name and, for permission problems, the fix.
func (l *SysfsLED) wrap(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("status: LED %s: %w; %s", l.name, err, udevHint)
	}
	return fmt.Errorf("status: LED %s: %w", l.name, err)
}

// currentTrigger picks the active trigger out of the trigger file, which lists
// all of them with the active one in brackets: "none [mmc0] timer".
func currentTrigger(s string) string {
	for f := range strings.FieldsSeq(s) {
		if len(f) > 2 && f[0] == '[' && f[len(f)-1] == ']' {
			return f[1 : len(f)-1]
		}
	}
	if f := strings.Fields(s); len(f) == 1 { // a bare value (our own fakes, odd drivers)
		return f[0]
	}
	return "none"
}

func readAttr(dir, attr string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, attr))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// writeAttr writes one sysfs attribute with a fresh open, write and close.
// That is three syscalls per blink, which is nothing at these rates, and is
// correct both on sysfs and on the plain files tests use (O_TRUNC; no O_CREAT,
// so a typo never creates a stray file).
func writeAttr(dir, attr, value string) error {
	f, err := os.OpenFile(filepath.Join(dir, attr), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(value)
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("write %s: %w", f.Name(), werr)
	}
	return cerr
}

// BoardLEDs is what FindBoardLEDs found.
type BoardLEDs struct {
	ACT string   // the activity (green) LED: "ACT" or "led0"; "" if none
	PWR string   // the power (red) LED: "PWR" or "led1"; "" if none
	All []string // every LED under the root, sorted, for log messages
}

// Names returns ACT and PWR, whichever were found, in that order.
func (b BoardLEDs) Names() []string {
	var out []string
	for _, n := range []string{b.ACT, b.PWR} {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// FindBoardLEDs lists root (DefaultLEDRoot if "") and picks the Pi's ACT and
// PWR LEDs, whose names depend on the kernel: ACT/PWR on Bookworm-era kernels,
// led0/led1 on older ones. Other LEDs (a laptop's capslock, mmc::) are never
// picked, so a laptop is left alone. A missing root is not an error: the
// machine simply has no LEDs.
func FindBoardLEDs(root string) (BoardLEDs, error) {
	if root == "" {
		root = DefaultLEDRoot
	}
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return BoardLEDs{}, nil
	}
	if err != nil {
		return BoardLEDs{}, fmt.Errorf("status: listing LEDs: %w", err)
	}
	var b BoardLEDs
	for _, e := range entries {
		b.All = append(b.All, e.Name())
	}
	slices.Sort(b.All)
	b.ACT = pickLED(b.All, "ACT", "led0")
	b.PWR = pickLED(b.All, "PWR", "led1")
	return b, nil
}

// pickLED returns the first candidate present in names.
func pickLED(names []string, candidates ...string) string {
	for _, c := range candidates {
		if slices.Contains(names, c) {
			return c
		}
	}
	return ""
}

// availableLEDs describes root's LEDs for an error message.
func availableLEDs(root string) string {
	b, err := FindBoardLEDs(root)
	switch {
	case err != nil:
		return err.Error()
	case len(b.All) == 0:
		return "this machine has none"
	default:
		return "found: " + strings.Join(b.All, ", ")
	}
}
