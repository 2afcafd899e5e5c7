// Package cli holds what picam's commands share: flag value types, the logger set-up and the
// exit codes, so picam-server and picam-client behave alike.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/picam-project/picam/internal/suggest"
	"github.com/picam-project/picam/internal/version"
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
// whose --help prints head and then the options as users type them. Parse it with Parse, which
// prints the help only when asked and turns flag's errors into one line with the fix.
func NewFlagSet(name, head string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, head)
		PrintFlags(fs, stderr)
	}
	return fs
}

// Parse parses args with fs (made by NewFlagSet), after Underscores. --help prints the usage
// and returns flag.ErrHelp; any other problem returns one line naming the flag as users type
// it (--ports, not flag's -ports) and the fix, without the whole usage text.
func Parse(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	// flag prints the error and calls Usage after every error, and calls Usage for -help; only
	// -help returns ErrHelp, so flag is kept quiet and the help printed after the parse.
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(Underscores(fs, args))
	fs.Usage = usage
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		if usage == nil {
			PrintFlags(fs, out)
		} else {
			usage()
		}
		return err
	}
	if err != nil {
		return FlagError(fs, err)
	}
	return nil
}

var (
	needsValue = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	notDefined = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	badValue   = regexp.MustCompile(`^invalid (?:boolean )?value "((?:[^"\\]|\\.)*)" for (?:flag )?-+([^:]+): (.*)$`)
)

// FlagError rewrites one of flag's parse errors as one line in the commands' style: the flag
// as users type it and what to do, e.g. "flag --ports needs a value: e.g. --ports 5577,5578
// (see --help)".
func FlagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if m := needsValue.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("flag --%s needs a value: %s (see --help)", m[1], example(fs, m[1]))
	}
	if m := notDefined.FindStringSubmatch(msg); m != nil {
		if near := nearest(fs, strings.ReplaceAll(m[1], "_", "-")); near != "" {
			return fmt.Errorf("unknown flag --%s: did you mean --%s? (see --help)", m[1], near)
		}
		return fmt.Errorf("unknown flag --%s (see --help for the flags)", m[1])
	}
	if m := badValue.FindStringSubmatch(msg); m != nil {
		why := m[3]
		if strings.HasSuffix(why, "invalid syntax") || strings.HasSuffix(why, "value out of range") || why == "parse error" {
			return fmt.Errorf("--%s %s is not valid: %s (see --help)", m[2], m[1], example(fs, m[2]))
		}
		return fmt.Errorf("--%s %s: %s (see --help)", m[2], m[1], why)
	}
	return fmt.Errorf("%s (see --help)", strings.ReplaceAll(msg, " -", " --"))
}

// example is "e.g. --name VALUE", taken from the "e.g." in the usage of the flag (or of the
// flag an alias stands for), else "--name TYPE: what the usage says first".
func example(fs *flag.FlagSet, name string) string {
	f := fs.Lookup(Canonical(fs, name))
	if f == nil {
		return "--" + name + " VALUE"
	}
	if _, u, ok := strings.Cut(f.Usage, "e.g. "); ok {
		end := len(u)
		for _, stop := range []string{" ", ")", ";", ", "} {
			if i := strings.Index(u, stop); i >= 0 && i < end {
				end = i
			}
		}
		if ex := strings.TrimRight(u[:end], ",."); ex != "" {
			return "e.g. --" + name + " " + ex
		}
	}
	what, usage := flag.UnquoteUsage(f)
	switch what {
	case "int", "uint", "float":
		what = "a number"
	case "duration":
		what = "a duration such as 4s"
	case "", "value", "string":
		what = "a value"
	}
	usage, _, _ = strings.Cut(usage, "; ")
	return fmt.Sprintf("--%s takes %s: %s", name, what, usage)
}

// nearest returns the flag whose name is closest to name (at most 2 edits), or "".
func nearest(fs *flag.FlagSet, name string) string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return suggest.Nearest(name, names)
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

// Alias is another name for a flag: NetGear's and PiGear's option names (bidirectional_mode,
// jpeg_compression_quality, intra) for picam's own (--bidirectional, --jpeg-quality,
// --keyframe-interval). Underscores and picam.conf's "_" = "-" rule cover the spelling, so
// Name is written with dashes.
type Alias struct {
	Name, Target string
	// Origin says whose name it is, for --help.
	Origin string
}

// Aliases are the other names both commands accept, each registered by RegisterAliases where
// the command has the target flag. NetGear's max_retries, subscriber_timeout and
// request_timeout need no alias: picam's flags have the same names with dashes.
var Aliases = []Alias{
	{"bidirectional-mode", "bidirectional", "NetGear's bidirectional_mode"},
	{"custom-cert-location", "cert-dir", "NetGear's custom_cert_location"},
	{"jpeg-compression-quality", "jpeg-quality", "NetGear's jpeg_compression_quality"},
	{"jpeg-compression-fastdct", "jpeg-fastdct", "NetGear's jpeg_compression_fastdct"},
	{"quality", "jpeg-quality", "PiGear's and rpicam-vid's quality"},
	{"intra", "keyframe-interval", "PiGear's and rpicam-vid's intra"},
	{"multiserver-mode", "multiserver", "NetGear's multiserver_mode"},
}

// aliasValue is an alias flag's value: the target's, so setting either sets both.
type aliasValue struct {
	flag.Value
	target string
}

// IsBoolFlag makes an alias of a boolean flag boolean too (--bidirectional_mode alone).
func (a aliasValue) IsBoolFlag() bool {
	b, ok := a.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// FreeText passes on the target's FreeText (see TextVar).
func (a aliasValue) FreeText() bool {
	t, ok := a.Value.(interface{ FreeText() bool })
	return ok && t.FreeText()
}

// RegisterAliases adds the aliases in Aliases named in names (every one when names is empty)
// whose target fs defines and whose name it does not, each as a flag sharing the target's
// value. Call it after defining the command's flags.
func RegisterAliases(fs *flag.FlagSet, names ...string) {
	for _, a := range Aliases {
		if len(names) > 0 && !slices.Contains(names, a.Name) {
			continue
		}
		t := fs.Lookup(a.Target)
		if t == nil || fs.Lookup(a.Name) != nil {
			continue
		}
		usage := a.Origin + ": the same as --" + a.Target
		if what, _ := flag.UnquoteUsage(t); what != "" {
			usage += " `" + what + "`" // --help shows the target's kind of value
		}
		fs.Var(aliasValue{t.Value, a.Target}, a.Name, usage)
	}
}

// Canonical returns the name of the flag that name stands for: the target of an alias, else
// name itself.
func Canonical(fs *flag.FlagSet, name string) string {
	if f := fs.Lookup(name); f != nil {
		if a, ok := f.Value.(aliasValue); ok {
			return a.target
		}
	}
	return name
}

// textValue is a string flag whose value is free text (see TextVar).
type textValue struct{ p *string }

func (t textValue) String() string {
	if t.p == nil {
		return ""
	}
	return *t.p
}
func (t textValue) Set(s string) error { *t.p = s; return nil }

// FreeText tells picam.conf that the value is text with spaces, not a word or a list.
func (t textValue) FreeText() bool { return true }

// TextVar defines a string flag whose value is free text (a message), so picam.conf takes
// words with spaces as they are; for every other flag a second word is a stray-token error.
func TextVar(fs *flag.FlagSet, p *string, name, value, usage string) {
	*p = value
	fs.Var(textValue{p}, name, usage)
}

// secondsValue is a duration flag that also takes a bare number of seconds, as NetGear's
// timeouts are given (request_timeout = 4).
type secondsValue struct{ p *time.Duration }

// String is "" for an unset (zero) duration, so --help shows no default for it.
func (s secondsValue) String() string {
	if s.p == nil || *s.p == 0 {
		return ""
	}
	return s.p.String()
}

func (s secondsValue) Set(v string) error {
	d, err := time.ParseDuration(v)
	if f, ferr := strconv.ParseFloat(strings.TrimSpace(v), 64); ferr == nil {
		if f > 1e9 {
			return fmt.Errorf("%s seconds is out of range", v)
		}
		d, err = time.Duration(f*float64(time.Second)), nil
	}
	if err != nil {
		return fmt.Errorf("%q is not a duration: write seconds (4, as NetGear does) or a Go duration (4s, 500ms)", v)
	}
	if d <= 0 {
		return fmt.Errorf("%q: give a time above 0", v)
	}
	*s.p = d
	return nil
}

// SecondsVar defines a duration flag that takes "4s" and "500ms" as well as NetGear's bare
// seconds ("4").
func SecondsVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(secondsValue{p}, name, usage)
}

// Early is what a command does first with its parsed flags: --help has been printed (exit 0),
// a flag error is reported (exit 2), --version prints the command's version (exit 0). done
// reports that the command ends here with code.
func Early(name string, parseErr error, showVersion bool, stdout, stderr io.Writer) (code int, done bool) {
	switch {
	case errors.Is(parseErr, flag.ErrHelp):
		return ExitOK, true
	case parseErr != nil:
		fmt.Fprintln(stderr, name+":", parseErr)
		return ExitUsage, true
	case showVersion:
		fmt.Fprintln(stdout, name, version.Get())
		return ExitOK, true
	}
	return 0, false
}
