//go:build linux

package camera

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts a helper in its own process group, so that stopping
// it also stops anything it started (a wrapper script's children would
// otherwise keep its stdout open), and asks the kernel to kill it if
// picam-server dies first, so a crashed server never leaves the camera held.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// terminate asks the helper's process group to exit.
func terminate(cmd *exec.Cmd) { signalGroup(cmd, syscall.SIGTERM) }

// kill ends the helper's process group.
func kill(cmd *exec.Cmd) { signalGroup(cmd, syscall.SIGKILL) }

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.Process == nil {
		return
	}
	// The group may be gone already (the helper exited); that is fine.
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
