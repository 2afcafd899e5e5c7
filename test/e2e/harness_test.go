// Package e2e runs picam-server, picam-client and the Python NetGear stand-ins as real processes
// over loopback, and checks what a user would see: frames delivered, exit codes, timings.
package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

var binDir string

func TestMain(m *testing.M) {
	for _, name := range []string{"picam-server", "picam-client"} {
		path, err := testkit.Binary(name, testkit.Build{Pkg: "./cmd/" + name})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binDir = filepath.Dir(path)
	}
	code := m.Run()
	testkit.RemoveBinaries()
	os.Exit(code)
}

// proc is a running child process with captured output; it fails its test instead of
// returning errors.
type proc struct {
	*testkit.Proc
	t *testing.T
}

// start runs a picam binary, or with a name ending in .py one of the Python NetGear stand-ins
// of test/interop; the process is killed when the test ends.
func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	path, o := name, testkit.Options{Name: name}
	if !strings.HasSuffix(name, ".py") {
		path = filepath.Join(binDir, name)
	} else {
		args = append([]string{filepath.Join("..", "interop", name)}, args...)
		path = "/usr/bin/python3"
		o.Marks = []string{readyLine}
	}
	return &proc{Proc: testkit.StartT(t, exec.Command(path, args...), o), t: t}
}

// readyLine starts the line a Python stand-in prints on stderr when it is ready (waitReadyLine).
const readyLine = "READY "

func tail(s string, n int) string { return testkit.TailBytes(s, n) }

// wait waits up to d for the process to exit and returns its exit code.
func (p *proc) wait(d time.Duration) int {
	p.t.Helper()
	if err := p.Wait(d); err != nil {
		p.t.Fatalf("%v", err)
	}
	return p.ExitCode()
}

func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.Signal(sig); err != nil {
		p.t.Fatalf("%v", err)
	}
}

// jsonLine decodes the last line of stdout that is a JSON object.
func (p *proc) jsonLine(v any) {
	p.t.Helper()
	if err := p.JSONLine(v); err != nil {
		p.t.Fatalf("%v\nstdout:\n%s", err, p.Stdout())
	}
}

// freePorts returns n distinct free loopback ports.
func freePorts(t *testing.T, n int) []int { t.Helper(); return testkit.Ports(t, n) }

func joinPorts(ports []int) string { return testkit.JoinPorts(ports) }

// waitListening waits until something accepts on each port (clients bound).
func waitListening(t *testing.T, ports ...int) {
	t.Helper()
	if err := testkit.WaitListening(10*time.Second, ports...); err != nil {
		t.Fatalf("%v", err)
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
