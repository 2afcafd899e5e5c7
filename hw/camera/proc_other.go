//go:build !linux

package camera

import "os/exec"

// setProcessGroup does nothing off Linux; rpicam-vid runs only on Linux.
func setProcessGroup(*exec.Cmd) {}

// terminate ends the helper.
func terminate(cmd *exec.Cmd) { kill(cmd) }

// kill ends the helper.
func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
