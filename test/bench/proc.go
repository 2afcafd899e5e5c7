package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is one process of a benchmark run: its stdout is kept for the JSON summary, its stderr
// is scanned for a readiness line and kept (the tail) for error messages.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdout bytes.Buffer

	mu      sync.Mutex
	stderr  []string // last lines
	marks   map[string]time.Time
	cpuAt   map[string]time.Duration // the process's CPU time when each mark arrived
	waiters map[string]chan struct{}

	done     chan struct{}
	exited   time.Time
	waitErr  error
	scanDone chan struct{}
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
		c.kill()
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
		<-c.done
		r.mu.Lock()
		delete(r.running, c)
		r.mu.Unlock()
	}()
	return c, nil
}

// startChild starts path with args; use registry.start, which also tracks it.
func startChild(name, path string, args []string, watch ...string) (*child, error) {
	c := &child{name: name, marks: map[string]time.Time{}, cpuAt: map[string]time.Duration{}, waiters: map[string]chan struct{}{},
		done: make(chan struct{}), scanDone: make(chan struct{})}
	for _, w := range watch {
		c.waiters[w] = make(chan struct{})
	}
	c.cmd = exec.Command(path, args...)
	c.cmd.Stdout = &c.stdout
	errPipe, err := c.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: stderr pipe: %w", name, err)
	}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go c.scan(errPipe)
	go func() {
		<-c.scanDone // Wait closes the pipe; read it to the end first
		c.waitErr = c.cmd.Wait()
		c.exited = time.Now()
		close(c.done)
	}()
	return c, nil
}

func (c *child) scan(r io.Reader) {
	defer close(c.scanDone)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		now := time.Now()
		c.mu.Lock()
		for w, ch := range c.waiters {
			if _, seen := c.marks[w]; !seen && strings.Contains(line, w) {
				c.marks[w] = now
				// CPU spent before the mark (start-up, imports, connecting) is not the
				// transport's; runs subtract it. Zero if the process is already gone.
				c.cpuAt[w], _ = processRunTime(c.cmd.Process.Pid)
				close(ch)
			}
		}
		c.stderr = append(c.stderr, line)
		if len(c.stderr) > 40 {
			c.stderr = c.stderr[len(c.stderr)-40:]
		}
		c.mu.Unlock()
	}
	io.Copy(io.Discard, r)
}

// waitMark waits up to limit for a watched stderr line and returns when it arrived.
func (c *child) waitMark(mark string, limit time.Duration) (time.Time, error) {
	ch, ok := c.waiters[mark]
	if !ok {
		return time.Time{}, fmt.Errorf("%s: %q is not watched", c.name, mark)
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-ch:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.marks[mark], nil
	case <-c.done:
		select {
		case <-ch:
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.marks[mark], nil
		default:
		}
		return time.Time{}, fmt.Errorf("%s exited before printing %q: %s", c.name, mark, c.tail())
	case <-t.C:
		return time.Time{}, fmt.Errorf("%s did not print %q within %v: %s", c.name, mark, limit, c.tail())
	}
}

// wait waits up to limit for the process to exit; after that it is killed.
func (c *child) wait(limit time.Duration) error {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-c.done:
		return nil
	case <-t.C:
		c.kill()
		return fmt.Errorf("%s did not exit within %v (killed): %s", c.name, limit, c.tail())
	}
}

// signal sends sig if the process is still running.
func (c *child) signal(sig syscall.Signal) {
	select {
	case <-c.done:
	default:
		c.cmd.Process.Signal(sig)
	}
}

// kill ends the process (if still running) and waits for it.
func (c *child) kill() {
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Kill()
	<-c.done
}

// jsonLine decodes the last stdout line that is a JSON object. Call after the process exited.
func (c *child) jsonLine(v any) error {
	lines := strings.Split(strings.TrimSpace(c.stdout.String()), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "{") {
			if err := json.Unmarshal([]byte(lines[i]), v); err != nil {
				return fmt.Errorf("%s: JSON line %q: %w", c.name, lines[i], err)
			}
			return nil
		}
	}
	return fmt.Errorf("%s printed no JSON line: %s", c.name, c.tail())
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
	if c.cmd.ProcessState == nil {
		return 0, 0
	}
	ru, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu, int64(ru.Maxrss) // int32 on 32-bit ARM
}

func (c *child) tail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.stderr)
	lines := c.stderr[max(0, n-6):]
	return "stderr: " + strings.Join(lines, " | ")
}

// group is the set of children of one run; stop kills whatever is still running.
type group []*child

func (g group) stop() {
	for _, c := range g {
		if c != nil {
			c.kill()
		}
	}
}
