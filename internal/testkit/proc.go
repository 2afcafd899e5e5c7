package testkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options say what Start does with a child's output.
type Options struct {
	// Name is what messages call the process; empty: the program's base name.
	Name string
	// Marks are stderr texts (a readiness line such as "READY client") whose first arrival
	// is recorded; WaitMark waits for one.
	Marks []string
	// OnMark, when set, is called once for each mark as it arrives, on the goroutine that
	// copies stderr (before WaitMark returns), e.g. to read the process's CPU time then.
	OnMark func(mark string)
	// Stdout, when set, receives stdout instead of the capture (a stream of frames, say);
	// Proc.Stdout is then empty.
	Stdout io.Writer
	// Log, when set, receives a copy of stdout and stderr (an artifact file).
	Log io.Writer
	// Stdin gives the child a pipe on its standard input: Proc.Stdin.
	Stdin bool
	// Limit bounds what is kept of each of stdout and stderr to about the newest Limit bytes;
	// 0 keeps everything (a test's output is bounded by the test; tests that read the start
	// of stdout, such as the first picture of a stream, need it all).
	Limit int
}

// Proc is a running child process whose stdout and stderr are captured.
type Proc struct {
	// Name is what messages call the process.
	Name string
	// Cmd is the started command; read its ProcessState after Done.
	Cmd *exec.Cmd
	// Stdin is the pipe to the child's standard input when Options.Stdin asked for one;
	// Kill closes it.
	Stdin io.WriteCloser

	stdout, stderr Buffer
	marks          *markWriter

	done   chan struct{}
	exited time.Time
	err    error
}

// Start starts cmd (built by the caller: arguments, environment, Cancel, WaitDelay) with its
// output captured as o says. A goroutine waits for the process; Done is closed when it has
// exited and its output is copied.
func Start(cmd *exec.Cmd, o Options) (*Proc, error) {
	name := o.Name
	if name == "" {
		name = filepath.Base(cmd.Path)
	}
	p := &Proc{Name: name, Cmd: cmd, done: make(chan struct{})}
	p.stdout.Limit, p.stderr.Limit = o.Limit, o.Limit
	var out io.Writer = &p.stdout
	if o.Stdout != nil {
		out = o.Stdout
	}
	var errw io.Writer = &p.stderr
	if o.Log != nil {
		out, errw = io.MultiWriter(out, o.Log), io.MultiWriter(errw, o.Log)
	}
	p.marks = newMarkWriter(errw, o.Marks, o.OnMark)
	cmd.Stdout, cmd.Stderr = out, p.marks
	if cmd.WaitDelay == 0 {
		// A grandchild that outlives the child keeps the output pipes open; stop copying
		// then instead of waiting for it.
		cmd.WaitDelay = 5 * time.Second
	}
	if o.Stdin {
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, fmt.Errorf("%s: stdin pipe: %w", name, err)
		}
		p.Stdin = in
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (%s): %w", name, cmd.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		p.exited = time.Now()
		close(p.done)
	}()
	return p, nil
}

// StartT is Start for a test: it fails the test when the process cannot start, kills the
// process when the test ends, and then, if the test failed, logs the end of its stderr.
func StartT(t TB, cmd *exec.Cmd, o Options) *Proc {
	t.Helper()
	p, err := Start(cmd, o)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("--- %s %v stderr:\n%s", p.Name, cmd.Args[1:], TailBytes(p.Stderr(), 3000))
		}
	})
	return p
}

// Done is closed when the process has exited and its output is copied.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is what exec.Cmd.Wait returned; valid after Done.
func (p *Proc) Err() error { <-p.done; return p.err }

// Exited is when the process was seen to exit; valid after Done.
func (p *Proc) Exited() time.Time { <-p.done; return p.exited }

// ExitCode is the process's exit code, -1 while it runs or when a signal ended it.
func (p *Proc) ExitCode() int {
	select {
	case <-p.done:
		return p.Cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

// Stdout is the captured standard output so far.
func (p *Proc) Stdout() string { return p.stdout.String() }

// Stderr is the captured standard error so far.
func (p *Proc) Stderr() string { return p.stderr.String() }

// StderrTail is the last n lines of stderr on one line, for an error message.
func (p *Proc) StderrTail(n int) string {
	return "stderr: " + strings.Join(TailLines(p.stderr.String(), n), " | ")
}

// Wait waits up to limit for the process to exit. It does not stop it: after an error, Kill or
// Stop does.
func (p *Proc) Wait(limit time.Duration) error {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
		return fmt.Errorf("%s did not exit within %v; %s", p.Name, limit, p.StderrTail(6))
	}
}

// Signal sends sig if the process is still running.
func (p *Proc) Signal(sig syscall.Signal) error {
	select {
	case <-p.done:
		return fmt.Errorf("signal %s: it has exited (%v)", p.Name, p.err)
	default:
	}
	if err := p.Cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %s: %w", p.Name, err)
	}
	return nil
}

// Kill kills the process if it still runs and waits until it has exited; it closes Stdin.
func (p *Proc) Kill() {
	if p.Stdin != nil {
		p.Stdin.Close()
	}
	select {
	case <-p.done:
		return
	default:
	}
	p.Cmd.Process.Kill()
	<-p.done
}

// Stop asks the process to end with SIGTERM and kills it when it has not exited after grace.
func (p *Proc) Stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	if p.Wait(grace) != nil {
		p.Kill()
	}
}

// WaitMark waits up to limit for mark (one of Options.Marks) on stderr and returns when it
// arrived. It fails early when the process exits without printing it.
func (p *Proc) WaitMark(mark string, limit time.Duration) (time.Time, error) {
	ch, ok := p.marks.waiters[mark]
	if !ok {
		return time.Time{}, fmt.Errorf("%s: %q is not a watched mark", p.Name, mark)
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-ch:
		return p.marks.at(mark), nil
	case <-p.done:
		select {
		case <-ch:
			return p.marks.at(mark), nil
		default:
		}
		return time.Time{}, fmt.Errorf("%s exited (%v) before printing %q; %s", p.Name, p.err, mark, p.StderrTail(6))
	case <-t.C:
		return time.Time{}, fmt.Errorf("%s did not print %q within %v; %s", p.Name, mark, limit, p.StderrTail(6))
	}
}

// JSONLine decodes the last line of stdout that is a JSON object (picam's --json summary).
func (p *Proc) JSONLine(v any) error {
	if err := LastJSONLine(p.stdout.String(), v); err != nil {
		return fmt.Errorf("%s: %w; %s", p.Name, err, p.StderrTail(6))
	}
	return nil
}

// ErrNoJSONLine is LastJSONLine's error when no line is a JSON object.
var ErrNoJSONLine = errors.New("no JSON line")

// LastJSONLine decodes the last line of s that starts with "{".
func LastJSONLine(s string, v any) error {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "{") {
			if err := json.Unmarshal([]byte(l), v); err != nil {
				return fmt.Errorf("JSON line %q: %w", l, err)
			}
			return nil
		}
	}
	return ErrNoJSONLine
}

// TailLines is the last n lines of s.
func TailLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[max(0, len(lines)-n):]
}

// TailBytes is the last n bytes of s, marked with "…" when cut.
func TailBytes(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// Buffer is a byte buffer that one goroutine may write while others read it. With a Limit it
// keeps only about the newest Limit bytes.
type Buffer struct {
	// Limit bounds what is kept (0: everything); it is set before the first Write.
	Limit int
	mu    sync.Mutex
	b     bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Write(p)
	if s.Limit > 0 && s.b.Len() > s.Limit {
		s.b.Next(s.b.Len() - s.Limit/2) // drop the oldest, keeping half the limit
		rest := append([]byte(nil), s.b.Bytes()...)
		s.b.Reset()
		s.b.Write(rest)
	}
	return len(p), nil
}

// Bytes is a copy of what the buffer holds.
func (s *Buffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// String is what the buffer holds.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// markWriter copies stderr to w and records the first arrival of each mark, also when a
// mark is split between two writes.
type markWriter struct {
	w       io.Writer
	onMark  func(string)
	waiters map[string]chan struct{} // closed when the mark has arrived; fixed after start

	mu      sync.Mutex
	arrived map[string]time.Time
	carry   []byte // the end of what came before, as long as the longest mark less one byte
	longest int
}

func newMarkWriter(w io.Writer, marks []string, onMark func(string)) *markWriter {
	m := &markWriter{w: w, onMark: onMark, waiters: map[string]chan struct{}{}, arrived: map[string]time.Time{}}
	for _, mk := range marks {
		if mk == "" {
			continue
		}
		m.waiters[mk] = make(chan struct{})
		m.longest = max(m.longest, len(mk))
	}
	return m
}

func (m *markWriter) Write(p []byte) (int, error) {
	if len(m.waiters) > 0 {
		now := time.Now()
		m.mu.Lock()
		seen := append(m.carry, p...)
		var fresh []string
		for mk := range m.waiters {
			if _, ok := m.arrived[mk]; !ok && bytes.Contains(seen, []byte(mk)) {
				m.arrived[mk] = now
				fresh = append(fresh, mk)
			}
		}
		m.carry = append([]byte(nil), seen[max(0, len(seen)-m.longest+1):]...)
		m.mu.Unlock()
		for _, mk := range fresh {
			if m.onMark != nil {
				m.onMark(mk)
			}
			close(m.waiters[mk])
		}
	}
	return m.w.Write(p)
}

func (m *markWriter) at(mark string) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.arrived[mark]
}
