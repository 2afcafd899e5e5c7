package main

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/hw/status/statustest"
	"github.com/picam-project/picam/update"
)

// writeSlots writes one copy of the card's slot state (the format of
// /usr/lib/picam/ab.sh) into dir and returns it as picam-server reads it.
func writeSlots(t *testing.T, trial, reason string) *update.Slots {
	t.Helper()
	dir := t.TempDir()
	body := fmt.Sprintf("seq=7\nprimary=A\nstate_A=good\nstate_B=bad\ntrial=%s\ntried=0\nreason=%s\n", trial, reason)
	sum := md5.Sum([]byte(body))
	if err := os.WriteFile(filepath.Join(dir, "state1"), []byte(body+"sum="+hex.EncodeToString(sum[:])+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mounts := filepath.Join(dir, "mounts")
	os.WriteFile(mounts, []byte("/dev/mmcblk0p2 / squashfs ro 0 0\n"), 0o644)
	s, err := update.ReadSlots(dir, mounts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Which state the LEDs show on a card whose last update was rolled back: rolled-back in place
// of waiting and streaming for rollbackShown, never in place of the states that need the owner,
// never during a newer update's trial, never off the card or without a reason.
func TestRollbackNotice(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)
	reason := "slot B did not report healthy within 90s of its trial boot; rolled back to slot A"
	rb := newRollbackNotice(writeSlots(t, "", reason), t0)
	for _, c := range []struct {
		st    status.State
		at    time.Duration
		want  status.State
		wantN int
	}{
		{status.Waiting, 0, status.RolledBack, 0},
		{status.Streaming, time.Minute, status.RolledBack, 2},
		{status.Degraded, time.Minute, status.Degraded, 2},
		{status.Fault, time.Minute, status.Fault, 2},
		{status.Paused, time.Minute, status.Paused, 2},
		{status.Stopping, time.Minute, status.Stopping, 2},
		{status.Streaming, rollbackShown - time.Second, status.RolledBack, 2},
		{status.Streaming, rollbackShown, status.Streaming, 2},
		{status.Waiting, time.Hour, status.Waiting, 2},
	} {
		if got, n := rb.apply(c.st, 2, t0.Add(c.at)); got != c.want || n != 2 {
			t.Errorf("%v at %v: shown %v (%d clients), want %v", c.st, c.at, got, n, c.want)
		}
	}
	for what, s := range map[string]*update.Slots{
		"not an A/B card":        nil,
		"no rollback":            writeSlots(t, "", ""),
		"a newer update's trial": writeSlots(t, "B", reason),
	} {
		if rb := newRollbackNotice(s, t0); rb.active() {
			t.Errorf("%s: the rolled-back pattern is shown", what)
		}
		if got, _ := newRollbackNotice(s, t0).apply(status.Streaming, 1, t0); got != status.Streaming {
			t.Errorf("%s: streaming shown as %v", what, got)
		}
	}
}

// The LED itself, on the fake clock and indicator: after a rollback it blinks rolled-back
// while the server streams, then, after rollbackShown, the streaming pattern.
func TestRollbackLEDPattern(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := statustest.NewClock(statustest.Epoch, synctest.Wait)
		led := statustest.NewIndicator("ACT", clk)
		m := status.NewMachine(t.Context(), clk, nil, led)
		defer m.Close()
		rb := newRollbackNotice(writeSlots(t, "", "slot B's trial boot ended before picam-server reported healthy"), clk.Now())
		show := func() {
			m.Set(rb.apply(status.Streaming, 0, clk.Now()))
			clk.Settle()
		}
		base := clk.Now()
		show()
		clk.Advance(4 * time.Second)
		if got, want := led.Timeline(base), "0s:on 500ms:off 750ms:on 1.25s:off 1.5s:on 2s:off 3.5s:on 4s:off"; got != want {
			t.Errorf("after a rollback, streaming:\n got %s\nwant %s (rolled-back)", got, want)
		}
		clk.AdvanceTo(base.Add(rollbackShown))
		led.Reset()
		show()
		clk.Advance(5 * time.Second)
		if got, want := led.Timeline(base.Add(rollbackShown)), "0s:on"; got != want {
			t.Errorf("%v later, streaming to no client: got %s, want %s (solid on)", rollbackShown, got, want)
		}
	})
}
