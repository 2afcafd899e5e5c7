package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/stream/curve"
	"github.com/picam-project/picam/stream/zmtp"
)

func TestSecureFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"--port", "1", "--secure-mode", "ironhouse"}, true},
		{[]string{"--port", "1", "--secure-mode", "1", "--allow", "127.0.0.2,10.0.0.0/8"}, true},
		{[]string{"--port", "1", "--secure-mode", "3"}, false},
		{[]string{"--port", "1", "--allow", "127.0.0.2"}, false}, // --allow without secure mode
		{[]string{"--port", "1", "--secure-mode", "2", "--allow", "not-an-ip"}, false},
	} {
		if _, err := parseFlags(c.args, io.Discard); (err == nil) != c.ok {
			t.Errorf("%v: err %v, want ok=%v", c.args, err, c.ok)
		}
	}
}

// Missing keys: exit 2, naming the files and the command that makes them; never plaintext.
func TestSecureMissingKeysExit2(t *testing.T) {
	var stderr bytes.Buffer
	dir := t.TempDir()
	code := run([]string{"--port", "1", "--address", "127.0.0.1", "--secure-mode", "2", "--cert-dir", dir}, strings.NewReader(""), io.Discard, &stderr)
	if code != cli.ExitUsage {
		t.Fatalf("exit %d, want %d; %s", code, cli.ExitUsage, stderr.String())
	}
	for _, want := range []string{"private_keys/server.key_secret", "public_keys/client.key", "picam-server keys --out " + dir, "MISSING"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// The refusal hint names the mistake, and a redialling sender does not repeat the warning.
func TestRefusalHints(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(newRefusalHints(slog.NewTextHandler(&buf, nil)))
	err := fmt.Errorf("zmtp: protocol error: %w", curve.ErrKeyNotAllowed)
	for i := 0; i < 3; i++ {
		log.Warn("server connection refused during handshake", "remote", fmt.Sprintf("127.0.0.1:%d", 4000+i), "err", err)
	}
	log.Warn("server connection refused during handshake", "remote", "127.0.0.1:5000", "err", fmt.Errorf("x: %w", curve.ErrAddressNotAllowed))
	out := buf.String()
	if n := strings.Count(out, "not in public_keys"); n != 1 {
		t.Errorf("key refusal logged %d times, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "not in --allow") {
		t.Errorf("address refusal hint missing:\n%s", out)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{curve.ErrBadBox, "server.key is not this machine's"},
		{fmt.Errorf("zmtp: %w", &zmtp.MechanismError{Peer: "NULL", Own: "CURVE"}), "same --secure-mode"},
		{fmt.Errorf("connection reset"), ""},
	} {
		if got := refusalReason(c.err); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
	}
}
