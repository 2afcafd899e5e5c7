// Package e2e runs picam-server, picam-client and the Python NetGear stand-ins as real processes
// over loopback, and checks what a user would see: frames delivered, exit codes, timings.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "picam-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	for name, pkg := range map[string]string{"picam-server": "../../cmd/picam-server", "picam-client": "../../cmd/picam-client"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", name, err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running child process with captured output.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	exited time.Time
	err    error
}

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

func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	path := name
	if !strings.HasSuffix(name, ".py") {
		path = filepath.Join(binDir, name)
	} else {
		args = append([]string{filepath.Join("..", "interop", name)}, args...)
		path = "/usr/bin/python3"
	}
	p := &proc{t: t, name: name, done: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		p.exited = time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- %s %v stderr:\n%s", p.name, args, tail(p.stderr.String(), 3000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// wait waits up to d for the process to exit and returns its exit code.
func (p *proc) wait(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.t.Fatalf("%s did not exit within %v\nstderr:\n%s", p.name, d, tail(p.stderr.String(), 3000))
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %s: %v", p.name, err)
	}
}

// jsonLine decodes the last line of stdout that is a JSON object.
func (p *proc) jsonLine(v any) {
	p.t.Helper()
	lines := strings.Split(strings.TrimSpace(p.stdout.String()), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "{") {
			if err := json.Unmarshal([]byte(lines[i]), v); err != nil {
				p.t.Fatalf("%s JSON line %q: %v", p.name, lines[i], err)
			}
			return
		}
	}
	p.t.Fatalf("%s printed no JSON line; stdout:\n%s\nstderr:\n%s", p.name, p.stdout.String(), tail(p.stderr.String(), 2000))
}

// freePorts returns n distinct free loopback ports.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	var lns []net.Listener
	for len(out) < n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

func joinPorts(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ",")
}

// waitListening waits until something accepts on each port (clients bound).
func waitListening(t *testing.T, ports ...int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range ports {
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("nothing listening on %d", p)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// clientSummary is picam-client's --json line.
type clientSummary struct {
	Port         int      `json:"port"`
	Frames       int      `json:"frames"`
	Dropped      int      `json:"dropped"` // by the client's own queue, when the application fell behind
	FPS          float64  `json:"fps"`
	Messages     []string `json:"messages"`
	DecodeErrors int      `json:"decode_errors"`
	Exit         string   `json:"exit"`
	Shapes       []string `json:"shapes"`
	Latency      *struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"latency_ms"`
}

// serverSummary is picam-server's --json line.
type serverSummary struct {
	FramesSent int `json:"frames_sent"`
	Clients    []struct {
		Port       int             `json:"port"`
		State      string          `json:"state"`
		FramesSent int             `json:"frames_sent"`
		Dropped    int             `json:"dropped"`
		Replies    int             `json:"replies"`
		LastData   json.RawMessage `json:"last_data"`
	} `json:"clients"`
}

// pyClient is netgear_peer.py client's JSON line.
type pyClient struct {
	Port         any      `json:"port"`
	Frames       int      `json:"frames"`
	UniqueSeqs   int      `json:"unique_seqs"`
	Shapes       []any    `json:"shapes"`
	Codecs       []string `json:"codecs"`
	Messages     []any    `json:"messages"`
	DecodeErrors int      `json:"decode_errors"`
	MissingParts int      `json:"missing_parts"`
	Terminated   bool     `json:"terminated"`
	Exit         string   `json:"exit"`
}

// pyServer is netgear_peer.py server's JSON line.
type pyServer struct {
	Sent     int             `json:"sent"`
	Replies  map[string]int  `json:"replies"`
	LastData map[string]any  `json:"last_data"`
	Errors   []any           `json:"errors"`
	Timeouts int             `json:"timeouts"`
	Exit     json.RawMessage `json:"exit"`
}
