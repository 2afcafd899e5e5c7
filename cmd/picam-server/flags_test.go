package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/internal/conf/conftest"
)

// The README's picam.conf, exactly as shown (comments after the values included), applies
// without an error and gives the values written.
func TestREADMEExampleConf(t *testing.T) {
	p := writeConf(t, conftest.READMEExample(t))
	o, err := parseFlags([]string{"--config", p}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.configErr != nil {
		t.Fatalf("the README's picam.conf is rejected: %v", o.configErr)
	}
	if o.address != "192.168.1.20" || o.ports != "5577" || o.pattern != 2 || o.resolution != "1280x720" || o.framerate != 30 ||
		o.enc.codec != "jpeg" || o.httpAddr != "0.0.0.0:8080" || o.httpAuth.tokenFile != "/boot/http.token" {
		t.Errorf("address %q ports %q pattern %d resolution %q framerate %v codec %q http %q token file %q",
			o.address, o.ports, o.pattern, o.resolution, o.framerate, o.enc.codec, o.httpAddr, o.httpAuth.tokenFile)
	}
	if _, err := parsePortsFlag(o.ports); err != nil {
		t.Errorf("ports %q: %v", o.ports, err)
	}
}

// The card's own picam.conf, what a new card boots with, applies without an error.
func TestCardDefaultConf(t *testing.T) {
	o, err := parseFlags([]string{"--config", "../../buildroot/board/picam/picam.conf"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.configErr != nil {
		t.Fatalf("the card's picam.conf is rejected: %v", o.configErr)
	}
	// Watchable with no picam-client (issue 18): RTSP, the web page and mDNS, with the
	// credentials players off the Pi need read from the boot partition; no NetGear client.
	if o.rtsp.addr != ":8554" || o.rtsp.user != "picam" || o.rtsp.passwordFile != "/boot/rtsp.password" ||
		o.httpAddr != "0.0.0.0:8080" || o.httpAuth.tokenFile != "/boot/http.token" || !o.mdns.on || o.mdns.name != "" ||
		o.ports != "" || o.address != "" || len(o.clients) != 0 || o.enc.codec != "jpeg" || o.jpegQuality != 90 {
		t.Errorf("rtsp %q user %q password file %q http %q token file %q mdns %v %q ports %q address %q clients %q codec %q jpeg-quality %d",
			o.rtsp.addr, o.rtsp.user, o.rtsp.passwordFile, o.httpAddr, o.httpAuth.tokenFile, o.mdns.on, o.mdns.name,
			o.ports, o.address, o.clients, o.enc.codec, o.jpegQuality)
	}
}

// A stray word after a value makes the whole file ignored (and reported with its line), as
// any other mistake does, instead of a different value or a server that exits on every boot.
func TestStrayWordIgnoresTheFile(t *testing.T) {
	p := writeConf(t, "pattern = 2\nhttp = 0.0.0.0:8080 junk   # status\n")
	o, err := parseFlags([]string{"--config", p}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.configErr == nil || !strings.Contains(o.configErr.Error(), `line 2: http = 0.0.0.0:8080 junk: "junk"`) {
		t.Fatalf("config error %v", o.configErr)
	}
	if o.pattern != 1 || o.httpAddr != "" {
		t.Fatalf("half-applied file: pattern %d http %q", o.pattern, o.httpAddr)
	}
}

// --intra and --quality (PiGear's names) and NetGear's option names set picam-server's own flags,
// on the command line and in picam.conf; the command line wins whichever name either uses.
func TestPiGearAndNetGearNames(t *testing.T) {
	o, err := parseFlags([]string{"--intra", "50", "--quality", "80", "--bidirectional_mode", "--custom_cert_location", "/k",
		"--jpeg_compression_fastdct=false", "--request_timeout", "2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.enc.keyframe != 50 || o.jpegQuality != 80 || !o.bidirectional || o.sec.CertDir != "/k" || o.jpegFastDCT || o.reqTimeout != 2*time.Second {
		t.Errorf("keyframe %d quality %d bidirectional %v cert-dir %q fastdct %v request-timeout %v",
			o.enc.keyframe, o.jpegQuality, o.bidirectional, o.sec.CertDir, o.jpegFastDCT, o.reqTimeout)
	}
	p := writeConf(t, "intra = 25\nquality = 60\njpeg_compression_quality = 70\nbidirectional_mode = true\nrequest_timeout = 3\n")
	o, err = parseFlags([]string{"--config", p}, io.Discard)
	if err != nil || o.configErr != nil {
		t.Fatal(err, o.configErr)
	}
	if o.enc.keyframe != 25 || o.jpegQuality != 70 || !o.bidirectional || o.reqTimeout != 3*time.Second {
		t.Errorf("from picam.conf: keyframe %d quality %d bidirectional %v request-timeout %v", o.enc.keyframe, o.jpegQuality, o.bidirectional, o.reqTimeout)
	}
	p = writeConf(t, "keyframe_interval = 25\njpeg_quality = 60\n")
	o, err = parseFlags([]string{"--config", p, "--intra", "10", "--jpeg_compression_quality", "50"}, io.Discard)
	if err != nil || o.configErr != nil {
		t.Fatal(err, o.configErr)
	}
	if o.enc.keyframe != 10 || o.jpegQuality != 50 {
		t.Errorf("the command line's --intra 10 and jpeg_compression_quality 50 lost to picam.conf: keyframe %d quality %d", o.enc.keyframe, o.jpegQuality)
	}
}

// --option intra=N and --option quality=N are the same encoder settings as --intra and --quality.
func TestOptionIntraAndQuality(t *testing.T) {
	o, err := parseFlags([]string{"--keyframe-interval", "30", "--option", "intra=12", "--option", "QUALITY=70"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.applyCameraOptions(); err != nil {
		t.Fatal(err)
	}
	if o.enc.keyframe != 12 || o.jpegQuality != 70 || o.cam.Intra != 0 || o.cam.Quality != 0 {
		t.Errorf("keyframe-interval %d jpeg-quality %d (camera intra %d quality %d), want 12 and 70",
			o.enc.keyframe, o.jpegQuality, o.cam.Intra, o.cam.Quality)
	}
}

// --list-controls alone lists the --source camera's controls; the test pattern has none.
func TestListControlsOfTheSource(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--list-controls", "--source", "testsrc", "--status-led", "none"}, &out, &errb); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "--source testsrc (the test pattern) has no controls") {
		t.Errorf("output %q", out.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--list-controls", "/dev/video0"}, "/dev/video0"},
		{[]string{"--list-controls=/dev/video3", "--source", "testsrc"}, "/dev/video3"},
		{[]string{"--list-controls", "--source", "testsrc"}, listSource},
		{[]string{"--source", "testsrc", "--list-controls"}, listSource},
		{[]string{"--source", "testsrc"}, ""},
	} {
		o, err := parseFlags(c.args, io.Discard)
		if err != nil || o.listControls != c.want {
			t.Errorf("%q: list-controls %q, err %v; want %q", c.args, o.listControls, err, c.want)
		}
	}
}

// Flag errors name the flag as users type it, with the fix, in one line: no usage text.
func TestFlagErrorsAreOneLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ports"}, "picam-server: flag --ports needs a value: e.g. --ports 5577,5578 (see --help)\n"},
		{[]string{"--list-controls", "--frames", "x"}, "picam-server: --frames x is not valid: --frames takes a number: stop after N frames and terminate the clients (0 = run until Ctrl-C) (see --help)\n"},
		{[]string{"keys", "--out"}, "picam-server keys: flag --out needs a value: --out takes a value: directory for the key tree: DIR or DIR/.vidgear (default: the home directory, NetGear's default) (see --help)\n"},
	} {
		var errb bytes.Buffer
		if code := run(c.args, io.Discard, &errb); code != cli.ExitUsage || errb.String() != c.want {
			t.Errorf("%q: exit %d, stderr\n%q\nwant\n%q", c.args, code, errb.String(), c.want)
		}
	}
}
