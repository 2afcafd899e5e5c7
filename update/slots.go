package update

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SlotDir is where the SD card keeps the A/B slots' state: on its FAT boot partition, written by
// the card's RAUC backend and stage-1 init (/usr/lib/picam/ab.sh, which defines the format).
const SlotDir = "/boot/rauc"

// slotDevices are the root slots' partitions on the card.
var slotDevices = map[string]string{"/dev/mmcblk0p2": "A", "/dev/mmcblk0p3": "B"}

// Slots is the card's A/B state as GET /api/status shows it.
type Slots struct {
	Booted   string            `json:"booted"`             // the slot running now (A or B)
	Primary  string            `json:"primary"`            // the slot the next boot starts
	States   map[string]string `json:"states"`             // each slot's state: good or bad
	Trial    string            `json:"trial,omitempty"`    // a slot booted on trial, not yet marked good
	Rollback string            `json:"rollback,omitempty"` // why the last update was rolled back
}

// ReadSlots reads the state in dir (the newer of its two valid copies, state0 and state1) and
// the booted slot from mounts (/proc/mounts).
func ReadSlots(dir, mounts string) (*Slots, error) {
	best, bestSeq := map[string]string(nil), -1
	var errs []error
	for _, name := range []string{"state0", "state1"} {
		kv, err := readStateCopy(filepath.Join(dir, name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seq, err := strconv.Atoi(kv["seq"]); err == nil && seq > bestSeq {
			best, bestSeq = kv, seq
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no valid slot state in %s: %w", dir, errors.Join(errs...))
	}
	s := &Slots{Primary: best["primary"], Trial: best["trial"], Rollback: best["reason"],
		States: map[string]string{"A": best["state_A"], "B": best["state_B"]}}
	if b, err := os.ReadFile(mounts); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[1] == "/" && slotDevices[f[0]] != "" {
				s.Booted = slotDevices[f[0]]
			}
		}
	}
	return s, nil
}

// readStateCopy parses one copy: key=value lines, then sum= the md5 of those lines.
func readStateCopy(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	kv := map[string]string{}
	var body []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if sum, ok := strings.CutPrefix(l, "sum="); ok {
			h := md5.Sum([]byte(strings.TrimRight(strings.Join(body, "\n"), "\n") + "\n"))
			if strings.TrimSpace(sum) != hex.EncodeToString(h[:]) {
				return nil, fmt.Errorf("%s: checksum mismatch (a save was cut short)", path)
			}
			return kv, nil
		}
		body = append(body, l)
		if k, v, ok := strings.Cut(l, "="); ok {
			kv[k] = v
		}
	}
	return nil, fmt.Errorf("%s: no sum= line", path)
}

// SystemSlots is this system's A/B state, or nil where there is none (not the SD card).
func SystemSlots() *Slots {
	s, err := ReadSlots(SlotDir, "/proc/mounts")
	if err != nil {
		return nil
	}
	return s
}
