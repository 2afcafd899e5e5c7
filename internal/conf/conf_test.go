package conf

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

func TestLoadMissingFileIsFine(t *testing.T) {
	fs, _, _, _ := flags()
	if err := Load(filepath.Join(t.TempDir(), "none.conf"), fs, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "picam.conf")
	os.WriteFile(path, []byte("pattern = nope\n"), 0o644)
	if err := Load(path, fs, nil); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("want an error naming the file, got %v", err)
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
