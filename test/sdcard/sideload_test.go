//go:build sdcard

package sdcard

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/update"
)

// chunk is the unit in which the test follows a slot being written: 1 MiB.
const chunk = 1 << 20

// slotChunks counts the chunks of root that slot (at byte off of the card) holds already,
// comparing the first 4 KiB of each (full, when full is set).
func (c *card) slotChunks(off int64, root []byte, full bool) (have, total int) {
	f, err := os.Open(c.img)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	for o := 0; o < len(root); o += chunk {
		n := min(chunk, len(root)-o)
		if !full {
			n = min(n, 4096)
		}
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, off+int64(o)); err == nil && bytes.Equal(buf, root[o:o+n]) {
			have++
		}
		total++
	}
	return have, total
}

// hostSlots reads the slots' state from the card's boot partition on the host, while the guest
// may be writing it (then a copy may fail its checksum: ReadSlots takes the other).
func (c *card) hostSlots() (*update.Slots, error) {
	dir, err := os.MkdirTemp("", "picam-slots")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for _, f := range []string{"state0", "state1"} {
		cmd := exec.Command("mcopy", "-n", "-i", c.fatImage(), "::rauc/"+f, filepath.Join(dir, f))
		cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
		cmd.Run()
	}
	return update.ReadSlots(dir, "/dev/null")
}

// hasBoot reports whether the card's boot partition holds name.
func (c *card) hasBoot(name string) bool {
	cmd := exec.Command("mdir", "-b", "-i", c.fatImage(), "::"+name)
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	return cmd.Run() == nil
}

// copyBoot copies a host file onto the card's boot partition as name, as a user does from a
// laptop.
func (c *card) copyBoot(t *testing.T, src, name string) {
	t.Helper()
	c.mtools(t, "mcopy", "-o", "-i", c.fatImage(), src, "::"+name)
}

// cutPoint is a point of a side-loaded install at which the test cuts the power: reached when
// the console shows console, or when reached (state the host sees on the card) says so. passed,
// when set, is a console line that must not be there yet when QEMU is dead (else the cut came
// after the point).
type cutPoint struct {
	step, console string
	reached       func() bool
	passed        string
}

// cutAt waits for p on g, kills QEMU at once, and fails unless the cut was at p.
func cutAt(t *testing.T, g *guest, i int, p cutPoint) {
	t.Helper()
	deadline := time.Now().Add(*bootLimit)
	for {
		if p.console != "" && strings.Contains(g.serial(), p.console) || p.reached != nil && p.reached() {
			break
		}
		select {
		case <-g.done:
			t.Fatalf("side-load power cut %d (%s): QEMU ended before the point; console:\n%s", i, p.step, tail(g.serial(), 40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("side-load power cut %d (%s): not reached; console:\n%s", i, p.step, tail(g.serial(), 40))
		}
		time.Sleep(10 * time.Millisecond)
	}
	g.kill()
	if p.passed != "" && strings.Contains(g.serial(), p.passed) {
		t.Errorf("side-load power cut %d (%s) came too late: the console already showed %q", i, p.step, p.passed)
	}
}

// sideloadCuts side-loads bundle (root inside) onto the card, which boots slot booted (bytes
// [sumA] of partition bootedPart) and cuts the power at 6 points of its install into the other
// slot (partition otherPart): the copy to RAM, RAUC's signature check, the start of the slot
// write, half of it written (seen on the card), the write done, and the switch saved (seen in
// the slots' state on the card). Each boot
// after a cut streams from the old slot with the install starting again; the old slot is never
// written. It returns after the last cut: the next boot is the new slot's trial.
func sideloadCuts(t *testing.T, c *card, bundle string, root []byte, booted, other string, bootedPart, otherPart [2]int64,
	boot func(string) (*client, *guest)) {
	t.Helper()
	c.copyBoot(t, bundle, "update.raucb")
	sumBooted := c.sumPart(t, bootedPart[0], bootedPart[1])
	written := func(frac float64) func() bool {
		return func() bool {
			have, total := c.slotChunks(otherPart[0], root, false)
			return float64(have) >= frac*float64(total)
		}
	}
	switched := func() bool {
		s, err := c.hostSlots()
		return err == nil && s.Primary == other && s.Trial == other
	}
	copying := fmt.Sprintf("Copying image to rootfs.%d", map[string]int{"A": 0, "B": 1}[other]) // RAUC's progress
	points := []cutPoint{
		{"copying the bundle to RAM", "side-load: /boot/update.raucb (", nil, "side-load: installing /boot/update.raucb (md5"},
		{"RAUC checking the signature", "rauc:  20% Verifying signature", nil, "Verifying signature done"},
		{"the slot write starting", "% " + copying, nil, ""},
		{"half the slot written", "", written(0.5), copying + " done."},
		{"the slot written, its switch not yet saved", copying + " done.", nil, ""},
		{"the switch saved, update.raucb not yet deleted", "", switched, "side-load: /boot/update.raucb deleted"},
	}
	for i, p := range points {
		cl, g := boot(fmt.Sprintf("side-load, before power cut %d", i+1))
		cutAt(t, g, i+1, p)
		cl.stop()
		console := g.serial()
		if !strings.Contains(console, "picam stage1: slot "+booted+": root") {
			t.Errorf("side-load power cut %d: the boot before it was not a normal boot of slot %s:\n%s", i+1, booted, tail(console, 40))
		}
		have, total := c.slotChunks(otherPart[0], root, true)
		s, err := c.hostSlots()
		if err != nil {
			t.Fatalf("side-load power cut %d: the slots' state on the card: %v", i+1, err)
		}
		if c.sumPart(t, bootedPart[0], bootedPart[1]) != sumBooted {
			t.Fatalf("side-load power cut %d (%s): slot %s, the one running, was written", i+1, p.step, booted)
		}
		if !c.hasBoot("update.raucb") {
			t.Errorf("side-load power cut %d: update.raucb is gone before the install ended", i+1)
		}
		last := i == len(points)-1
		switch {
		case !last && (s.Primary != booted || s.Trial != "" || s.States[booted] != "good"):
			t.Errorf("side-load power cut %d (%s): slots %+v; want %s primary and good, no trial", i+1, p.step, s, booted)
		case i >= 2 && s.States[other] != "bad":
			t.Errorf("side-load power cut %d (%s): slot %s is %q while RAUC writes it; want bad", i+1, p.step, other, s.States[other])
		case last && have != total:
			t.Errorf("side-load power cut %d (%s): slot %s holds %d of %d MiB of the new root; want all", i+1, p.step, other, have, total)
		}
		t.Logf("side-load power cut %d, %s, %.1f s into the boot: slot %s holds %d of %d MiB of the new root; primary %s, trial %q, states %v",
			i+1, p.step, time.Since(g.start).Seconds(), other, have, total, s.Primary, s.Trial, s.States)
	}
}
