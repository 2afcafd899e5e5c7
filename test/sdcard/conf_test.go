package sdcard

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/conf/conftest"
)

// libSh is the init scripts' shared file, whose picam_sys reads system.* keys from picam.conf.
var libSh = filepath.Join(br, "board/picam/rootfs-overlay/etc/picam/lib.sh")

// shells are the ways lib.sh runs: under busybox's ash and awk, as on the card, and under this
// machine's sh and awk, which must agree.
func shells(t *testing.T) map[string][]string {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal("busybox is missing (the card's shell and awk): make deps, or apt-get install --no-install-recommends busybox")
	}
	// busybox sh finds its own applets first only for a few; put busybox's awk first on PATH.
	dir := t.TempDir()
	for _, a := range []string{"awk", "sh"} {
		if err := os.Symlink(bb, filepath.Join(dir, a)); err != nil {
			t.Fatal(err)
		}
	}
	return map[string][]string{
		"busybox": {bb, "sh", "PATH=" + dir + ":" + os.Getenv("PATH")},
		"host":    {"sh", "", "PATH=" + os.Getenv("PATH")},
	}
}

// picamSys runs lib.sh's picam_sys KEY DEFAULT on conf under shell, and returns its output and
// what it said on the console.
func picamSys(t *testing.T, shell []string, conf, key, def string) (value, console string) {
	t.Helper()
	cf := filepath.Join(t.TempDir(), "picam.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return picamSysAt(t, shell, cf, key, def)
}

// picamSysAt is picamSys with PICAM_CONF=cf.
func picamSysAt(t *testing.T, shell []string, cf, key, def string) (value, console string) {
	t.Helper()
	con := filepath.Join(t.TempDir(), "console")
	lib, err := filepath.Abs(libSh)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-c", `. "$1"; picam_sys "$2" "$3"`, "picam_sys", lib, key, def}
	if shell[1] != "" {
		args = append([]string{shell[1]}, args...)
	}
	cmd := exec.Command(shell[0], args...)
	cmd.Env = []string{shell[2], "PICAM_CONF=" + cf, "PICAM_CONSOLE=" + con}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("picam_sys %s: %v", key, err)
	}
	c, _ := os.ReadFile(con)
	return strings.TrimSuffix(string(out), "\n"), string(c)
}

// The README's picam.conf, exactly as shown, turns SSH on and names the host: its comments after
// the values are comments to the init scripts too.
func TestBootScriptsReadTheREADMEExample(t *testing.T) {
	example := conftest.READMEExample(t)
	for name, sh := range shells(t) {
		for key, want := range map[string]string{"ssh": "true", "hostname": "picam", "console-log": "true", "console_log": "true"} {
			if got, console := picamSys(t, sh, example, key, "DEFAULT"); got != want || console != "" {
				t.Errorf("%s: system.%s in the README's example = %q (console %q), want %q", name, key, got, console, want)
			}
		}
	}
}

// picam_sys follows internal/conf's rules: a '#' after whitespace starts a comment, quotes keep
// '#', and a stray word after the value keeps the default and names the line on the console.
func TestBootScriptsParsePicamConfLikeTheServer(t *testing.T) {
	conf := "\ufeff# picam.conf\r\n" +
		"system.hostname = cam#1   # a '#' inside a word is kept\r\n" +
		"SYSTEM.SSH=\"yes # quoted\"  # comment\n" +
		"system.console_log = true false\n" +
		"system.wifi = on\n" +
		"system.wifi = #\n" +
		"system.list = a, b\n" +
		"system.unterminated = \"abc\n" +
		"system.after_quote = \"abc\" def\n"
	for name, sh := range shells(t) {
		for _, c := range []struct{ key, want, console string }{
			{"hostname", "cam#1", ""},
			{"ssh", "yes # quoted", ""},
			{"console-log", "DEFAULT", `line 4: system.console-log = true false: "false" after "true" is not part of the value`},
			{"wifi", "DEFAULT", ""}, // the last line wins, and it is empty
			{"list", "a, b", ""},
			{"unterminated", "DEFAULT", "line 8: system.unterminated"},
			{"after-quote", "DEFAULT", `line 9: system.after-quote = abc: "def" after the quoted value`},
			{"missing", "DEFAULT", ""},
		} {
			got, console := picamSys(t, sh, conf, c.key, "DEFAULT")
			if got != c.want || (c.console == "") != (console == "") || !strings.Contains(console, c.console) {
				t.Errorf("%s: system.%s = %q, console %q; want %q and console %q", name, c.key, got, console, c.want, c.console)
			}
		}
	}
}

// Issue 16: a picam.conf over picam-server's 64 KiB limit, or one that is not a regular file
// (/dev/urandom, /dev/zero: endless), is ignored by the boot scripts too, at once, with a line
// on the console; the keys keep their defaults, as picam-server's settings do.
func TestBootScriptsIgnoreAnUnusablePicamConf(t *testing.T) {
	big := filepath.Join(t.TempDir(), "picam.conf")
	if err := os.WriteFile(big, []byte(strings.Repeat("system.ssh = true\n", 1_000_000)), 0o644); err != nil { // 18 MB
		t.Fatal(err)
	}
	atLimit := filepath.Join(t.TempDir(), "picam.conf")
	line := "system.ssh = true\n"
	if err := os.WriteFile(atLimit, []byte(strings.Repeat("#", 65536-len(line))+"\n"+line[:len(line)-1]), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, sh := range shells(t) {
		for _, cf := range []string{big, "/dev/urandom", "/dev/zero"} {
			began := time.Now()
			got, console := picamSysAt(t, sh, cf, "ssh", "false")
			if got != "false" || !strings.Contains(console, cf+" is not a regular file of at most 64 KiB") {
				t.Errorf("%s: %s: system.ssh = %q, console %q", name, cf, got, console)
			}
			if d := time.Since(began); d > 5*time.Second {
				t.Errorf("%s: %s took %v", name, cf, d)
			}
		}
		if got, console := picamSysAt(t, sh, atLimit, "ssh", "false"); got != "true" || console != "" {
			t.Errorf("%s: a picam.conf of exactly 64 KiB: system.ssh = %q, console %q", name, got, console)
		}
	}
}
