package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// child is a host process of the run (a client, QEMU, ssh) whose output is
// kept in the artifacts. It is stopped with SIGTERM when its context ends and
// killed 5 s later if it does not exit.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdout syncBuffer
	log    *os.File
	ready  chan struct{} // closed when the ready marker appears on stderr
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, valid after done
}

// startChild runs argv with stderr (and stdout) copied to logPath. When
// readyMarker is not empty, ready is closed once it appears on stderr.
func startChild(ctx context.Context, name, logPath, readyMarker string, env []string, argv ...string) (*child, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("%s log: %w", name, err)
	}
	c := &child{name: name, log: f, ready: make(chan struct{}), done: make(chan struct{})}
	c.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdin = nil
	c.cmd.Stdout = io.MultiWriter(&c.stdout, f)
	c.cmd.Stderr = &markerWriter{w: f, marker: []byte(readyMarker), ready: c.ready}
	if readyMarker == "" {
		close(c.ready)
	}
	c.cmd.Cancel = func() error { return c.cmd.Process.Signal(syscall.SIGTERM) }
	c.cmd.WaitDelay = 5 * time.Second
	if err := c.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s (%s): %w", name, argv[0], err)
	}
	go func() {
		c.err = c.cmd.Wait()
		f.Close()
		close(c.done)
	}()
	return c, nil
}

// waitReady waits for the ready marker, the process's exit or d.
func (c *child) waitReady(d time.Duration) error {
	select {
	case <-c.ready:
		return nil
	case <-c.done:
		return fmt.Errorf("%s exited before it was ready (%v); see %s", c.name, c.err, c.log.Name())
	case <-time.After(d):
		return fmt.Errorf("%s not ready after %v; see %s", c.name, d, c.log.Name())
	}
}

// wait waits up to d for the process to end on its own, then stops it.
// It returns the exit code (-1 when it had to be stopped or did not run).
func (c *child) wait(d time.Duration) (code int, stopped bool) {
	select {
	case <-c.done:
	case <-time.After(d):
		stopped = true
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	}
	if c.cmd.ProcessState == nil {
		return -1, stopped
	}
	return c.cmd.ProcessState.ExitCode(), stopped
}

// markerWriter copies to w and closes ready the first time marker is seen.
type markerWriter struct {
	w      io.Writer
	marker []byte
	ready  chan struct{}
	seen   bool
	tail   []byte
}

func (m *markerWriter) Write(p []byte) (int, error) {
	if !m.seen && len(m.marker) > 0 {
		m.tail = append(m.tail, p...)
		if bytes.Contains(m.tail, m.marker) {
			m.seen = true
			close(m.ready)
			m.tail = nil
		} else if len(m.tail) > 4*len(m.marker)+4096 {
			m.tail = m.tail[len(m.tail)-len(m.marker):]
		}
	}
	return m.w.Write(p)
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
