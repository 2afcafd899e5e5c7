package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/picam-project/picam/hw/status"
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
	if st, _ := serverState(srv, false); st != status.Waiting {
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
	if st, n := serverState(srv, false); st != status.Streaming || n != 1 {
		t.Fatalf("one client: %v %d", st, n)
	}
	if st, _ := serverState(srv, true); st != status.Paused {
		t.Fatalf("paused: %v", st)
	}
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := serverState(srv, false)
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
