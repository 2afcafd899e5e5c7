package sdcard

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picam-project/picam/update"
)

// bundleTools fails unless make bundle's host tools are here.
func bundleTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"rauc", "mksquashfs", "unsquashfs", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (make bundle's tools): make deps, or apt-get install --no-install-recommends rauc squashfs-tools openssl", tool)
		}
	}
}

// script runs one of buildroot/offline's scripts.
func script(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("bash", append([]string{filepath.Join(br, "offline", name)}, args...)...).CombinedOutput()
	return string(out), err
}

// fakeRoot is a root filesystem as make sdcard leaves it in OUT: rootfs.squashfs with the
// keyring (keys/ca.cert.pem) as /etc/rauc/ca.cert.pem.
func fakeRoot(t *testing.T, out, keys string) {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/rauc"), 0o755)
	ca, err := os.ReadFile(filepath.Join(keys, "ca.cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "etc/rauc/ca.cert.pem"), ca, 0o644)
	blob := make([]byte, 64<<10)
	rand.Read(blob) // incompressible: rauc wants a bundle squashfs larger than 4 KiB
	os.WriteFile(filepath.Join(root, "picam-server"), blob, 0o755)
	if b, err := exec.Command("mksquashfs", root, filepath.Join(out, "rootfs.squashfs"), "-comp", "zstd", "-all-root", "-noappend", "-quiet").CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v\n%s", err, b)
	}
}

// make bundle's scripts: update-keys.sh makes a CA and a code-signing signer once (and keeps
// them), mk-bundle.sh signs the root into a verity bundle the card's keyring accepts (RAUC's
// own check), and refuses to make one the card would reject.
func TestMakeBundleScripts(t *testing.T) {
	bundleTools(t)
	keys := filepath.Join(t.TempDir(), "keys")
	if out, err := script(t, "update-keys.sh", keys); err != nil {
		t.Fatalf("update-keys.sh: %v\n%s", err, out)
	}
	ca1, _ := os.ReadFile(filepath.Join(keys, "ca.cert.pem"))
	if out, err := script(t, "update-keys.sh", keys); err != nil || out != "" {
		t.Fatalf("update-keys.sh again: %v %q; want it to keep the keys silently", err, out)
	}
	if ca2, _ := os.ReadFile(filepath.Join(keys, "ca.cert.pem")); string(ca1) != string(ca2) {
		t.Fatal("update-keys.sh replaced existing keys")
	}
	if fi, err := os.Stat(filepath.Join(keys, "signer.key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("signer.key.pem: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}

	out := t.TempDir()
	fakeRoot(t, out, keys)
	if o, err := script(t, "mk-bundle.sh", keys, out, "1.2.3-test"); err != nil || !strings.Contains(o, "compatible picam-offline-arm64") {
		t.Fatalf("mk-bundle.sh: %v\n%s", err, o)
	}
	bundle := filepath.Join(out, "update.raucb")

	// The card's engine, with the keyring from the root and the offline image's compatible.
	dir := t.TempDir()
	conf := filepath.Join(dir, "system.conf")
	os.WriteFile(conf, []byte("[system]\ncompatible=picam-offline-arm64\nbootloader=custom\ndata-directory="+dir+
		"\nbundle-formats=-plain\n[keyring]\npath="+filepath.Join(keys, "ca.cert.pem")+"\ncheck-purpose=codesign\n"+
		"[handlers]\nbootloader-custom-backend=/bin/false\n[slot.rootfs.0]\ndevice=/dev/null\ntype=raw\nbootname=A\n"), 0o644)
	e, err := update.NewRAUC(conf)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Check(context.Background(), bundle)
	if err != nil || b.Version != "1.2.3-test" {
		t.Fatalf("the card's check of make bundle's bundle: %+v, %v; want accepted, version 1.2.3-test", b, err)
	}

	// Signed with other keys than the root trusts: mk-bundle.sh says so and leaves no bundle.
	other := filepath.Join(t.TempDir(), "other")
	if o, err := script(t, "update-keys.sh", other); err != nil {
		t.Fatalf("update-keys.sh: %v\n%s", err, o)
	}
	os.Remove(bundle)
	if o, err := script(t, "mk-bundle.sh", other, out); err == nil || !strings.Contains(o, "keyring does not accept") {
		t.Errorf("mk-bundle.sh with keys the image does not trust: %v\n%s; want it refused naming the keyring", err, o)
	}
	if _, err := os.Stat(bundle); err == nil {
		t.Error("mk-bundle.sh left a bundle the card would refuse")
	}
}
