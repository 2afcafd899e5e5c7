package update

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pki is a CA and a code-signing certificate under it, as PEM files.
type pki struct{ ca, cert, key string }

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// newPKI makes a CA and a signer the way make bundle's openssl commands do (P-256, the signer
// with the codeSigning extended key usage RAUC's check-purpose=codesign asks for).
func newPKI(t *testing.T, dir, name string) pki {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name + " signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	p := pki{ca: filepath.Join(dir, name+".ca.pem"), cert: filepath.Join(dir, name+".cert.pem"), key: filepath.Join(dir, name+".key.pem")}
	writePEM(t, p.ca, "CERTIFICATE", caDER)
	writePEM(t, p.cert, "CERTIFICATE", der)
	writePEM(t, p.key, "PRIVATE KEY", keyDER)
	return p
}

// makeBundle builds a verity bundle for compatible holding a 200 KiB rootfs image.
func makeBundle(t *testing.T, dir, name, compatible string, signer pki) string {
	t.Helper()
	c := filepath.Join(dir, name+".content")
	os.MkdirAll(c, 0o755)
	img := make([]byte, 200<<10)
	rand.Read(img) // incompressible: rauc wants a bundle squashfs larger than 4 KiB
	if err := os.WriteFile(filepath.Join(c, "rootfs.squashfs"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	m := "[update]\ncompatible=" + compatible + "\nversion=2.0-test\n\n[bundle]\nformat=verity\n\n[image.rootfs]\nfilename=rootfs.squashfs\n"
	if err := os.WriteFile(filepath.Join(c, "manifest.raucm"), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".raucb")
	if b, err := exec.Command("rauc", "bundle", "--cert", signer.cert, "--key", signer.key, c, out).CombinedOutput(); err != nil {
		t.Fatalf("rauc bundle: %v\n%s", err, b)
	}
	return out
}

// raucEngine is the RAUC engine with a system.conf trusting trusted's CA.
func raucEngine(t *testing.T, dir string, trusted pki) *RAUC {
	t.Helper()
	for _, tool := range []string{"rauc", "mksquashfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (the update engine's host tools): make deps, or apt-get install --no-install-recommends rauc squashfs-tools", tool)
		}
	}
	conf := filepath.Join(dir, "system.conf")
	sc := "[system]\ncompatible=picam-rpi\nbootloader=custom\ndata-directory=" + filepath.Join(dir, "data") +
		"\nbundle-formats=-plain\n\n[keyring]\npath=" + trusted.ca + "\ncheck-purpose=codesign\n\n" +
		"[handlers]\nbootloader-custom-backend=/bin/false\n\n[slot.rootfs.0]\ndevice=/dev/null\ntype=raw\nbootname=A\n\n" +
		"[slot.rootfs.1]\ndevice=/dev/null\ntype=raw\nbootname=B\n"
	if err := os.WriteFile(conf, []byte(sc), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := NewRAUC(conf)
	if err != nil {
		t.Fatal(err)
	}
	if e.Compatible != "picam-rpi" {
		t.Fatalf("compatible read from system.conf: %q", e.Compatible)
	}
	return e
}

// The real rauc (Debian's 1.8) judges real bundles: a good one passes, and each hostile one is
// refused with the reason the uploader is told.
func TestRAUCCheck(t *testing.T) {
	dir := t.TempDir()
	ours, theirs := newPKI(t, dir, "ours"), newPKI(t, dir, "theirs")
	e := raucEngine(t, dir, ours)
	good := makeBundle(t, dir, "good", "picam-rpi", ours)
	ctx := context.Background()

	b, err := e.Check(ctx, good)
	if err != nil || b.Compatible != "picam-rpi" || b.Version != "2.0-test" {
		t.Fatalf("a good bundle: %+v, %v; want it accepted with its manifest", b, err)
	}

	goodBytes, _ := os.ReadFile(good)
	unsigned := filepath.Join(dir, "unsigned.raucb")
	os.WriteFile(unsigned, bundleBytes(300<<10), 0o644)
	cases := map[string]struct{ path, code string }{
		"signed with another key": {makeBundle(t, dir, "theirs", "picam-rpi", theirs), CodeBadSignature},
		"for another board":       {makeBundle(t, dir, "board", "other-board", ours), CodeWrongCompatible},
		"not a bundle":            {unsigned, CodeTruncated},
	}
	// A squashfs with no signature appended: rauc reads a signature size of 0.
	bare := filepath.Join(dir, "bare.raucb")
	os.WriteFile(bare, append(goodBytes[:len(goodBytes)-8:len(goodBytes)-8], make([]byte, 8)...), 0o644)
	cases["unsigned"] = struct{ path, code string }{bare, CodeBadSignature}
	for i, cut := range []int{100, 4096, len(goodBytes) / 2, len(goodBytes) - 3000, len(goodBytes) - 1} {
		p := filepath.Join(dir, "cut"+string(rune('a'+i))+".raucb")
		os.WriteFile(p, goodBytes[:cut], 0o644)
		cases["truncated to "+itoa(cut)+" bytes"] = struct{ path, code string }{p, CodeTruncated}
	}
	for name, c := range cases {
		_, err := e.Check(ctx, c.path)
		var r *Refusal
		ok := errors.As(err, &r) && r.Reason != ""
		// A cut that ends where the payload had zeros reads as "no signature", which is what
		// an unsigned bundle looks like too; the reason names both.
		if ok && c.code == CodeTruncated && r.Code == CodeBadSignature {
			ok = strings.Contains(r.Reason, "cut short")
		} else if ok {
			ok = r.Code == c.code
		}
		if !ok {
			t.Errorf("%s: %v; want refused with %s", name, err, c.code)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestNewRAUCNamesWhatIsMissing(t *testing.T) {
	if _, err := exec.LookPath("rauc"); err != nil {
		t.Fatal("rauc is missing: make deps, or apt-get install --no-install-recommends rauc")
	}
	_, err := NewRAUC(filepath.Join(t.TempDir(), "system.conf"))
	if err == nil || !strings.Contains(err.Error(), "system.conf") {
		t.Errorf("no system.conf: %v, want an error naming it", err)
	}
	p := filepath.Join(t.TempDir(), "system.conf")
	os.WriteFile(p, []byte("[system]\nbootloader=custom\n"), 0o644)
	if _, err := NewRAUC(p); err == nil || !strings.Contains(err.Error(), "compatible") {
		t.Errorf("no compatible: %v, want an error naming it", err)
	}
}
