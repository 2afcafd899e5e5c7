package conf

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/cli"
)

func flags() (*flag.FlagSet, *int, *string, *bool) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	p := fs.Int("pattern", 1, "")
	m := fs.String("exposure-mode", "auto", "")
	h := fs.Bool("hflip", false, "")
	return fs, p, m, h
}

func TestApplyWithPiGearNamesAndComments(t *testing.T) {
	fs, p, m, h := flags()
	in := "\ufeff# picam.conf\n\npattern = 2\nexposure_mode = \"night\"\n; another comment\nHFLIP=true\n"
	s, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(fs, s, nil); err != nil {
		t.Fatal(err)
	}
	if *p != 2 || *m != "night" || !*h {
		t.Fatalf("pattern %d mode %q hflip %v", *p, *m, *h)
	}
}

func TestCommandLineWins(t *testing.T) {
	fs, p, _, _ := flags()
	fs.Parse([]string{"--pattern", "1"})
	s, _ := Parse(strings.NewReader("pattern = 2"))
	if err := Apply(fs, s, map[string]bool{"pattern": true}); err != nil || *p != 1 {
		t.Fatalf("pattern %d err %v", *p, err)
	}
}

func TestErrorsNameTheLine(t *testing.T) {
	fs, _, _, _ := flags()
	s, perr := Parse(strings.NewReader("pattern = x\nno equals sign\nbogus = 1\n"))
	err := Apply(fs, s, nil)
	msg := perr.Error() + err.Error()
	for _, want := range []string{"line 1: pattern", "line 2:", `line 3: unknown key "bogus"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors %q lack %q", msg, want)
		}
	}
}

// A file named with --config that is missing is an error (issue 16: it was ignored silently);
// the caller logs it and runs on its defaults.
func TestLoadMissingFileIsAnError(t *testing.T) {
	fs, _, _, _ := flags()
	missing := filepath.Join(t.TempDir(), "none.conf")
	if err := Load(missing, fs, nil); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("want a not-found error naming the file, got %v", err)
	}
	path := filepath.Join(t.TempDir(), "picam.conf")
	os.WriteFile(path, []byte("pattern = nope\n"), 0o644)
	if err := Load(path, fs, nil); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("want an error naming the file, got %v", err)
	}
}

// loadWithin runs Load in a goroutine and fails the test if it has not returned within 5 s
// (before the fix, /dev/urandom or a FIFO as the settings file never returned).
func loadWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		fs, _, _, _ := flags()
		done <- Load(path, fs, nil)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("Load(%s) still reading after 5 s", path)
		return nil
	}
}

func TestLoadRefusesWhatIsNotARegularFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.conf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/urandom", "/dev/zero", fifo, t.TempDir()} {
		err := loadWithin(t, path)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: want ErrNotRegular naming the file, got %v", path, err)
		}
	}
}

func TestLoadRefusesAFileOverTheLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "picam.conf")
	// Valid lines all the way: only the size is wrong, and nothing of it is applied.
	line := "pattern = 2\n"
	os.WriteFile(path, []byte(strings.Repeat(line, MaxFileSize/len(line)+1)), 0o644)
	fs, p, _, _ := flags()
	err := Load(path, fs, nil)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), path) {
		t.Fatalf("want ErrTooLarge naming the file, got %v", err)
	}
	if *p != 1 {
		t.Errorf("pattern %d applied from a refused file", *p)
	}
	// ReadFile hands back the first MaxFileSize bytes' settings with the error, for callers
	// that must decide how to fail (picam-server refuses plaintext if they ask for secure mode).
	settings, err := ReadFile(path)
	if !errors.Is(err, ErrTooLarge) || len(settings) != MaxFileSize/len(line) {
		t.Fatalf("ReadFile: %d settings, %v", len(settings), err)
	}
	// Exactly at the limit is fine.
	os.WriteFile(path, []byte(strings.Repeat("#", MaxFileSize-len(line))+"\n"+line[:len(line)-1]), 0o644)
	if err := Load(path, fs, nil); err != nil || *p != 2 {
		t.Fatalf("a file of exactly %d bytes: pattern %d, %v", MaxFileSize, *p, err)
	}
}

// A file of thousands of bad lines makes one short message (issue 16: 3.5 M lines made a
// 402 MB log line), listing MaxErrors problems and counting the rest.
func TestErrorMessageIsBounded(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	var b strings.Builder
	for b.Len() < MaxFileSize-len(long)-100 {
		b.WriteString("bad line\nbogus = 1\n")
	}
	b.WriteString(long + "\n")
	path := filepath.Join(t.TempDir(), "picam.conf")
	os.WriteFile(path, []byte(b.String()), 0o644)
	err := loadWithin(t, path)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if max := len(path) + MaxErrors*(MaxErrorLen+40) + 40; len(msg) > max {
		t.Errorf("message of %d bytes, want ≤ %d", len(msg), max)
	}
	total := strings.Count(b.String(), "\n") // every line is an error
	want := fmt.Sprintf("and %d more errors", total-MaxErrors)
	if !strings.Contains(msg, "line 1: \"bad line\" is not key = value") || !strings.HasSuffix(msg, want) {
		t.Errorf("message does not list the first problems and end in %q:\n%s", want, msg)
	}
	// The problems listed are still reachable as errors.
	if n := len(err.(interface{ Unwrap() error }).Unwrap().(interface{ Unwrap() []error }).Unwrap()); n != MaxErrors {
		t.Errorf("%d errors unwrap, want %d", n, MaxErrors)
	}
	// Parse on its own (no file limit) is bounded the same way.
	_, perr := Parse(strings.NewReader(strings.Repeat(long+"\n", 1000)))
	if len(perr.Error()) > MaxErrors*(MaxErrorLen+40)+40 || !strings.HasSuffix(perr.Error(), "and 990 more errors") {
		t.Errorf("Parse's message: %d bytes, ends %q", len(perr.Error()), perr.Error()[len(perr.Error())-40:])
	}
}

func TestSystemKeysAreLeftToTheInitScripts(t *testing.T) {
	fs, p, _, _ := flags()
	s, err := Parse(strings.NewReader("system.ssh = true\nSYSTEM.Host_Name = cam1\npattern = 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(fs, s, nil); err != nil || *p != 2 {
		t.Fatalf("pattern %d err %v", *p, err)
	}
	// Only the exact prefix is skipped: a near miss is still an unknown key.
	s, _ = Parse(strings.NewReader("systemssh = true\n"))
	if err := Apply(fs, s, nil); err == nil || !strings.Contains(err.Error(), "systemssh") {
		t.Fatalf("want an unknown-key error for systemssh, got %v", err)
	}
}

// textFlags is flags() plus the kinds of values picam.conf holds: a list, an address, free text.
func textFlags() (*flag.FlagSet, map[string]*string) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	v := map[string]*string{}
	for _, k := range []string{"ports", "http", "awb-gains", "resolution"} {
		v[k] = fs.String(k, "", "")
	}
	var msg string
	cli.TextVar(fs, &msg, "message", "", "")
	v["message"] = &msg
	return fs, v
}

// The README's picam.conf puts comments after values: they are not part of the value, unless
// quoted; a '#' inside a word is kept.
func TestTrailingComments(t *testing.T) {
	fs, v := textFlags()
	in := "ports = 5577             # one port per client: 5577, 5578\n" +
		"http = 0.0.0.0:8080\t# the status API\n" +
		"message = \"take #1 # of 3\"   # quoted: the # stay\n" +
		"awb_gains = 1.5, 1.2#kept\n" +
		"resolution = #nothing but a comment\n" +
		"system.ssh = true        # SSH as root\n"
	s, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(fs, s, nil); err != nil {
		t.Fatal(err)
	}
	for k, w := range map[string]string{"ports": "5577", "http": "0.0.0.0:8080", "message": "take #1 # of 3", "awb-gains": "1.5, 1.2#kept", "resolution": ""} {
		if got := *v[k]; got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	if s[5].Key != "system.ssh" || s[5].Value != "true" {
		t.Errorf("system.ssh parsed as %+v, want true", s[5])
	}
}

// A value that is wrong only because of a stray word is an error naming the line, not a value
// different from the one written; lists with spaces after their commas and free text are fine.
func TestStrayTokensAreErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ports = 5577 5578x", `line 1: ports = 5577 5578x: "5578x" after "5577"`},
		{"pattern = 2\nhttp = 0.0.0.0:8080 junk  # comment", `line 2: http = 0.0.0.0:8080 junk: "junk" after "0.0.0.0:8080"`},
		{"system.ssh = true yes", `line 1: system.ssh = true yes: "yes" after "true"`},
		{`message = "hi" there`, `line 1: message: "there" after the quoted value "hi"`},
		{`message = "hi there`, `line 1: message: "hi there has no closing quote`},
		{"resolution = 1280 x 720", `line 1: resolution = 1280 x 720: "x" after "1280"`},
	} {
		fs, _ := textFlags()
		fs.Int("pattern", 1, "")
		s, perr := Parse(strings.NewReader(c.in))
		err := errors.Join(perr, Apply(fs, s, nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
	fs, v := textFlags()
	s, err := Parse(strings.NewReader("ports = 5577, 5578 ,5579\nresolution = (640, 480)\nmessage = hello camera world\nhttp = \"0.0.0.0:8080\"\n"))
	if err == nil {
		err = Apply(fs, s, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if *v["ports"] != "5577, 5578 ,5579" || *v["resolution"] != "(640, 480)" || *v["message"] != "hello camera world" {
		t.Errorf("ports %q resolution %q message %q", *v["ports"], *v["resolution"], *v["message"])
	}
}

// Aliases (NetGear's and PiGear's names) work as keys, and the command line still wins when the
// file and the command line use different names for one flag.
func TestAliasesAsKeys(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	q := fs.Int("jpeg-quality", 90, "")
	k := fs.Int("keyframe-interval", 0, "")
	b := fs.Bool("bidirectional", false, "")
	cli.RegisterAliases(fs)
	if err := fs.Parse([]string{"--intra", "10"}); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[cli.Canonical(fs, f.Name)] = true })
	s, err := Parse(strings.NewReader("jpeg_compression_quality = 70\nkeyframe_interval = 20\nbidirectional_mode = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(fs, s, set); err != nil {
		t.Fatal(err)
	}
	if *q != 70 || *k != 10 || !*b {
		t.Errorf("jpeg-quality %d (want 70), keyframe-interval %d (want the command line's 10), bidirectional %v", *q, *k, *b)
	}
}
