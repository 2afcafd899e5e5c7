// Package cli holds what picam's commands share: flag value types, the logger set-up and the
// exit codes, so picam-server and picam-client behave alike.
package cli

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// Exit codes shared by the commands.
const (
	ExitOK         = 0
	ExitFailure    = 1
	ExitUsage      = 2 // bad flags or an invalid mode combination
	ExitServerGone = 3 // picam-client: the server went away without terminating
)

// ParsePorts parses "5577,5578" (spaces allowed) into port numbers.
func ParsePorts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := strconv.Atoi(f)
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("invalid port %q: ports are numbers 1-65535, comma separated (e.g. 5577,5578)", f)
		}
		out = append(out, p)
	}
	return out, nil
}

// StringList is a repeatable string flag (--client a --client b), also accepting commas.
type StringList []string

// String renders the list for flag's help output.
func (l *StringList) String() string { return strings.Join(*l, ",") }

// Set adds one or more comma-separated values.
func (l *StringList) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*l = append(*l, f)
		}
	}
	return nil
}

// NewLogger returns a text logger on w at the named level (debug, info, warn, error).
func NewLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// PrintFlags writes a flag set's options the way users type them (--name), with defaults.
func PrintFlags(fs *flag.FlagSet, w io.Writer) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(w, line)
		fmt.Fprintf(w, "      %s", usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// NewFlagSet returns a flag set for a command that reports errors (rather than exiting) and
// whose --help prints head and then the options as users type them.
func NewFlagSet(name, head string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, head)
		PrintFlags(fs, stderr)
	}
	return fs
}

// Underscores lets users spell a flag with underscores, as PiGear and NetGear name their
// options in Python (--awb_mode, --exposure_mode), by rewriting such a flag to the
// dashed name the flag set defines (--awb-mode). Values, flags the set defines with an
// underscore, unknown names and everything after "--" are left as they are, so the flag
// set still reports a misspelt flag by the name the user typed.
func Underscores(fs *flag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	value := false // the previous flag takes this argument as its value
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if value || len(a) < 2 || a[0] != '-' {
			out = append(out, a)
			value = false
			continue
		}
		dashes := "-"
		if strings.HasPrefix(a, "--") {
			dashes = "--"
		}
		name, val, hasVal := strings.Cut(a[len(dashes):], "=")
		f := fs.Lookup(name)
		if f == nil && strings.Contains(name, "_") {
			if g := fs.Lookup(strings.ReplaceAll(name, "_", "-")); g != nil {
				f, name = g, g.Name
				a = dashes + name
				if hasVal {
					a += "=" + val
				}
			}
		}
		out = append(out, a)
		if f != nil && !hasVal {
			b, ok := f.Value.(interface{ IsBoolFlag() bool })
			value = !(ok && b.IsBoolFlag())
		}
	}
	return out
}
