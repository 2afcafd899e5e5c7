package main

import (
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// child is one process of a benchmark run: its stdout is kept for the JSON summary, its stderr
// is watched for readiness lines and kept (the tail) for error messages.
type child struct {
	*testkit.Proc

	mu    sync.Mutex
	cpuAt map[string]time.Duration // the process's CPU time when each mark arrived
}

// registry knows every child still running, so that an interrupted benchmark (Ctrl-C, or a
// SIGTERM to make) can end them all instead of leaving orphans behind.
type registry struct {
	mu      sync.Mutex
	running map[*child]struct{}
	closed  bool
}

func newRegistry() *registry { return &registry{running: map[*child]struct{}{}} }

// killAll kills every running child and refuses new ones.
func (r *registry) killAll() {
	r.mu.Lock()
	r.closed = true
	var all []*child
	for c := range r.running {
		all = append(all, c)
	}
	r.mu.Unlock()
	for _, c := range all {
		c.Kill()
	}
}

// start starts path with args. watch lists stderr substrings whose first arrival time is
// recorded (see waitMark).
func (r *registry) start(name, path string, args []string, watch ...string) (*child, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, fmt.Errorf("start %s: the benchmark is stopping", name)
	}
	c, err := startChild(name, path, args, watch...)
	if err != nil {
		return nil, err
	}
	r.running[c] = struct{}{}
	go func() {
		<-c.Done()
		r.mu.Lock()
		delete(r.running, c)
		r.mu.Unlock()
	}()
	return c, nil
}

// startChild starts path with args; use registry.start, which also tracks it.
func startChild(name, path string, args []string, watch ...string) (*child, error) {
	c := &child{cpuAt: map[string]time.Duration{}}
	cmd := exec.Command(path, args...)
	p, err := testkit.Start(cmd, testkit.Options{Name: name, Marks: watch, Limit: 1 << 20, OnMark: func(mark string) {
		// CPU spent before the mark (start-up, imports, connecting) is not the transport's;
		// runs subtract it. Zero if the process is already gone. (cmd.Process is set before
		// any output is copied, c.Proc perhaps not yet.)
		cpu, _ := processRunTime(cmd.Process.Pid)
		c.mu.Lock()
		c.cpuAt[mark] = cpu
		c.mu.Unlock()
	}})
	if err != nil {
		return nil, err
	}
	c.Proc = p
	return c, nil
}

// wait waits up to limit for the process to exit; after that it is killed.
func (c *child) wait(limit time.Duration) error {
	if err := c.Wait(limit); err != nil {
		c.Kill()
		return fmt.Errorf("%w (killed)", err)
	}
	return nil
}

// cpuSince is the process's CPU time after mark arrived: its whole CPU time (rusage) minus what
// it had used by then. Call after the process exited.
func (c *child) cpuSince(mark string) time.Duration {
	total, _ := c.usage()
	c.mu.Lock()
	before := c.cpuAt[mark]
	c.mu.Unlock()
	if before > total {
		return 0
	}
	return total - before
}

// usage is the process's CPU time (user+system) and peak RSS, from wait4's rusage.
func (c *child) usage() (cpu time.Duration, maxRSSKiB int64) {
	if c.Cmd.ProcessState == nil {
		return 0, 0
	}
	ru, ok := c.Cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu, int64(ru.Maxrss) // int32 on 32-bit ARM
}

func (c *child) tail() string { return c.StderrTail(6) }

// group is the set of children of one run; stop kills whatever is still running.
type group []*child

func (g group) stop() {
	for _, c := range g {
		if c != nil {
			c.Kill()
		}
	}
}

// summary waits up to limit for c to exit and decodes its JSON summary line
// into v.
func (c *child) summary(limit time.Duration, v any) error {
	if err := c.wait(limit); err != nil {
		return err
	}
	return c.JSONLine(v)
}
