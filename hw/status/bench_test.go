package status_test

import (
	"os"
	"testing"
	"time"

	"github.com/picam-project/picam/hw/status"
)

// BenchmarkMachineSet is the cost the server pays per state report (it may
// call Set on every frame or tick).
func BenchmarkMachineSet(b *testing.B) {
	m := status.NewMachine(b.Context(), nil, nil)
	defer m.Close()
	for i := 0; b.Loop(); i++ {
		m.Set(status.Streaming, i&3)
	}
}

// BenchmarkSysfsLEDSet is one LED write (open, write, close) on a plain file.
// On a disk file system O_TRUNC dominates; set PICAM_BENCH_LED_ROOT to a tmpfs
// directory for a figure closer to sysfs.
func BenchmarkSysfsLEDSet(b *testing.B) {
	root := b.TempDir()
	if dir := os.Getenv("PICAM_BENCH_LED_ROOT"); dir != "" { // e.g. a tmpfs, closer to sysfs costs
		root = dir
	}
	fakeLED(b, root, "ACT", "none [mmc0]", "0", "255")
	led, err := status.OpenSysfsLED(root, "ACT")
	if err != nil {
		b.Fatal(err)
	}
	defer led.Close()
	on := false
	for b.Loop() {
		on = !on
		if err := led.Set(on); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPatternAt is the per-wake-up pattern arithmetic (SOS, the longest).
func BenchmarkPatternAt(b *testing.B) {
	p := status.PatternFor(status.Fault, 0)
	var e time.Duration
	for b.Loop() {
		e += 7 * time.Millisecond
		p.At(e)
	}
}
