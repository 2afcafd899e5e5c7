package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/internal/conf"
	"github.com/picam-project/picam/stream"
)

func writeConf(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "picam.conf")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFileUnderTheCommandLine(t *testing.T) {
	p := writeConf(t, "# on the boot partition\npattern = 2\nresolution = 320x240\njpeg_quality = 70\n")
	o, err := parseFlags([]string{"--config", p, "--resolution", "160x120"}, io.Discard)
	if err != nil || o.configErr != nil {
		t.Fatal(err, o.configErr)
	}
	if o.pattern != 2 || o.jpegQuality != 70 || o.resolution != "160x120" {
		t.Fatalf("pattern %d quality %d resolution %s", o.pattern, o.jpegQuality, o.resolution)
	}
}

// A settings file with any error is ignored as a whole: the appliance starts on defaults.
func TestBadConfigFallsBackToDefaults(t *testing.T) {
	p := writeConf(t, "pattern = 2\nresolution = huge\nbogus = 1\n")
	o, err := parseFlags([]string{"--config", p}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.configErr == nil {
		t.Fatal("errors in the file not reported")
	}
	if o.pattern != 1 || o.resolution != "640x480" {
		t.Fatalf("half-applied file: pattern %d resolution %s", o.pattern, o.resolution)
	}
}

func TestServerStateForTheLEDs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv, err := stream.NewServer(stream.ServerConfig{Address: "127.0.0.1", Ports: []int{port}, Pattern: stream.PubSub})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if st, _ := serverState(srv, 0, false); st != status.Waiting {
		t.Fatalf("no client yet: %v", st)
	}
	c, err := stream.NewClient(stream.ClientConfig{Address: "127.0.0.1", Port: port, Pattern: stream.PubSub})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}
	if st, n := serverState(srv, 0, false); st != status.Streaming || n != 1 {
		t.Fatalf("one client: %v %d", st, n)
	}
	if st, _ := serverState(srv, 0, true); st != status.Paused {
		t.Fatalf("paused: %v", st)
	}
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := serverState(srv, 0, false)
		if st == status.Degraded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client gone but state %v (%+v)", st, srv.Clients())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A client the server refused (a NetGear client sent the terminate because it cannot decode
// H.264) is a client problem the LED shows, like one that stalled or went away.
func TestRefusedClientDegrades(t *testing.T) {
	ok := stream.ClientStatus{State: "connected"}
	for _, c := range []struct {
		clients []stream.ClientStatus
		want    status.State
		n       int
	}{
		{[]stream.ClientStatus{ok, ok}, status.Streaming, 2},
		{[]stream.ClientStatus{ok, {State: "refused"}}, status.Degraded, 1},
		{[]stream.ClientStatus{ok, {State: "gone"}}, status.Degraded, 1},
		{[]stream.ClientStatus{{State: "connecting"}}, status.Streaming, 0},
	} {
		if st, n := streamingState(c.clients); st != c.want || n != c.n {
			t.Errorf("%+v: %v %d, want %v %d", c.clients, st, n, c.want, c.n)
		}
	}
}

// Issue 16: a settings file that is missing (but named), not a regular file, or over the size
// limit is reported, and the server runs on the command line and defaults; /dev/urandom used
// to hang the start for ever.
func TestUnusableConfigFallsBackToDefaults(t *testing.T) {
	big := writeConf(t, strings.Repeat("pattern = 2\n", conf.MaxFileSize/12+1))
	for path, want := range map[string]string{
		"/dev/urandom": "not a regular file",
		filepath.Join(t.TempDir(), "missing.conf"): "file does not exist",
		big: "larger than 64 KiB",
	} {
		done := make(chan struct{})
		var o *options
		var err error
		go func() {
			defer close(done)
			o, err = parseFlags([]string{"--config", path, "--resolution", "320x240"}, io.Discard)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("--config %s: still starting after 5 s", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		if o.configErr == nil || !strings.Contains(o.configErr.Error(), want) || !strings.Contains(o.configErr.Error(), path) {
			t.Errorf("--config %s: error %v, want one naming the file and %q", path, o.configErr, want)
		}
		if o.pattern != 1 || o.resolution != "320x240" {
			t.Errorf("--config %s: pattern %d resolution %s, want the command line and defaults", path, o.pattern, o.resolution)
		}
	}
}

// --strict-config makes the same problems exit 2 at once, naming the file (test/e2e's
// TestUnusableConfig runs the binary without it: it streams on its defaults).
func TestStrictConfigExits(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.conf")
	bad := writeConf(t, "pattern = 2\nbogus = 1\n")
	for _, path := range []string{"/dev/urandom", missing, bad} {
		var stderr bytes.Buffer
		code := run([]string{"--strict-config", "--config", path, "--address", "127.0.0.1", "--ports", "1", "--status-led", "none"}, io.Discard, &stderr)
		if code != cli.ExitUsage || !strings.Contains(stderr.String(), path) || !strings.Contains(stderr.String(), "--strict-config") {
			t.Errorf("--strict-config --config %s: exit %d, stderr %s", path, code, stderr.String())
		}
	}
}

// A settings file with errors that says strict_config = true is refused too.
func TestBadConfigAskingStrictExits(t *testing.T) {
	p := writeConf(t, "strict_config = true\nbogus = 1\n")
	var stderr bytes.Buffer
	if code := run([]string{"--config", p, "--address", "127.0.0.1", "--ports", "1", "--status-led", "none"}, io.Discard, &stderr); code != cli.ExitUsage || !strings.Contains(stderr.String(), "bogus") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if confAsksStrict(writeConf(t, "strict_config = false\nbogus = 1\n")) || confAsksStrict("/dev/urandom") {
		t.Fatal("confAsksStrict")
	}
}

// A settings file over the limit that asks for secure mode in its first 64 KiB refuses to
// start rather than stream in plaintext, as a file with errors does.
func TestOversizedConfigAskingSecureRefuses(t *testing.T) {
	p := writeConf(t, "secure_mode = 2\n"+strings.Repeat("# padding\n", conf.MaxFileSize/10+1))
	var stderr bytes.Buffer
	if code := run([]string{"--config", p, "--address", "127.0.0.1", "--ports", "1", "--status-led", "none"}, io.Discard, &stderr); code != cli.ExitUsage {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}
