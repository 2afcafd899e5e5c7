package sdcard

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picam-project/picam/update"
)

// abRig runs the card's A/B scripts (/usr/lib/picam/ab.sh, rauc-backend) with the host's
// busybox, the card's shell, over a state directory and a /proc/mounts of the test's making.
type abRig struct {
	dir, mounts, lib string
	bootDir          string // the boot partition: rauc/ is dir, tryboot.txt makes it a tryboot card
}

func newABRig(t *testing.T, booted string) *abRig {
	t.Helper()
	if _, err := exec.LookPath("busybox"); err != nil {
		t.Fatal("busybox is missing: make deps")
	}
	d := t.TempDir()
	r := &abRig{dir: filepath.Join(d, "rauc"), mounts: filepath.Join(d, "mounts"), bootDir: d,
		lib: filepath.Join(br, "board/picam/rootfs-overlay/usr/lib/picam")}
	os.MkdirAll(r.dir, 0o755)
	r.boot(t, booted)
	// A new card: two copies written at build time (mk-sdcard.sh's ab_boot).
	r.sh(t, "ab_load; ab_save && ab_save")
	return r
}

// boot says which slot's partition is mounted on /.
func (r *abRig) boot(t *testing.T, slot string) {
	dev := map[string]string{"A": "/dev/mmcblk0p2", "B": "/dev/mmcblk0p3"}[slot]
	os.WriteFile(r.mounts, []byte("rootfs / rootfs rw 0 0\n"+dev+" / squashfs ro 0 0\n"), 0o644)
}

func (r *abRig) env() []string {
	lib, _ := filepath.Abs(filepath.Join(r.lib, "ab.sh"))
	tb, _ := filepath.Abs(filepath.Join(r.lib, "tryboot.sh"))
	return append(os.Environ(), "AB_DIR="+r.dir, "AB_MOUNTS="+r.mounts, "AB_TMP="+filepath.Dir(r.dir), "AB_LIB="+lib,
		"TB_LIB="+tb, "AB_BOOT="+r.bootDir)
}

// sh runs script after sourcing ab.sh and returns its output.
func (r *abRig) sh(t *testing.T, script string) string {
	t.Helper()
	lib, _ := filepath.Abs(filepath.Join(r.lib, "ab.sh"))
	tb, _ := filepath.Abs(filepath.Join(r.lib, "tryboot.sh"))
	cmd := exec.Command("busybox", "sh", "-c", ". "+lib+"; . "+tb+"; "+script)
	cmd.Env = r.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ab.sh: %s: %v\n%s", script, err, out)
	}
	return strings.TrimSpace(string(out))
}

// backend runs rauc-backend as RAUC does.
func (r *abRig) backend(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("busybox", append([]string{"sh", filepath.Join(r.lib, "rauc-backend")}, args...)...)
	cmd.Env = r.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rauc-backend %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// stage1 is the stage-1 init's choice (ab_choose, then the save it asks for).
func (r *abRig) stage1(t *testing.T) string {
	t.Helper()
	return r.sh(t, `ab_choose; if [ -n "$AB_WRITE" ]; then ab_save; fi; echo "$AB_SLOT"`)
}

func (r *abRig) slots(t *testing.T) *update.Slots {
	t.Helper()
	s, err := update.ReadSlots(r.dir, r.mounts)
	if err != nil {
		t.Fatalf("ReadSlots: %v", err)
	}
	return s
}

func (r *abRig) sum(t *testing.T) string {
	t.Helper()
	var b []byte
	for _, f := range []string{"state0", "state1"} {
		d, err := os.ReadFile(filepath.Join(r.dir, f))
		if err != nil || len(d) != 512 {
			t.Fatalf("%s: %v, %d bytes; want 512", f, err, len(d))
		}
		b = append(b, d...)
	}
	return string(b)
}

// An update as RAUC 1.8 drives the backend, a trial boot that picam-server's health check marks
// good, and the stage-1 choice on the boots around it; the state read back by picam-server.
func TestABGoodUpdate(t *testing.T) {
	r := newABRig(t, "A")
	before := r.sum(t)
	if got := r.stage1(t); got != "A" {
		t.Fatalf("a new card boots %s, want A", got)
	}
	if r.sum(t) != before {
		t.Fatal("a normal boot wrote the state")
	}
	// rauc install: the target bad, then written, then primary.
	r.backend(t, "set-state", "B", "bad")
	r.backend(t, "set-primary", "B")
	if p, s := r.backend(t, "get-primary"), r.backend(t, "get-state", "B"); p != "B" || s != "bad" {
		t.Fatalf("after install: primary %s, B %s", p, s)
	}
	if got := r.stage1(t); got != "B" {
		t.Fatalf("the trial boot started %s, want B", got)
	}
	r.boot(t, "B")
	if s := r.slots(t); s.Booted != "B" || s.Trial != "B" {
		t.Fatalf("during the trial: %+v", s)
	}
	r.backend(t, "set-state", "B", "good") // rauc status mark-good
	s := r.slots(t)
	if s.Primary != "B" || s.Trial != "" || s.States["B"] != "good" || s.Rollback != "" {
		t.Fatalf("after mark-good: %+v", s)
	}
	committed := r.sum(t)
	for i := 0; i < 3; i++ {
		if got := r.stage1(t); got != "B" {
			t.Fatalf("boot %d after mark-good started %s, want B", i+1, got)
		}
	}
	if r.sum(t) != committed {
		t.Fatal("normal boots after the update wrote the state")
	}
}

// A trial boot that never reaches mark-good: the next boot is the old slot, with a reason.
func TestABRollbackAfterAFailedTrial(t *testing.T) {
	r := newABRig(t, "A")
	r.backend(t, "set-state", "B", "bad")
	r.backend(t, "set-primary", "B")
	if got := r.stage1(t); got != "B" {
		t.Fatalf("trial boot: %s", got)
	}
	r.boot(t, "B") // crashes, hangs or loses power before mark-good
	if got := r.stage1(t); got != "A" {
		t.Fatalf("the boot after a failed trial started %s, want A", got)
	}
	r.boot(t, "A")
	s := r.slots(t)
	if s.Booted != "A" || s.Primary != "A" || s.States["B"] != "bad" || !strings.Contains(s.Rollback, "slot B's trial boot ended") {
		t.Fatalf("after the rollback: %+v", s)
	}
	if got := r.stage1(t); got != "A" {
		t.Fatalf("the boot after the rollback started %s, want A", got)
	}
}

// A power cut in the middle of a save leaves the copy being written damaged: the other copy,
// the state before the save, is the one read, by the card's shell and by picam-server.
func TestABStateSurvivesACutSave(t *testing.T) {
	r := newABRig(t, "A")
	r.backend(t, "set-state", "B", "bad")
	r.backend(t, "set-primary", "B")
	next := filepath.Join(r.dir, "state"+r.sh(t, "ab_load; echo $((ab_seq % 2))")) // the copy just written
	// Damage the copy just written, as a cut write would: half of it old, half new.
	d, _ := os.ReadFile(next)
	copy(d[20:], []byte("primary=Q\nstate_B=zz"))
	os.WriteFile(next, d, 0o644)
	if got := r.backend(t, "get-primary"); got != "A" {
		t.Fatalf("with the newest copy damaged, primary is %s, want the previous A", got)
	}
	if s := r.slots(t); s.Primary != "A" {
		t.Fatalf("picam-server reads %+v, want the previous state", s)
	}
	if got := r.stage1(t); got != "A" {
		t.Fatalf("stage 1 booted %s, want A", got)
	}
}

// A side-load (S56picam-sideload) names its bundle in /run/picam/sideload-id while RAUC
// installs: set-primary saves that id in the same write that switches the slot, and it stays
// through the trial, mark-good, a rollback and later saves, so the same file is never installed
// twice. An install without the file (a network update) keeps the id saved before.
func TestABSideloadIDSavedWithTheSwitch(t *testing.T) {
	r := newABRig(t, "A")
	id := filepath.Join(t.TempDir(), "sideload-id")
	t.Setenv("AB_SIDELOAD_ID", id)
	sideload := func() string { return r.sh(t, "ab_load; echo \"$ab_sideload\"") }
	r.backend(t, "set-state", "B", "bad")
	if got := sideload(); got != "" {
		t.Fatalf("before any side-load: sideload=%q", got)
	}
	os.WriteFile(id, []byte("0123456789abcdef0123456789abcdef\n"), 0o644)
	r.backend(t, "set-state", "B", "bad")
	if got := sideload(); got != "" {
		t.Fatalf("set-state saved the side-load id %q before the switch", got)
	}
	r.backend(t, "set-primary", "B")
	if got := sideload(); got != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("after set-primary: sideload=%q, want the id", got)
	}
	os.Remove(id)
	r.stage1(t) // the trial boot
	r.boot(t, "B")
	r.backend(t, "set-state", "B", "good")
	if got, s := sideload(), r.slots(t); got != "0123456789abcdef0123456789abcdef" || s.Primary != "B" || s.Trial != "" {
		t.Fatalf("after mark-good: sideload=%q, slots %+v", got, s)
	}
	// A network update into A, rolled back: the id stays.
	r.backend(t, "set-state", "A", "bad")
	r.backend(t, "set-primary", "A")
	r.stage1(t)
	if got := r.stage1(t); got != "B" {
		t.Fatalf("the rollback booted %s", got)
	}
	if got := sideload(); got != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("after a network update and its rollback: sideload=%q, want the id kept", got)
	}
}

// The Buildroot card's boot selection by the Pi firmware's tryboot flag (tryboot.sh): an update
// as RAUC drives the backend points cmdline-tryboot.txt at the new slot and leaves cmdline.txt
// alone; mark-good commits it into cmdline.txt; a trial the firmware fell back from is recorded
// as a rollback on the next boot; both files keep their size. (The firmware itself, and the
// tryboot flag set through vcmailbox, are not testable here.)
func TestABTryboot(t *testing.T) {
	r := newABRig(t, "A")
	const line = "console=serial0,115200 console=tty1 root=/dev/mmcblk0p2 rootfstype=squashfs rootwait ro quiet\n"
	for _, f := range []string{"cmdline.txt", "cmdline-tryboot.txt"} {
		os.WriteFile(filepath.Join(r.bootDir, f), []byte(line), 0o644)
	}
	os.WriteFile(filepath.Join(r.bootDir, "tryboot.txt"), []byte("kernel=Image\ncmdline=cmdline-tryboot.txt\n"), 0o644)
	root := func(f string) string {
		b, err := os.ReadFile(filepath.Join(r.bootDir, f))
		if err != nil || len(b) != len(line) {
			t.Fatalf("%s: %q, %v; want %d bytes", f, b, err, len(line))
		}
		for _, w := range strings.Fields(string(b)) {
			if v, ok := strings.CutPrefix(w, "root="); ok {
				return v
			}
		}
		return ""
	}
	r.backend(t, "set-state", "B", "bad")
	r.backend(t, "set-primary", "B")
	if a, b := root("cmdline.txt"), root("cmdline-tryboot.txt"); a != "/dev/mmcblk0p2" || b != "/dev/mmcblk0p3" {
		t.Fatalf("after install: cmdline.txt root=%s, cmdline-tryboot.txt root=%s; want p2 (committed), p3 (trial)", a, b)
	}
	// The firmware boots B through tryboot.txt; no stage 1 runs. S55's check runs there.
	r.boot(t, "B")
	if got := r.sh(t, `ab_load; if tb_fallback B; then echo fallback; fi; if [ "$ab_trial" = B ] && tb_on; then echo check; fi`); got != "check" {
		t.Fatalf("in B's trial boot: %q; want S55's health check, no fall-back", got)
	}
	r.backend(t, "set-state", "B", "good") // mark-good
	if a := root("cmdline.txt"); a != "/dev/mmcblk0p3" {
		t.Fatalf("after mark-good: cmdline.txt root=%s; want p3", a)
	}
	if s := r.slots(t); s.Primary != "B" || s.Trial != "" || s.States["B"] != "good" {
		t.Fatalf("after mark-good: %+v", s)
	}
	// The next update, into A, whose trial never reaches mark-good: the firmware's one-time
	// flag is gone, cmdline.txt still boots B, where S55 records the rollback.
	r.backend(t, "set-state", "A", "bad")
	r.backend(t, "set-primary", "A")
	if a, b := root("cmdline.txt"), root("cmdline-tryboot.txt"); a != "/dev/mmcblk0p3" || b != "/dev/mmcblk0p2" {
		t.Fatalf("second install: cmdline.txt root=%s, cmdline-tryboot.txt root=%s", a, b)
	}
	r.boot(t, "B")
	r.sh(t, `ab_load; tb_fallback B && ab_save`)
	s := r.slots(t)
	if s.Primary != "B" || s.Trial != "" || s.States["A"] != "bad" || !strings.Contains(s.Rollback, "tryboot fell back") {
		t.Fatalf("after the fall-back: %+v", s)
	}
	if got := r.sh(t, `ab_load; if tb_fallback B; then echo again; fi`); got != "" {
		t.Fatalf("the fall-back is recorded twice: %q", got)
	}
	if got := r.backend(t, "get-primary"); got != "B" {
		t.Fatalf("get-primary after the fall-back: %s", got)
	}
}

// Without tryboot.txt (the offline card) the backend leaves cmdline files alone.
func TestABNoTrybootLeavesCmdline(t *testing.T) {
	r := newABRig(t, "A")
	os.WriteFile(filepath.Join(r.bootDir, "cmdline.txt"), []byte("root=/dev/mmcblk0p2 ro\n"), 0o644)
	r.backend(t, "set-state", "B", "bad")
	r.backend(t, "set-primary", "B")
	r.boot(t, "B")
	r.backend(t, "set-state", "B", "good")
	if b, _ := os.ReadFile(filepath.Join(r.bootDir, "cmdline.txt")); string(b) != "root=/dev/mmcblk0p2 ro\n" {
		t.Fatalf("cmdline.txt became %q on a card without tryboot.txt", b)
	}
}
