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
// A bad file must never leave the appliance in a boot loop: Apply reports the problems with
// their line numbers, and the caller falls back to defaults (and shows the fault on the LED).
//
// The file is bounded like any input from outside: Load reads at most MaxFileSize bytes of a
// regular file (a FIFO or a device such as /dev/urandom is refused before it is read), and an
// error message lists at most MaxErrors problems of at most MaxErrorLen bytes each, then says
// how many more there were.
package conf

import (
	"bufio"
	"bytes"
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
	var errs errorList
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
			errs.add(fmt.Errorf("line %d: %q is not key = value", n, line))
			continue
		}
		k = normalize(k)
		if k == "" {
			errs.add(fmt.Errorf("line %d: empty key", n))
			continue
		}
		v, quoted, err := value(v)
		if err != nil {
			errs.add(fmt.Errorf("line %d: %s: %w", n, k, err))
			continue
		}
		out = append(out, Setting{Key: k, Value: v, Line: n, Quoted: quoted})
	}
	if err := sc.Err(); err != nil {
		errs.add(err)
	}
	return out, errs.err()
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
	var errs errorList
	for _, s := range settings {
		system := strings.HasPrefix(s.Key, SystemPrefix)
		f := fs.Lookup(s.Key)
		if !system && f == nil {
			errs.add(fmt.Errorf("line %d: unknown key %q (keys are picam-server's flag names, see picam-server --help)", s.Line, s.Key))
			continue
		}
		if !s.Quoted && (system || !freeText(f)) {
			if prev, word := stray(s.Value); word != "" {
				errs.add(fmt.Errorf("line %d: %s = %s: %q after %q is not part of the value: separate list items with commas, quote a value that has spaces, or start a comment with \" #\"",
					s.Line, s.Key, s.Value, word, prev))
				continue
			}
		}
		if system || cmdline[s.Key] || cmdline[cli.Canonical(fs, s.Key)] {
			continue
		}
		if err := fs.Set(s.Key, s.Value); err != nil {
			errs.add(fmt.Errorf("line %d: %s = %q: %v", s.Line, s.Key, s.Value, err))
		}
	}
	return errs.err()
}

// MaxFileSize is the largest settings file Load reads. picam.conf with every key and its
// comments is a few KiB; a larger file is a mistake (or an attack), refused before it is
// parsed, so it costs neither memory nor time.
const MaxFileSize = 64 << 10

// MaxErrors is how many problems an error from Parse, Apply or Load lists; the rest are
// counted ("and 3412 more"). MaxErrorLen bounds each listed problem, whose text quotes the line.
const (
	MaxErrors   = 10
	MaxErrorLen = 200
)

// ErrTooLarge, ErrNotRegular: the settings file is refused as a whole.
var (
	ErrTooLarge   = fmt.Errorf("larger than %d KiB", MaxFileSize>>10)
	ErrNotRegular = errors.New("not a regular file")
)

// ReadFile parses the settings file at path, reading at most MaxFileSize bytes. A missing file
// is an error wrapping os.ErrNotExist; a path that is not a regular file (a FIFO, a device) is
// ErrNotRegular and is not opened for reading, so /dev/urandom or a FIFO cannot hang the
// caller. A file over MaxFileSize is ErrTooLarge, returned with the settings of its first
// MaxFileSize bytes, which callers may look at (never apply) to decide how to fail.
func ReadFile(path string) ([]Setting, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, kind(fi.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The path could have been swapped for a FIFO between Stat and Open: check what was opened.
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, ErrNotRegular)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		settings, _ := Parse(bytes.NewReader(data[:MaxFileSize]))
		return settings, fmt.Errorf("%s: %w (%d bytes or more): picam.conf holds a few lines of key = value", path, ErrTooLarge, fi.Size())
	}
	return Parse(bytes.NewReader(data))
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// Load reads the settings file at path (see ReadFile) and applies it to fs. Any error, a
// missing file included (the caller named it), is returned naming the file; the caller then
// throws fs away, so a file with errors is ignored as a whole.
func Load(path string, fs *flag.FlagSet, cmdline map[string]bool) error {
	settings, perr := ReadFile(path)
	if errors.Is(perr, os.ErrNotExist) {
		return fmt.Errorf("%s: %w: create it, or leave --config out", path, os.ErrNotExist)
	}
	var le *listError
	if perr != nil && !errors.As(perr, &le) {
		return perr // too large, not a regular file, unreadable: these name the file
	}
	aerr := Apply(fs, settings, cmdline)
	if err := joinBounded(perr, aerr); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// errorList collects up to MaxErrors errors and counts the rest, so a file of a million bad
// lines costs one short message, not one line each.
type errorList struct {
	errs []error
	more int
}

func (l *errorList) add(err error) {
	if len(l.errs) < MaxErrors {
		l.errs = append(l.errs, err)
		return
	}
	l.more++
}

// err is the list as one error, or nil.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	return &listError{errs: l.errs, more: l.more}
}

// listError prints one problem a line, each cut at MaxErrorLen bytes, and how many more there
// were. It unwraps to the listed errors.
type listError struct {
	errs []error
	more int
}

func (e *listError) Error() string {
	var b strings.Builder
	for i, err := range e.errs {
		if i > 0 {
			b.WriteByte('\n')
		}
		msg := err.Error()
		if len(msg) > MaxErrorLen {
			msg = strings.ToValidUTF8(msg[:MaxErrorLen], "") + fmt.Sprintf("… (%d bytes more)", len(msg)-MaxErrorLen)
		}
		b.WriteString(msg)
	}
	if e.more > 0 {
		fmt.Fprintf(&b, "\nand %d more errors", e.more)
	}
	return b.String()
}

func (e *listError) Unwrap() []error { return e.errs }

// joinBounded joins the errors of Parse and Apply into one list of at most MaxErrors.
func joinBounded(errs ...error) error {
	var l errorList
	for _, err := range errs {
		var le *listError
		switch {
		case err == nil:
		case errors.As(err, &le):
			for _, e := range le.errs {
				l.add(e)
			}
			l.more += le.more
		default:
			l.add(err)
		}
	}
	return l.err()
}
