//go:build linux

package main

import (
	"slices"
	"testing"
	"time"
)

func TestControlKey(t *testing.T) {
	for in, want := range map[string]string{
		"Horizontal Flip":              "horizontal_flip",
		"White Balance, Auto & Preset": "white_balance_auto_preset",
		"ISO Sensitivity":              "iso_sensitivity",
		"Integer 32 Bits":              "integer_32_bits",
	} {
		if got := controlKey(in); got != want {
			t.Errorf("controlKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// Only runs wholly inside the window count: the first and last are cut.
func TestLEDRunsInWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	l := newLEDRecorder(simLine{})
	for i, ms := range []int{0, 1000, 2000, 3000, 4000, 5000} {
		l.changes = append(l.changes, ledChange{at: at(ms), level: 1 - i%2})
	}
	for ms := 0; ms < 5000; ms += 10 {
		l.samples = append(l.samples, at(ms))
	}
	on, off, n := l.runs(at(500), at(4500))
	if !slices.Equal(on, []int64{1000}) || !slices.Equal(off, []int64{1000, 1000}) || n != 401 {
		t.Fatalf("on %v off %v samples %d", on, off, n)
	}
}
