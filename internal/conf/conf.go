// Package conf reads picam.conf, the settings file on the SD card's FAT boot partition, so that
// the appliance can be configured from any laptop with a text editor. Its keys are picam-server's
// flag names; "-" and "_" are interchangeable, so PiGear's option names (exposure_mode) work as
// they are.
//
//	# comment
//	pattern = 2
//	ports = 5577, 5578
//	resolution = 1280x720
//	hflip = true
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
)

// Setting is one "key = value" line.
type Setting struct {
	Key   string
	Value string
	Line  int
}

// Parse reads settings. Blank lines and lines starting with '#' or ';' are ignored; a value may
// be quoted with double quotes.
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
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if k == "" {
			errs = append(errs, fmt.Errorf("line %d: empty key", n))
			continue
		}
		out = append(out, Setting{Key: k, Value: v, Line: n})
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

func normalize(k string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "_", "-")
}

// SystemPrefix marks keys that the appliance's init scripts read (system.ssh, system.hostname);
// Apply ignores them rather than reporting them as unknown flags, because the SD-card image keeps
// them in the same picam.conf as picam-server's own settings.
const SystemPrefix = "system."

// Apply sets each setting on fs as if given on the command line. Flags the command line set
// explicitly (cmdline) win over the file. Unknown keys and bad values are errors naming the line;
// keys starting with SystemPrefix are skipped.
func Apply(fs *flag.FlagSet, settings []Setting, cmdline map[string]bool) error {
	var errs []error
	for _, s := range settings {
		if cmdline[s.Key] || strings.HasPrefix(s.Key, SystemPrefix) {
			continue
		}
		f := fs.Lookup(s.Key)
		if f == nil {
			errs = append(errs, fmt.Errorf("line %d: unknown key %q (keys are picam-server's flag names, see picam-server --help)", s.Line, s.Key))
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
