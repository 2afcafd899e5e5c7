package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/picam-project/picam/internal/testkit"
)

// digMDNS asks the responder on 127.0.0.1:5353 with dig (dnsutils), as an mDNS legacy unicast
// query; no reply at all is no answer.
func digMDNS(t *testing.T, typ, name string) []string {
	t.Helper()
	if _, err := exec.LookPath("dig"); err != nil {
		t.Fatal("dig is missing: apt-get install dnsutils (make deps)")
	}
	out, err := exec.Command("dig", "@127.0.0.1", "-p", "5353", "+short", "+tries=2", "+time=1", "-t", typ, name).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 9 {
		return nil
	}
	if err != nil {
		t.Fatalf("dig -t %s %s: %v\n%s", typ, name, err, out)
	}
	return strings.Fields(string(out))
}

func testName(t *testing.T) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "picamsrv-" + hex.EncodeToString(b)
}

// --mdns advertises the outputs other machines can reach, on the listeners' real ports, and
// leaves out the ones bound to loopback; the name is answered either way.
func TestMDNSAdvertisesReachableOutputs(t *testing.T) {
	testkit.LockMDNS(t)             // port 5353 is the machine's: one test package at a time
	mdnsInterfaces = []string{"lo"} // nothing leaves this machine
	defer func() { mdnsInterfaces = nil }()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	name := testName(t)
	r, err := startMDNS(context.Background(), name, "[::]:18554", "/front", "0.0.0.0:18080", log)
	if err != nil {
		t.Fatal(err)
	}
	if got := digMDNS(t, "A", name+".local"); !slices.Equal(got, []string{"127.0.0.1"}) {
		t.Errorf("A %s.local: %q", name, got)
	}
	if got := digMDNS(t, "SRV", name+"._rtsp._tcp.local"); !slices.Equal(got, []string{"0", "0", "18554", name + ".local."}) {
		t.Errorf("SRV rtsp: %q", got)
	}
	if got := digMDNS(t, "TXT", name+"._rtsp._tcp.local"); !slices.Equal(got, []string{`"path=/front"`}) {
		t.Errorf("TXT rtsp: %q", got)
	}
	if got := digMDNS(t, "SRV", name+"._http._tcp.local"); !slices.Equal(got, []string{"0", "0", "18080", name + ".local."}) {
		t.Errorf("SRV http: %q", got)
	}
	r.Close()

	name = testName(t)
	r, err = startMDNS(context.Background(), name, "127.0.0.1:18554", "/cam", "127.0.0.1:18080", log)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := digMDNS(t, "A", name+".local"); !slices.Equal(got, []string{"127.0.0.1"}) {
		t.Errorf("A %s.local: %q", name, got)
	}
	for _, typ := range []string{"_rtsp._tcp", "_http._tcp"} {
		if got := digMDNS(t, "SRV", name+"."+typ+".local"); len(got) != 0 {
			t.Errorf("a loopback-only listener is advertised: SRV %s: %q", typ, got)
		}
	}
}

func TestMDNSFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // "" = no error
	}{
		{[]string{"--mdns-name", "garden"}, "add --mdns"},
		{[]string{"--mdns", "--mdns-name", "garden cam"}, "letters, digits and hyphens"},
		{[]string{"--mdns", "--mdns-name", "garden-cam.local"}, ""},
		{[]string{"--mdns"}, ""},
	} {
		o, err := parseFlags(c.args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		name, err := o.mdns.prepare()
		if c.want == "" && (err != nil || name == "") || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%q: name %q, err %v; want %q", c.args, name, err, c.want)
		}
		if len(c.args) == 3 && c.want == "" && name != "garden-cam" {
			t.Errorf("%q: name %q, want garden-cam", c.args, name)
		}
	}
}
