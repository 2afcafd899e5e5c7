//go:build sdcard

package sdcard

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/update"
)

var updateKeys = flag.String("update-keys", filepath.Join(os.Getenv("HOME"), ".config/picam/update-keys"),
	"the keys make sdcard put the keyring of into the image (make bundle's UPDATE_KEYS)")

// healthBound is system.update-health-timeout on the test's card: a trial boot whose
// picam-server is not healthy this long after S55picam-update starts is rolled back.
const healthBound = 40

// bundles are the update bundles the test sends, built from the image's own root.
type bundles struct {
	good, bad, unsigned, otherKey, otherBoard string
	goodRoot                                  string // the root filesystem in good
	truncated                                 []string
	goodVersion                               string
	size                                      int64
}

// run runs a host command, failing the test with its output.
func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// makeBundle signs root into a verity bundle for compatible with the keys in keys.
func makeBundle(t *testing.T, keys, compatible, version, root, out string) {
	t.Helper()
	content := t.TempDir()
	run(t, "", "cp", root, filepath.Join(content, "rootfs.squashfs"))
	manifest := fmt.Sprintf("[update]\ncompatible=%s\nversion=%s\n\n[bundle]\nformat=verity\n\n[image.rootfs]\nfilename=rootfs.squashfs\n", compatible, version)
	if err := os.WriteFile(filepath.Join(content, "manifest.raucm"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "", "rauc", "bundle", "--cert", filepath.Join(keys, "signer.cert.pem"), "--key", filepath.Join(keys, "signer.key.pem"), content, out)
}

// makeBundles builds the test's bundles: a good one whose picam-server reports a new version, a
// bad one whose picam-server exits at start, and hostile ones. QEMU's emulated USB network
// takes uploads at about 100 KB/s, so the test's roots are slimmed: the good one without
// picam-client, the bad one also without RAUC and its libraries (its trial boot never gets to
// mark-good; the rollback is shell and busybox), the hostile ones a 64 KiB root (they are
// refused before their root matters).
func makeBundles(t *testing.T) *bundles {
	t.Helper()
	for _, tool := range []string{"rauc", "mksquashfs", "unsquashfs", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: make deps (make bundle's tools)", tool)
		}
	}
	rootfs := filepath.Join(filepath.Dir(*imagePath), "rootfs.squashfs")
	dir := t.TempDir()
	b := &bundles{goodVersion: "update-test-" + time.Now().UTC().Format("150405")}
	tree := filepath.Join(dir, "root")
	run(t, "", "unsquashfs", "-q", "-d", tree, rootfs)
	squash := func(name string) string {
		out := filepath.Join(dir, name+".squashfs")
		run(t, "", "mksquashfs", tree, out, "-comp", "zstd", "-all-root", "-noappend", "-no-exports", "-no-xattrs", "-quiet")
		return out
	}
	// Good: the same root, its picam-server built to report goodVersion.
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X github.com/picam-project/picam/internal/version.version="+b.goodVersion,
		"-o", filepath.Join(tree, "usr/bin/picam-server"), "./cmd/picam-server")
	build.Dir = "../.."
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the update's picam-server: %v\n%s", err, out)
	}
	if err := os.Remove(filepath.Join(tree, "usr/bin/picam-client")); err != nil {
		t.Fatal(err)
	}
	good := squash("good")
	b.goodRoot = good
	// Bad: picam-server exits at once, every time the supervisor starts it.
	if err := os.WriteFile(filepath.Join(tree, "usr/bin/picam-server"),
		[]byte("#!/bin/sh\necho 'picam-server: broken build (test/sdcard rollback test)' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"usr/bin/rauc", "usr/bin/dbus-daemon", "lib/aarch64-linux-gnu"} {
		if err := os.RemoveAll(filepath.Join(tree, p)); err != nil {
			t.Fatal(err)
		}
	}
	bad := squash("bad")
	tiny := filepath.Join(dir, "tiny")
	fakeRoot(t, dir, *updateKeys)
	if err := os.Rename(filepath.Join(dir, "rootfs.squashfs"), tiny); err != nil {
		t.Fatal(err)
	}

	b.good = filepath.Join(dir, "good.raucb")
	makeBundle(t, *updateKeys, "picam-offline-arm64", b.goodVersion, good, b.good)
	b.bad = filepath.Join(dir, "bad.raucb")
	makeBundle(t, *updateKeys, "picam-offline-arm64", "update-test-broken", bad, b.bad)
	b.otherBoard = filepath.Join(dir, "other-board.raucb")
	makeBundle(t, *updateKeys, "picam-rpi4_64", b.goodVersion, tiny, b.otherBoard)
	other := filepath.Join(dir, "other-keys")
	if out, err := script(t, "update-keys.sh", other); err != nil {
		t.Fatalf("update-keys.sh: %v\n%s", err, out)
	}
	b.otherKey = filepath.Join(dir, "other-key.raucb")
	makeBundle(t, other, "picam-offline-arm64", b.goodVersion, tiny, b.otherKey)
	hostile := filepath.Join(dir, "hostile.raucb")
	makeBundle(t, *updateKeys, "picam-offline-arm64", b.goodVersion, tiny, hostile)

	data, err := os.ReadFile(hostile)
	if err != nil {
		t.Fatal(err)
	}
	b.size = int64(len(data))
	// Unsigned: the bundle's payload with a zero signature size where the signature would end it.
	b.unsigned = filepath.Join(dir, "unsigned.raucb")
	sqSize := squashfsBytes(t, data)
	os.WriteFile(b.unsigned, append(append([]byte{}, data[:sqSize]...), make([]byte, 8)...), 0o644)
	// Truncated at 5 points: in the payload, at its end, in the signature, in the size field.
	for i, n := range []int64{b.size / 10, b.size / 2, sqSize, b.size - 100, b.size - 1} {
		p := filepath.Join(dir, fmt.Sprintf("truncated-%d.raucb", i+1))
		os.WriteFile(p, data[:n], 0o644)
		b.truncated = append(b.truncated, p)
	}
	t.Logf("bundles: good %d bytes (version %s), bad %d bytes, hostile ones %d bytes", fileSize(b.good), b.goodVersion, fileSize(b.bad), b.size)
	return b
}

// squashfsBytes is the size of the squashfs at the start of a bundle (its superblock's
// bytes_used, rounded up to 4 KiB as mksquashfs pads it).
func squashfsBytes(t *testing.T, data []byte) int64 {
	t.Helper()
	if len(data) < 48 || string(data[:4]) != "hsqs" {
		t.Fatal("the bundle does not start with a squashfs")
	}
	var used int64
	for i := 7; i >= 0; i-- {
		used = used<<8 | int64(data[40+i])
	}
	return (used + 4095) &^ 4095
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// apiStatus is the part of GET /api/status the test reads.
type apiStatus struct {
	State   string        `json:"state"`
	Version string        `json:"version"`
	Slots   *update.Slots `json:"slots"`
}

func getStatus(base, token string) (apiStatus, error) {
	var st apiStatus
	req, _ := http.NewRequest("GET", base+"/api/status", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return st, fmt.Errorf("%s: %s", resp.Status, b)
	}
	return st, json.Unmarshal(b, &st)
}

// waitStatus polls /api/status until ok accepts it or the guest ends or limit passes.
func waitStatus(t *testing.T, g *guest, base, token string, limit time.Duration, what string, ok func(apiStatus) bool) apiStatus {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last apiStatus
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-g.done:
			t.Fatalf("%s: QEMU ended; console:\n%s", what, tail(g.serial(), 40))
		default:
		}
		last, lastErr = getStatus(base, token)
		if lastErr == nil && ok(last) {
			return last
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s: not seen in %v; last /api/status %+v (slots %+v), err %v; console:\n%s", what, limit, last, last.Slots, lastErr, tail(g.serial(), 40))
	return last
}

// waitExit waits for the guest to end by itself (a reboot: QEMU runs with -no-reboot).
func waitExit(t *testing.T, g *guest, limit time.Duration, what string) {
	t.Helper()
	select {
	case <-g.done:
	case <-time.After(limit):
		t.Fatalf("%s: the guest did not reboot within %v; console:\n%s", what, limit, tail(g.serial(), 40))
	}
}

// sumPart is the SHA-256 of bytes [off, off+n) of the card.
func (c *card) sumPart(t *testing.T, off, n int64) [sha256.Size]byte {
	t.Helper()
	f, err := os.Open(c.img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, off, n)); err != nil {
		t.Fatal(err)
	}
	var s [sha256.Size]byte
	copy(s[:], h.Sum(nil))
	return s
}

// partitions are the card's MBR partitions: start and size in bytes.
func (c *card) partitions(t *testing.T) [][2]int64 {
	t.Helper()
	f, err := os.Open(c.img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mbr := make([]byte, 512)
	if _, err := io.ReadFull(f, mbr); err != nil {
		t.Fatal(err)
	}
	var ps [][2]int64
	for i := 0; i < 4; i++ {
		e := mbr[446+16*i:]
		le := func(b []byte) int64 { return int64(b[0]) | int64(b[1])<<8 | int64(b[2])<<16 | int64(b[3])<<24 }
		if e[4] != 0 {
			ps = append(ps, [2]int64{le(e[8:]) * 512, le(e[12:]) * 512})
		}
	}
	return ps
}

// TestUpdate updates the card in QEMU: hostile bundles are refused over the network without a
// byte of the card changing; a good update, side-loaded (update.raucb on the boot partition),
// survives power cuts at 6 points of its install, boots on trial, is marked good, stays after
// a power cycle and is not installed twice; power cuts at 4 points of a trial boot; and a bad
// update sent with picam-client update (its picam-server exits at start) rolls back by itself,
// the status LED then showing rolled-back.
func TestUpdate(t *testing.T) {
	t.Parallel()
	b := makeBundles(t)
	c := newCard(t)
	httpPort := freePort(t)
	c.fwd = fmt.Sprintf("hostfwd=tcp:127.0.0.1:%d-:8080", httpPort)
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	const token = "update-test-token"
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(token+"\n"), 0o600)
	c.writeBoot(t, "http.token", token+"\n")
	port := freePort(t)
	// JPEG at 5 fps: raw frames (576 KB/s at 10 fps) fill QEMU's emulated USB network, and an
	// upload beside them stalled until the connection was reset.
	streamConf := strings.Replace(strings.Replace(conf(port, "160x120"), "codec = raw", "codec = jpeg", 1), "framerate = 10", "framerate = 5", 1)
	c.writeConf(t, streamConf+"http = 0.0.0.0:8080\nhttp_token_file = /boot/http.token\n"+
		fmt.Sprintf("system.update-health-timeout = %d\n", healthBound))
	parts := c.partitions(t)
	if len(parts) != 3 {
		t.Fatalf("the card has %d partitions, want 3 (boot, root A, root B)", len(parts))
	}
	var times bootTimes
	boot := func(what string) (*client, *guest) {
		return streamBoot(t, c, port, 0, 5, &times, what)
	}
	send := func(bundle string, reboot bool) (update.Status, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		return update.Send(ctx, base, token, bundle, reboot, func(update.Progress) {})
	}

	// Boot 1, slot A: hostile bundles refused while streaming, the card unchanged.
	before := c.sum(t)
	slotA, fat := c.sumPart(t, parts[1][0], parts[1][1]), c.sumPart(t, parts[0][0], parts[0][1])
	cl, g := boot("slot A")
	st := waitStatus(t, g, base, token, 30*time.Second, "slot A streaming", func(s apiStatus) bool { return s.Slots != nil })
	if st.Slots.Booted != "A" || st.Slots.Primary != "A" {
		t.Fatalf("first boot: slots %+v, want A booted and primary", st.Slots)
	}
	hostile := []struct{ path, code, what string }{
		{b.unsigned, update.CodeBadSignature, "unsigned"},
		{b.otherKey, update.CodeBadSignature, "signed with another key"},
		{b.otherBoard, update.CodeWrongCompatible, "for another board"},
	}
	for _, p := range b.truncated {
		hostile = append(hostile, struct{ path, code, what string }{p, "", fmt.Sprintf("truncated at %d of %d bytes", fileSize(p), b.size)})
	}
	for _, h := range hostile {
		res, err := send(h.path, false)
		if err == nil || res.State != update.StateRefused || (h.code != "" && res.Code != h.code) {
			t.Errorf("bundle %s: %+v, %v; want refused (%s)", h.what, res, err, h.code)
			continue
		}
		t.Logf("bundle %s: refused, %s: %s", h.what, res.Code, res.Error)
	}
	if c.sum(t) != before || c.sumPart(t, parts[1][0], parts[1][1]) != slotA || c.sumPart(t, parts[0][0], parts[0][1]) != fat {
		t.Fatal("the card changed while the hostile bundles were refused (slot A, boot partition or elsewhere)")
	}

	g.kill()
	cl.stop()

	// The good update, side-loaded: update.raucb copied onto the boot partition, installed at
	// boot into slot B while A streams, with the power cut at 6 points of the install. Each boot
	// after a cut streams from A and installs again; the last cut comes after the switch.
	goodRoot, err := os.ReadFile(b.goodRoot)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	sideloadCuts(t, c, b.good, goodRoot, "A", "B", parts[1], parts[2], func(what string) (*client, *guest) {
		return streamBoot(t, c, port, 0, 3, &times, what)
	})
	t.Logf("side-load: 6 boots, each cut at its point: %.1f s", time.Since(t0).Seconds())

	// Boot 2: B on trial, marked good once picam-server is healthy; update.raucb is not
	// installed in a trial boot.
	cl, g = boot("slot B, trial")
	st = waitStatus(t, g, base, token, 90*time.Second, "slot B marked good", func(s apiStatus) bool {
		return s.Slots != nil && s.Slots.Booted == "B" && s.Slots.Trial == "" && s.Slots.States["B"] == "good"
	})
	t.Logf("good update: side-loaded, from the first cut boot to streaming from slot B, marked good: %.1f s", time.Since(t0).Seconds())
	if st.Version != b.goodVersion || st.Slots.Primary != "B" {
		t.Errorf("after the good update: version %q, slots %+v; want %s, B primary", st.Version, st.Slots, b.goodVersion)
	}
	if !strings.Contains(g.serial(), "side-load: /boot/update.raucb waits: this is slot B's trial boot") {
		t.Errorf("the trial boot did not leave update.raucb alone:\n%s", tail(g.serial(), 30))
	}
	g.kill() // the power cycle
	cl.stop()
	if have, total := c.slotChunks(parts[2][0], goodRoot, true); have != total {
		t.Errorf("slot B holds %d of %d MiB of the side-loaded root", have, total)
	}

	// Boot 3: B stays; update.raucb, installed already, is deleted, not installed into A again.
	cl, g = boot("slot B, after a power cycle")
	st = waitStatus(t, g, base, token, 30*time.Second, "slot B after a power cycle", func(s apiStatus) bool { return s.Slots != nil })
	if st.Slots.Booted != "B" || st.Version != b.goodVersion {
		t.Fatalf("after a power cycle: version %q, slots %+v; want slot B, %s", st.Version, st.Slots, b.goodVersion)
	}
	if !g.waitConsole("side-load: /boot/update.raucb deleted") || !strings.Contains(g.serial(), "was installed before") || strings.Contains(g.serial(), "side-load: installing") {
		t.Errorf("the normal boot after the side-load did not delete update.raucb as installed before:\n%s", tail(g.serial(), 30))
	}
	if c.sumPart(t, parts[1][0], parts[1][1]) != slotA {
		t.Error("slot A changed: the side-loaded bundle was installed twice")
	}

	// Power cuts in a trial boot. RAUC's install ends with the other slot primary and on trial;
	// the test arms that state from the host, as rauc-backend's set-primary leaves it, for slot A
	// (which still holds the card's first root) and kills QEMU at 4 points of A's trial boot.
	// Every following boot must stream, from A (marked good) or B (rolled back), never a half
	// state (a slot booted that is not the primary, or a trial left open).
	g.kill()
	cl.stop()
	cur := "B"
	for i, cut := range []struct{ marker, step string }{
		{"picam stage1: trial boot of slot A", "stage 1 has saved the trial"},
		{"picam: root filesystem read-only", "the trial's init scripts running"},
		{"update: trial boot of slot A; waiting", "S55picam-update waiting for picam-server"},
		{"update: slot A is healthy", "just after mark-good"},
	} {
		c.armTrial(t, "A")
		g = c.boot(t)
		if !g.waitConsole(cut.marker) {
			t.Fatalf("power cut %d: the console never showed %q:\n%s", i+1, cut.marker, tail(g.serial(), 30))
		}
		g.kill()
		cl, g = boot(fmt.Sprintf("after power cut %d", i+1))
		st = waitStatus(t, g, base, token, 30*time.Second, fmt.Sprintf("the boot after power cut %d", i+1), func(s apiStatus) bool { return s.Slots != nil })
		if st.Slots.Booted != st.Slots.Primary || st.Slots.Trial != "" || st.Slots.States[st.Slots.Booted] != "good" {
			t.Errorf("after power cut %d (%s): slots %+v; want the booted slot primary and good, no trial", i+1, cut.step, st.Slots)
		}
		cur = st.Slots.Booted
		t.Logf("power cut %d, %s: the next boot streams from slot %s (%s)", i+1, cut.step, cur, st.Version)
		g.kill()
		cl.stop()
	}
	old := map[string]string{"A": "B", "B": "A"}[cur]
	cl, g = boot("slot " + cur + ", before the bad update")
	waitStatus(t, g, base, token, 30*time.Second, "before the bad update", func(s apiStatus) bool { return s.Slots != nil })

	// The bad update into the other slot: it boots once, is never healthy, the card is back on
	// the slot it was on.
	// Sent with picam-client update while streaming (the network path: upload, check, install,
	// reboot into the trial).
	t0 = time.Now()
	frames, _ := cl.status()
	up := exec.Command(hostClient(t), "update", "--to", strings.TrimPrefix(base, "http://"), "--token-file", tokenFile, b.bad)
	out, err := up.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "update-test-broken") {
		t.Fatalf("picam-client update (bad bundle): %v\n%s\nconsole:\n%s", err, out, tail(g.serial(), 40))
	}
	t.Logf("bad update sent while streaming (client had %d frames), installed in %.1f s: %s", frames, time.Since(t0).Seconds(), strings.TrimSpace(string(out)))
	waitExit(t, g, 60*time.Second, "after the bad update")
	cl.stop()
	g = c.boot(t)
	if !g.waitConsole("picam stage1: trial boot of slot " + old) {
		t.Fatalf("the bad update did not boot slot A on trial:\n%s", tail(g.serial(), 40))
	}
	waitExit(t, g, time.Duration(healthBound+90)*time.Second, "the bad slot's rollback")
	if !strings.Contains(g.serial(), "ROLLBACK") {
		t.Errorf("the trial boot of the bad slot did not say ROLLBACK on the console:\n%s", tail(g.serial(), 30))
	}
	cl, g = boot("slot " + cur + ", after the rollback")
	back := time.Since(t0)
	st = waitStatus(t, g, base, token, 30*time.Second, "slot B after the rollback", func(s apiStatus) bool { return s.Slots != nil })
	if st.Slots.Booted != cur || st.Slots.States[old] != "bad" || !strings.Contains(st.Slots.Rollback, "did not report healthy") {
		t.Errorf("after the rollback: slots %+v; want %s booted, %s bad, the reason", st.Slots, cur, old)
	}
	// The status LED shows rolled-back instead of streaming (QEMU has no LED: what picam-server
	// shows on it is /api/status's state).
	if st.State != "rolled-back" {
		t.Errorf("after the rollback, streaming: /api/status state %q; want rolled-back (the LED pattern)", st.State)
	}
	t.Logf("bad update: upload to streaming again from slot "+cur+": %.1f s (health bound %d s); reason: %s", back.Seconds(), healthBound, st.Slots.Rollback)
	g.kill()
	cl.stop()
}

// armTrial leaves the slots' state on the card's boot partition as rauc-backend's set-primary
// does at the end of an install into slot: slot primary, on trial, not yet tried.
func (c *card) armTrial(t *testing.T, slot string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rauc")
	os.MkdirAll(dir, 0o755)
	for _, f := range []string{"state0", "state1"} {
		c.mtools(t, "mcopy", "-o", "-i", c.fatImage(), "::rauc/"+f, filepath.Join(dir, f))
	}
	lib, _ := filepath.Abs(filepath.Join(br, "board/picam/rootfs-overlay/usr/lib/picam/ab.sh"))
	cmd := exec.Command("busybox", "sh", "-c", ". "+lib+"; ab_load; ab_primary="+slot+" ab_trial="+slot+" ab_tried=0; ab_save")
	cmd.Env = append(os.Environ(), "AB_DIR="+dir, "AB_TMP="+filepath.Dir(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("arm the trial of slot %s: %v\n%s", slot, err, out)
	}
	for _, f := range []string{"state0", "state1"} {
		c.mtools(t, "mcopy", "-o", "-i", c.fatImage(), filepath.Join(dir, f), "::rauc/"+f)
	}
}
