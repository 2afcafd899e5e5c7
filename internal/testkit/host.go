package testkit

import (
	"os"
	"os/exec"
	"strings"
)

// LoadAvg is the host's 1, 5 and 15 minute load averages as /proc/loadavg
// gives them ("0.52 0.61 0.70"), or "unknown" where it cannot be read: for
// reports of timing-sensitive runs on a shared machine.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// NeedTool returns the path of the program name, or fails the test (never skips it) saying how
// to install it: the Debian package debPackage, which make deps installs.
func NeedTool(t TB, name, debPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: apt-get install --no-install-recommends %s (make deps)", name, debPackage)
	}
	return p
}
