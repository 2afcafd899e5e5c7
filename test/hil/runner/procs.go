package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// child is a host process of the run (a client, QEMU, ssh) whose output is
// kept in the artifacts. It is stopped with SIGTERM when its context ends and
// killed 5 s later if it does not exit.
type child struct {
	*testkit.Proc
	log   *os.File
	ready string // the marker on stderr that says it is ready; "" for none
}

// startChild runs argv with stderr (and stdout) copied to logPath. When
// readyMarker is not empty, waitReady waits for it to appear on stderr.
func startChild(ctx context.Context, name, logPath, readyMarker string, env []string, argv ...string) (*child, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("%s log: %w", name, err)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var marks []string
	if readyMarker != "" {
		marks = []string{readyMarker}
	}
	p, err := testkit.Start(cmd, testkit.Options{Name: name, Marks: marks, Log: f, Limit: 1 << 20})
	if err != nil {
		f.Close()
		return nil, err
	}
	go func() { <-p.Done(); f.Close() }()
	return &child{Proc: p, log: f, ready: readyMarker}, nil
}

// waitReady waits for the ready marker, the process's exit or d.
func (c *child) waitReady(d time.Duration) error {
	if c.ready == "" {
		return nil
	}
	if _, err := c.WaitMark(c.ready, d); err != nil {
		return fmt.Errorf("%w; see %s", err, c.log.Name())
	}
	return nil
}

// wait waits up to d for the process to end on its own, then stops it.
// It returns the exit code (-1 when it had to be stopped or did not run).
func (c *child) wait(d time.Duration) (code int, stopped bool) {
	if c.Wait(d) != nil {
		stopped = true
		c.Stop(5 * time.Second)
	}
	return c.ExitCode(), stopped
}
