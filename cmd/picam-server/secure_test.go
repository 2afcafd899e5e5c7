package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/stream/curve"
)

func TestParseSecureMode(t *testing.T) {
	for in, want := range map[string]curve.Mode{"0": curve.ModeOff, "grasslands": curve.ModeOff, "1": curve.ModeStoneHouse,
		"StoneHouse": curve.ModeStoneHouse, "2": curve.ModeIronHouse, "ironhouse": curve.ModeIronHouse} {
		if m, err := curve.ParseMode(in); err != nil || m != want {
			t.Errorf("%q: %v %v", in, m, err)
		}
	}
	if _, err := curve.ParseMode("3"); err == nil {
		t.Error("3 accepted")
	}
}

// keys writes a tree the sender then loads; missing keys are exit 2 naming files and command.
func TestKeysThenSecureStart(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if code := run([]string{"keys", "--out", dir}, &out, io.Discard); code != cli.ExitOK {
		t.Fatalf("keys: exit %d", code)
	}
	for _, f := range []string{"private_keys/client.key_secret", "private_keys/server.key_secret", "public_keys/server.key", "public_keys/client.key"} {
		p := filepath.Join(dir, ".vidgear", "keys", f)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, "_secret") && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", f, fi.Mode().Perm())
		}
		if !strings.Contains(out.String(), p) {
			t.Errorf("placement does not name %s", p)
		}
	}
	s := &secureOptions{cli.Secure{Mode: "2", CertDir: dir}}
	h, _, err := s.handshaker(slog.New(slog.DiscardHandler))
	if err != nil || h == nil {
		t.Fatalf("load: %v", err)
	}

	var stderr bytes.Buffer
	empty := t.TempDir()
	code := run([]string{"--secure-mode", "2", "--cert-dir", empty, "--address", "127.0.0.1", "--ports", "1"}, io.Discard, &stderr)
	if code != cli.ExitUsage {
		t.Fatalf("missing keys: exit %d", code)
	}
	for _, want := range []string{"private_keys/client.key_secret", "public_keys/server.key", "picam-server keys --out " + empty} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q: %s", want, stderr.String())
		}
	}
	// A malformed secret file is exit 2 too, and its content is never echoed.
	os.MkdirAll(filepath.Join(empty, ".vidgear", "keys", "private_keys"), 0o700)
	os.WriteFile(filepath.Join(empty, ".vidgear", "keys", "private_keys", "client.key_secret"), []byte("curve\n    secret-key = \"SECRETSECRET\"\n"), 0o600)
	stderr.Reset()
	if code := run([]string{"--secure-mode", "1", "--cert-dir", empty, "--address", "127.0.0.1", "--ports", "1"}, io.Discard, &stderr); code != cli.ExitUsage || strings.Contains(stderr.String(), "SECRETSECRET") {
		t.Fatalf("malformed keys: exit %d: %s", code, stderr.String())
	}
}

// A settings file that asks for secure mode but has an error elsewhere must not start in
// plaintext.
func TestBadConfigAskingSecureRefuses(t *testing.T) {
	p := writeConf(t, "secure_mode = 2\nresolution = huge\n")
	var stderr bytes.Buffer
	if code := run([]string{"--config", p, "--address", "127.0.0.1", "--ports", "1", "--status-led", "none"}, io.Discard, &stderr); code != cli.ExitUsage {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !confAsksSecure(p) || confAsksSecure(writeConf(t, "secure_mode = 0\nbogus = 1\n")) {
		t.Fatal("confAsksSecure")
	}
}

func TestHTTPAddrAndToken(t *testing.T) {
	for in, want := range map[string]string{"8080": "127.0.0.1:8080", ":8080": "127.0.0.1:8080", "127.0.0.2:80": "127.0.0.2:80", "[::1]:80": "[::1]:80"} {
		if got, lo, err := resolveHTTPAddr(in); err != nil || got != want || !lo {
			t.Errorf("%q: %q %v %v", in, got, lo, err)
		}
	}
	var o httpAuthOptions
	log := slog.New(slog.DiscardHandler)
	if _, _, err := o.prepare("0.0.0.0:8080", log); err == nil || !strings.Contains(err.Error(), "--http-token-file") {
		t.Fatalf("non-loopback without a token: %v", err)
	}
	o.tokenFile = filepath.Join(t.TempDir(), "tok")
	os.WriteFile(o.tokenFile, []byte("short\n"), 0o600)
	if _, _, err := o.prepare("0.0.0.0:8080", log); err == nil {
		t.Fatal("short token accepted")
	}
	const tok = "0123456789abcdef0123"
	os.WriteFile(o.tokenFile, []byte(tok+"\n"), 0o600)
	bind, auth, err := o.prepare("0.0.0.0:8080", log)
	if err != nil || bind != "0.0.0.0:8080" || auth == nil {
		t.Fatal(bind, auth, err)
	}
	h := auth.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, c := range []struct {
		path, header string
		want         int
	}{
		{"/api/clients", "", 401},
		{"/api/clients", "Bearer wrong", 401},
		{"/api/clients", "Basic " + tok, 401},
		{"/api/clients", "Bearer " + tok, 200},
		{"/metrics", "bearer " + tok, 200},
		{"/healthz", "", 200},
	} {
		if w := serveGET(h, c.path, c.header); w.Code != c.want {
			t.Errorf("%s %q: %d, want %d", c.path, c.header, w.Code, c.want)
		}
	}
}

// serveGET sends h a GET of path, with auth (if not "") as its Authorization header.
func serveGET(h http.Handler, path, auth string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
