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
)

// gpio-sim exposes each simulated line in sysfs at
// /sys/devices/platform/gpio-sim.N/gpiochipM/sim_gpioK/: "value" is what the
// consumer drives (an LED's state, as the outside world would see it) and
// "pull" is the outside world driving an input (a button).

// simLine is one named line of a gpio-sim chip.
type simLine struct {
	chip   string // /dev/gpiochipM
	offset uint32
	dir    string // its sim_gpioK directory
}

// findSimLine looks for a line called name on every gpio-sim chip.
func findSimLine(name string) (simLine, error) {
	dirs, _ := filepath.Glob("/sys/devices/platform/gpio-sim.*/gpiochip*")
	if len(dirs) == 0 {
		return simLine{}, errNoSim
	}
	var errs []error
	for _, d := range dirs {
		dev := "/dev/" + filepath.Base(d)
		c, err := openChip(dev)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		off, err := c.lineByName(name)
		c.Close()
		if err == nil {
			return simLine{chip: dev, offset: off, dir: filepath.Join(d, "sim_gpio"+strconv.Itoa(int(off)))}, nil
		}
		errs = append(errs, err)
	}
	return simLine{}, errors.Join(errs...)
}

var errNoSim = errors.New("no gpio-sim chip (modprobe gpio-sim and create one in configfs)")

// value reads what the consumer drives on the line.
func (s simLine) value() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, "value"))
	if err != nil {
		return -1, fmt.Errorf("reading the simulated line: %w", err)
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// pull drives the line from the outside: "pull-up" or "pull-down".
func (s simLine) pull(p string) error {
	if err := os.WriteFile(filepath.Join(s.dir, "pull"), []byte(p), 0); err != nil {
		return fmt.Errorf("setting the simulated pull: %w", err)
	}
	return nil
}

// runGPIO drives one gpio-sim output through the character device and reads
// it in sysfs, then drives one input from sysfs and reads it through the
// character device.
func runGPIO(ctx context.Context, r *reporter, args []string) error {
	fs := flag.NewFlagSet("gpio", flag.ContinueOnError)
	outName := fs.String("out", "hil-out", "name of the simulated line to drive")
	inName := fs.String("in", "hil-in", "name of the simulated line to read")
	if err := fs.Parse(args); err != nil {
		return err
	}
	out, err := findSimLine(*outName)
	if errors.Is(err, errNoSim) {
		r.skip("gpio.out", err.Error())
		r.skip("gpio.in", err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	c, err := openChip(out.chip)
	if err != nil {
		return err
	}
	defer c.Close()
	r.ok("gpio.chip", map[string]any{"device": out.chip, "name": cstring(c.info.Name[:]),
		"label": cstring(c.info.Label[:]), "lines": c.info.Lines})

	if err := driveOutput(c, out, r); err != nil {
		r.fail("gpio.out", err)
	}
	in, err := findSimLine(*inName)
	if err == nil {
		err = readInput(in, r)
	}
	if err != nil {
		r.fail("gpio.in", err)
	}
	return nil
}

func driveOutput(c *gpioChip, s simLine, r *reporter) error {
	l, err := c.request(s.offset, true, 1)
	if err != nil {
		return err
	}
	defer l.Close()
	var drove, saw []int
	for _, v := range []int{1, 0, 1} {
		if err := l.set(v); err != nil {
			return err
		}
		got, err := s.value()
		if err != nil {
			return err
		}
		drove, saw = append(drove, v), append(saw, got)
	}
	r.ok("gpio.out", map[string]any{"line": filepath.Base(s.dir), "offset": s.offset, "drove": drove, "sim": saw})
	return nil
}

func readInput(s simLine, r *reporter) error {
	c, err := openChip(s.chip)
	if err != nil {
		return err
	}
	defer c.Close()
	l, err := c.request(s.offset, false, 0)
	if err != nil {
		return err
	}
	defer l.Close()
	var pulls []string
	var got []int
	for _, p := range []string{"pull-up", "pull-down", "pull-up"} {
		if err := s.pull(p); err != nil {
			return err
		}
		v, err := l.get()
		if err != nil {
			return err
		}
		pulls, got = append(pulls, p), append(got, v)
	}
	r.ok("gpio.in", map[string]any{"line": filepath.Base(s.dir), "offset": s.offset, "pulls": pulls, "got": got})
	return nil
}
