// Package conf reads picam.conf, the settings file on the SD card's FAT boot partition, so that
// the appliance can be configured from any laptop with a text editor. Its keys are picam-server's
// flag names; "-" and "_" are interchangeable, so PiGear's option names (exposure_mode) work as
// they are.
//
//	# comment
//	pattern = 2
//	ports = 5577, 5578     # a comment after a value starts with whitespace and #
//	resolution = 1280x720
//	hflip = true
//	message = "take #1"    # quotes keep # and spaces
//
// A value is one word or a comma-separated list (5577, 5578). Anything else after it, such as a
// stray token (ports = 5577 5578x, http = 0.0.0.0:8080 junk), is an error naming the line, not
// a value different from the one written; free-text flags (see cli.TextVar) take words as they
// are.
//
// Lines whose key starts with "system." belong to the appliance's init scripts (network, SSH,
// hostname: see buildroot/README.md); Apply skips them, so one file holds all the settings.
//
// A bad file must never leave the appliance in a boot loop: Apply reports every problem with its
// line number, and the caller falls back to defaults (and shows the fault on the LED).
package conf

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/picam-project/picam/internal/cli"
)

// Setting is one "key = value" line.
type Setting struct {
	Key   string
	Value string
	Line  int
	// Quoted is true when the value was written in double quotes, which keep spaces and '#'.
	Quoted bool
}

// Parse reads settings. Blank lines and lines starting with '#' or ';' are ignored, and so is a
// '#' comment after a value when whitespace comes before the '#' (key = value   # note). A value
// may be quoted with double quotes, which keep '#' and spaces; after the closing quote only a
// comment may follow.
func Parse(r io.Reader) ([]Setting, error) {
	var out []Setting
	var errs []error
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // editors on Windows add a BOM
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: %q is not key = value", n, line))
			continue
		}
		k = normalize(k)
		if k == "" {
			errs = append(errs, fmt.Errorf("line %d: empty key", n))
			continue
		}
		v, quoted, err := value(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %s: %w", n, k, err))
			continue
		}
		out = append(out, Setting{Key: k, Value: v, Line: n, Quoted: quoted})
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// value returns the value part of a line without its trailing comment and quotes.
func value(s string) (v string, quoted bool, err error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", false, fmt.Errorf("%s has no closing quote", s)
		}
		v, rest := s[1:1+end], strings.TrimSpace(s[2+end:])
		if rest != "" && rest[0] != '#' {
			return "", false, fmt.Errorf("%q after the quoted value %q: start a comment with #, or put all of the value in the quotes", rest, v)
		}
		return v, true, nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
			break
		}
	}
	return strings.TrimSpace(s), false, nil
}

// stray returns the first word of an unquoted value that is not part of its first word or of
// a comma-separated list ("5578x" in "5577 5578x"), or "" when there is none.
func stray(v string) (prev, word string) {
	f := strings.Fields(v)
	for i := 1; i < len(f); i++ {
		if !strings.HasSuffix(f[i-1], ",") && !strings.HasPrefix(f[i], ",") {
			return f[i-1], f[i]
		}
	}
	return "", ""
}

// freeText reports whether a flag takes words with spaces between them (cli.TextVar).
func freeText(f *flag.Flag) bool {
	t, ok := f.Value.(interface{ FreeText() bool })
	return ok && t.FreeText()
}

func normalize(k string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "_", "-")
}

// SystemPrefix marks keys that the appliance's init scripts read (system.ssh, system.hostname);
// Apply ignores them rather than reporting them as unknown flags, because the SD-card image keeps
// them in the same picam.conf as picam-server's own settings.
const SystemPrefix = "system."

// Apply sets each setting on fs as if given on the command line. Flags the command line set
// explicitly (cmdline, by the names the flags were defined with) win over the file, also when
// the file names them by an alias (cli.RegisterAliases). Unknown keys, bad values and stray
// words after a value are errors naming the line; keys starting with SystemPrefix are not
// applied, but their values are checked for stray words too, as the init scripts read them.
func Apply(fs *flag.FlagSet, settings []Setting, cmdline map[string]bool) error {
	var errs []error
	for _, s := range settings {
		system := strings.HasPrefix(s.Key, SystemPrefix)
		f := fs.Lookup(s.Key)
		if !system && f == nil {
			errs = append(errs, fmt.Errorf("line %d: unknown key %q (keys are picam-server's flag names, see picam-server --help)", s.Line, s.Key))
			continue
		}
		if !s.Quoted && (system || !freeText(f)) {
			if prev, word := stray(s.Value); word != "" {
				errs = append(errs, fmt.Errorf("line %d: %s = %s: %q after %q is not part of the value: separate list items with commas, quote a value that has spaces, or start a comment with \" #\"",
					s.Line, s.Key, s.Value, word, prev))
				continue
			}
		}
		if system || cmdline[s.Key] || cmdline[cli.Canonical(fs, s.Key)] {
			continue
		}
		if err := fs.Set(s.Key, s.Value); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %s = %q: %v", s.Line, s.Key, s.Value, err))
		}
	}
	return errors.Join(errs...)
}

// Load parses the file at path and applies it to fs. A missing file is not an error.
func Load(path string, fs *flag.FlagSet, cmdline map[string]bool) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	settings, perr := Parse(f)
	aerr := Apply(fs, settings, cmdline)
	if err := errors.Join(perr, aerr); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
