package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/picam-project/picam/internal/conf"
	"github.com/picam-project/picam/internal/conf/conftest"
)

// helpFlags runs a command with --help and returns the flags it lists.
func helpFlags(t *testing.T, name string, args ...string) map[string]bool {
	t.Helper()
	out, err := exec.Command(filepath.Join(binDir, name), append(args, "--help")...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v --help: %v\n%s", name, args, err, out)
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`).FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		t.Fatalf("%s --help lists no flags:\n%s", name, out)
	}
	return flags
}

var (
	flagRE    = regexp.MustCompile(`(?:^|[\s\[(|` + "`" + `])--([a-z][a-z0-9_-]*)`)
	commandRE = regexp.MustCompile(`\b(picam-server keys|picam-server|picam-client update|picam-client)\b`)
	// Other programs whose flags the README shows: they are not picam's to have.
	otherTools = regexp.MustCompile(`rpicam-vid|v4l2-ctl|\| mpv |netgear_peer\.py|test/bench|BENCHFLAGS|sha256sum|debootstrap|dpkg|apt-get|apt `)
	// "`key = value`" in the text: a picam.conf line.
	confSpan = regexp.MustCompile("`([a-z_.]+) = [^`]*`")
)

// readmeUse is where the README shows a flag or key, for the failure message.
type readmeUse map[string][]int

func (u readmeUse) add(name string, line int) {
	if !slices.Contains(u[name], line) {
		u[name] = append(u[name], line)
	}
}

// TestREADMEFlagsAreInHelp lists every flag and picam.conf key the README shows and fails if the
// command's --help lacks one: the flags on each picam-server / picam-client command line (and
// the synopsis lines under it), picam-server's flag table, the picam.conf keys (the example
// file, the PiGear option table, `key = value` in the text), and every other --flag in the
// text, which one of the two commands must have.
func TestREADMEFlagsAreInHelp(t *testing.T) {
	readme, err := os.ReadFile(conftest.READMEPath())
	if err != nil {
		t.Fatal(err)
	}
	help := map[string]map[string]bool{
		"picam-server":        helpFlags(t, "picam-server"),
		"picam-server keys":   helpFlags(t, "picam-server", "keys"),
		"picam-client":        helpFlags(t, "picam-client"),
		"picam-client update": helpFlags(t, "picam-client", "update"),
	}
	uses := map[string]readmeUse{"picam-server": {}, "picam-server keys": {}, "picam-client": {}, "picam-client update": {}, "either": {}, "key": {}}
	section, fenced, last, pigear := "", false, "", false
	for i, line := range strings.Split(string(readme), "\n") {
		n := i + 1
		switch {
		case strings.HasPrefix(line, "## "):
			section = line
		case strings.HasPrefix(line, "```"):
			fenced, last = !fenced, ""
		}
		for _, m := range confSpan.FindAllStringSubmatch(line, -1) {
			if m[1] != "key" { // "`key = value` lines"
				uses["key"].add(m[1], n)
			}
		}
		// The PiGear option table: its first column are picam.conf keys (and flags); the
		// others are V4L2 controls and rpicam-vid's flags.
		switch {
		case strings.HasPrefix(line, "| PiGear option |"):
			pigear = true
			continue
		case pigear && strings.HasPrefix(line, "| `"):
			uses["key"].add(strings.Trim(strings.Split(line, "|")[1], " `"), n)
			continue
		case !strings.HasPrefix(line, "|"):
			pigear = false
		}
		if otherTools.MatchString(line) {
			continue
		}
		rest := line
		if fenced && last != "" && regexp.MustCompile(`^\s+\[`).MatchString(line) {
			for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
				uses[last].add(m[1], n)
			}
			continue
		}
		for _, loc := range commandRE.FindAllStringSubmatchIndex(line, -1) {
			cmd := line[loc[2]:loc[3]]
			args := line[loc[1]:]
			if j := strings.IndexAny(args, "|&;`"); j >= 0 {
				args = args[:j]
			}
			if j := strings.Index(args, " #"); j >= 0 {
				args = args[:j]
			}
			for _, m := range flagRE.FindAllStringSubmatch(args, -1) {
				uses[cmd].add(m[1], n)
			}
			rest = strings.Replace(rest, args, "", 1)
			if fenced {
				last = cmd
			}
		}
		if strings.HasPrefix(section, "## Benchmark") {
			continue // the benchmark program's own flags (--quick, --runs)
		}
		owner := "either"
		if strings.HasPrefix(line, "| `--") && section == "## picam-server" {
			owner = "picam-server"
		}
		for _, m := range flagRE.FindAllStringSubmatch(rest, -1) {
			uses[owner].add(m[1], n)
		}
	}
	for _, k := range settingKeys(t) {
		uses["key"].add(k, 0)
	}
	dash := func(s string) string { return strings.ReplaceAll(s, "_", "-") }
	check := func(what string, u readmeUse, has func(string) bool) {
		var names []string
		for name := range u {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if !has(name) {
				t.Errorf("README.md (lines %v) shows %s %s, which --help lacks", u[name], what, name)
			}
		}
		if len(names) == 0 {
			t.Errorf("found no %s in README.md: is the parsing right?", what)
		}
	}
	// The README's example of a misspelt flag and the error it gets.
	delete(uses["picam-server"], "prots")
	for _, cmd := range []string{"picam-server", "picam-server keys", "picam-client", "picam-client update"} {
		check(cmd+" flag --", uses[cmd], func(f string) bool { return help[cmd][dash(f)] || f == "help" })
	}
	check("flag --", uses["either"], func(f string) bool {
		return help["picam-server"][dash(f)] || help["picam-client"][dash(f)] || help["picam-server keys"][f] || help["picam-client update"][dash(f)] || f == "help"
	})
	check("picam.conf key ", uses["key"], func(k string) bool {
		return strings.HasPrefix(k, conf.SystemPrefix) || help["picam-server"][dash(k)]
	})
	// What the issue names: a README that stops showing them must not pass silently.
	for _, f := range []string{"list-controls", "keyframe-interval", "jpeg-quality", "intra", "quality"} {
		if uses["either"][f] == nil && uses["picam-server"][f] == nil {
			t.Errorf("README.md no longer shows --%s: update this test's list", f)
		}
	}
	for _, k := range []string{"intra", "quality", "secure_mode", "http"} {
		if uses["key"][k] == nil {
			t.Errorf("README.md no longer shows the picam.conf key %s: update this test's list", k)
		}
	}
}

// settingKeys are the keys of the README's picam.conf example.
func settingKeys(t *testing.T) []string {
	t.Helper()
	s, err := conf.Parse(strings.NewReader(conftest.READMEExample(t)))
	if err != nil {
		t.Fatalf("the README's picam.conf example: %v", err)
	}
	var keys []string
	for _, st := range s {
		keys = append(keys, st.Key)
	}
	return keys
}
