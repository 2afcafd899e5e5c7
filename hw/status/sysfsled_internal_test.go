package status

import (
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

// The container runs tests as root, so a real permission error cannot be
// provoked with file modes; check the message built from one instead.
func TestPermissionErrorNamesTheFix(t *testing.T) {
	l := &SysfsLED{name: "led0"}
	err := l.wrap(&fs.PathError{Op: "open", Path: "/sys/class/leds/led0/trigger", Err: syscall.EACCES})
	msg := err.Error()
	for _, want := range []string{"/sys/class/leds/led0/trigger", "permission denied", "run picam-server as root", "udev rule"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestCurrentTrigger(t *testing.T) {
	for in, want := range map[string]string{
		"none [mmc0] timer":    "mmc0",
		"[none] timer":         "none",
		"none kbd [actpwr]\n":  "actpwr",
		"default-on":           "default-on",
		"none timer heartbeat": "none",
		"":                     "none",
	} {
		if got := currentTrigger(in); got != want {
			t.Errorf("currentTrigger(%q) = %q, want %q", in, got, want)
		}
	}
}
