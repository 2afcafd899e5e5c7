package curve

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pyzmqSecret is a certificate exactly as pyzmq 24's create_certificates writes it.
const pyzmqSecret = `#   ****  Generated on 2026-11-25 12:37:43.556229 by pyzmq  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

metadata
curve
    public-key = "b1:I3njd4=Ui<wDG!8ENCpM@6S2&Sy=N-gS7thD6"
    secret-key = "PEVb4jlq48hYX$y-1nV9-R]G6Ero}Mv!*dzCC1rc"
`

func TestParsePyzmqCert(t *testing.T) {
	c, err := ParseCert([]byte(pyzmqSecret))
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasSecret || c.Public.String() != "b1:I3njd4=Ui<wDG!8ENCpM@6S2&Sy=N-gS7thD6" || c.Secret.Z85() != "PEVb4jlq48hYX$y-1nV9-R]G6Ero}Mv!*dzCC1rc" {
		t.Fatalf("parsed %v secret=%v", c.Public, c.HasSecret)
	}
	pubOnly := strings.Replace(pyzmqSecret, "    secret-key = \"PEVb4jlq48hYX$y-1nV9-R]G6Ero}Mv!*dzCC1rc\"\n", "", 1)
	c, err = ParseCert([]byte(pubOnly))
	if err != nil || c.HasSecret {
		t.Fatalf("public-only cert: %v %v", c.HasSecret, err)
	}
	if _, err := c.KeyPair(); err == nil || !strings.Contains(err.Error(), SecretSuffix) {
		t.Fatalf("KeyPair of a public cert: %v", err)
	}
}

func TestParseCertRejects(t *testing.T) {
	other, err := GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"no public key":   "metadata\ncurve\n    secret-key = \"PEVb4jlq48hYX$y-1nV9-R]G6Ero}Mv!*dzCC1rc\"\n",
		"mismatched pair": strings.Replace(pyzmqSecret, "b1:I3njd4=Ui<wDG!8ENCpM@6S2&Sy=N-gS7thD6", other.Public.String(), 1),
		"bad indentation": "curve\n  public-key = \"b1:I3njd4=Ui<wDG!8ENCpM@6S2&Sy=N-gS7thD6\"\n",
		"short key":       "curve\n    public-key = \"b1:I3njd4\"\n",
		"unterminated":    "curve\n    public-key = \"b1:I3njd4=Ui<wDG!8ENCpM@6S2&Sy=N-gS7thD6\n",
		"key at top":      "public-key = \"b1:I3njd4=Ui<wDG!8ENCpM@6S2&Sy=N-gS7thD6\"\n",
	}
	for name, text := range cases {
		if _, err := ParseCert([]byte(text)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "PEVb4jlq") {
			t.Errorf("%s: error reveals the secret key: %v", name, err)
		}
	}
}

func TestWriteCertRoundTripAndModes(t *testing.T) {
	dir := t.TempDir()
	kp, err := GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	pub, sec, err := WriteCert(dir, "cam", kp, map[string]string{"name": "pi-1"})
	if err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{pub: 0o644, sec: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %04o, want %04o", path, fi.Mode().Perm(), mode)
		}
	}
	c, err := LoadCert(sec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.KeyPair()
	if err != nil || got != kp || c.Metadata["name"] != "pi-1" {
		t.Fatalf("round trip: %v %v %v", got.Public, c.Metadata, err)
	}
	c, err = LoadCert(pub)
	if err != nil || c.HasSecret || c.Public != kp.Public {
		t.Fatalf("public file: %v %v", c.HasSecret, err)
	}
	if b, _ := os.ReadFile(pub); strings.Contains(string(b), kp.Secret.Z85()) {
		t.Fatal("public file contains the secret key")
	}
	if _, _, err := WriteCert(dir, "bad", kp, map[string]string{"a": "x\"y"}); err == nil {
		t.Fatal("metadata with a quote written")
	}
	if err := CheckSecretFile(sec); err != nil {
		t.Fatalf("fresh secret file: %v", err)
	}
	keys, err := LoadPublicKeys(dir)
	if err != nil || len(keys) != 1 || keys[0] != kp.Public {
		t.Fatalf("LoadPublicKeys: %v %v", keys, err)
	}
	if _, err := LoadPublicKeys(t.TempDir()); err == nil {
		t.Fatal("an empty public key directory was accepted")
	}
}

func TestSecretKeyNeverPrinted(t *testing.T) {
	kp, err := GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	secret := kp.Secret.Z85()
	for _, s := range []string{fmt.Sprint(kp), fmt.Sprintf("%v %+v %#v %s", kp, kp, kp, kp.Secret)} {
		if strings.Contains(s, secret) {
			t.Fatalf("secret key printed: %s", s)
		}
	}
}

func TestCheckSecretFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.key_secret")
	if err := os.WriteFile(path, []byte(pyzmqSecret), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // independent of the umask
		t.Fatal(err)
	}
	err := CheckSecretFile(path)
	if !errors.Is(err, ErrSecretExposed) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("0644 secret: %v", err)
	}
	var logged strings.Builder
	if !WarnIfExposed(slog.New(slog.NewTextHandler(&logged, nil)), path) || !strings.Contains(logged.String(), "chmod 600") {
		t.Fatalf("no warning logged: %q", logged.String())
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckSecretFile(path); err != nil {
		t.Fatalf("0600 secret: %v", err)
	}
	if WarnIfExposed(slog.New(slog.NewTextHandler(&logged, nil)), path) {
		t.Fatal("warned about a private file")
	}
}
