package cli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParsePorts(t *testing.T) {
	got, err := ParsePorts(" 5577, 5578,")
	if err != nil || !reflect.DeepEqual(got, []int{5577, 5578}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"x", "0", "70000", "55a"} {
		if _, err := ParsePorts(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStringList(t *testing.T) {
	var l StringList
	l.Set("a:1,b:2")
	l.Set("c:3")
	if !reflect.DeepEqual([]string(l), []string{"a:1", "b:2", "c:3"}) {
		t.Fatal(l)
	}
}

func TestUnderscoresRewritesPiGearSpellings(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("awb-mode", "", "")
	fs.String("message", "", "")
	fs.Bool("hflip", false, "")
	fs.String("keep_me", "", "")
	in := []string{"--awb_mode", "sunlight", "-exposure_mode=night", "--hflip", "--message", "--awb_mode", "--keep_me", "x",
		"--awb_mode=tungsten", "--no_such", "--", "--awb_mode"}
	want := []string{"--awb-mode", "sunlight", "-exposure_mode=night", "--hflip", "--message", "--awb_mode", "--keep_me", "x",
		"--awb-mode=tungsten", "--no_such", "--", "--awb_mode"}
	if got := Underscores(fs, in); !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	fs.Bool("x", false, "")
	if err := fs.Parse(Underscores(fs, []string{"--awb_mode", "cloudy", "--hflip"})); err != nil {
		t.Fatal(err)
	}
	if v := fs.Lookup("awb-mode").Value.String(); v != "cloudy" {
		t.Fatalf("awb-mode = %q", v)
	}
}

func testFlags() *flag.FlagSet {
	fs := NewFlagSet("picam-test", "usage head\n", io.Discard)
	fs.String("ports", "", "comma-separated client ports at --address, e.g. 5577,5578")
	fs.Int("pattern", 1, "NetGear pattern: 1 (REQ/REP) or 2 (PUB/SUB)")
	fs.Int("jpeg-quality", 90, "JPEG quality 1-100")
	fs.Int("keyframe-interval", 0, "frames between keyframes, 1-1000")
	fs.Bool("bidirectional", false, "bidirectional mode")
	fs.String("cert-dir", "", "key directory")
	return fs
}

// Flag errors name the flag as users type it and say what to do, in one line, without the
// usage text; only --help prints the usage.
func TestParseErrorsAreOneLineWithTheFix(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ports"}, "flag --ports needs a value: e.g. --ports 5577,5578 (see --help)"},
		{[]string{"--pattern", "x"}, "--pattern x is not valid: --pattern takes a number: NetGear pattern: 1 (REQ/REP) or 2 (PUB/SUB) (see --help)"},
		{[]string{"--prots", "5577"}, "unknown flag --prots: did you mean --ports? (see --help)"},
		{[]string{"-zzz"}, "unknown flag --zzz (see --help for the flags)"},
		{[]string{"--intra"}, "flag --intra needs a value: --intra takes a number: frames between keyframes, 1-1000 (see --help)"},
	} {
		var out bytes.Buffer
		fs := testFlags()
		fs.SetOutput(&out)
		RegisterAliases(fs)
		err := Parse(fs, c.args)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: error\n %v\nwant\n %s", c.args, err, c.want)
		}
		if out.Len() != 0 {
			t.Errorf("%q: printed %q besides the error", c.args, out.String())
		}
	}
	var help bytes.Buffer
	fs := NewFlagSet("picam-test", "usage head\n", &help)
	fs.Int("pattern", 1, "NetGear pattern")
	if err := Parse(fs, []string{"--help"}); !errors.Is(err, flag.ErrHelp) || !strings.Contains(help.String(), "usage head\n  --pattern int") {
		t.Errorf("--help: %v, printed %q", err, help.String())
	}
}

// NetGear's and PiGear's names set picam's flags, with underscores too.
func TestAliases(t *testing.T) {
	fs := testFlags()
	RegisterAliases(fs)
	err := Parse(fs, []string{"--jpeg_compression_quality", "70", "--intra=12", "--bidirectional_mode", "--custom_cert_location", "/k"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"jpeg-quality": "70", "keyframe-interval": "12", "bidirectional": "true", "cert-dir": "/k"} {
		if got := fs.Lookup(name).Value.String(); got != want {
			t.Errorf("--%s = %q, want %q", name, got, want)
		}
	}
	if Canonical(fs, "quality") != "jpeg-quality" || Canonical(fs, "pattern") != "pattern" {
		t.Error("Canonical does not resolve aliases")
	}
	// Only the named aliases, and only those whose target exists.
	fs = testFlags()
	RegisterAliases(fs, "bidirectional-mode", "jpeg-compression-fastdct")
	if fs.Lookup("bidirectional-mode") == nil || fs.Lookup("intra") != nil || fs.Lookup("jpeg-compression-fastdct") != nil {
		t.Error("RegisterAliases registered the wrong set")
	}
}

func TestSecondsVar(t *testing.T) {
	var d time.Duration
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	SecondsVar(fs, &d, "request-timeout", 4*time.Second, "")
	for in, want := range map[string]time.Duration{"4": 4 * time.Second, "2.5": 2500 * time.Millisecond, "500ms": 500 * time.Millisecond} {
		if err := fs.Set("request-timeout", in); err != nil || d != want {
			t.Errorf("%q: %v, %v", in, d, err)
		}
	}
	for _, bad := range []string{"x", "-1", "4 s"} {
		if err := fs.Set("request-timeout", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
