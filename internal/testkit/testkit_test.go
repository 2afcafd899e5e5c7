package testkit

import (
	"errors"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFreePortsAreDistinctAndBindable(t *testing.T) {
	ports := Ports(t, 5)
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] || p <= 0 {
			t.Fatalf("ports %v: %d twice or not a port", ports, p)
		}
		seen[p] = true
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+JoinPorts(ports[:1]))
	if err != nil {
		t.Fatalf("port %d is not free: %v", ports[0], err)
	}
	defer l.Close()
	if err := WaitListening(2*time.Second, ports[0]); err != nil {
		t.Fatal(err)
	}
	if err := WaitListening(100*time.Millisecond, ports[1]); err == nil {
		t.Fatalf("WaitListening found a listener on unused port %d", ports[1])
	}
	if got := JoinPorts([]int{5555, 5556}); got != "5555,5556" {
		t.Fatalf("JoinPorts: %q", got)
	}
}

func TestProcCapturesMarksAndExit(t *testing.T) {
	// The mark is written in two pieces, split inside it.
	cmd := exec.Command("/bin/sh", "-c", `printf 'starting\nREA' >&2; sleep 0.1; printf 'DY now\n' >&2; echo '{"n":1}'; echo '{"n":2}'; exit 3`)
	var marked []string
	p := StartT(t, cmd, Options{Marks: []string{"READY", "never"}, OnMark: func(m string) { marked = append(marked, m) }})
	if _, err := p.WaitMark("READY", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if p.ExitCode() != 3 {
		t.Fatalf("exit code %d, want 3", p.ExitCode())
	}
	if len(marked) != 1 || marked[0] != "READY" {
		t.Fatalf("OnMark saw %v", marked)
	}
	if _, err := p.WaitMark("never", time.Second); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("a mark never printed by an exited process: %v", err)
	}
	var v struct{ N int }
	if err := p.JSONLine(&v); err != nil || v.N != 2 {
		t.Fatalf("JSONLine: %v %+v", err, v)
	}
	if got := p.StderrTail(1); got != "stderr: READY now" {
		t.Fatalf("StderrTail(1) = %q", got)
	}
}

func TestProcWaitIsBoundedAndStopEnds(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "exec sleep 30")
	p := StartT(t, cmd, Options{Name: "sleeper"})
	if err := p.Wait(50 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "sleeper did not exit") {
		t.Fatalf("Wait on a running process: %v", err)
	}
	p.Stop(5 * time.Second)
	select {
	case <-p.Done():
	default:
		t.Fatal("Stop returned while the process runs")
	}
	var exit *exec.ExitError
	if !errors.As(p.Err(), &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Fatalf("ended by %v, want SIGTERM", p.Err())
	}
}

func TestBufferKeepsTheNewestBytes(t *testing.T) {
	b := Buffer{Limit: 10}
	b.Write([]byte("0123456789"))
	b.Write([]byte("abc"))
	if got := b.String(); len(got) > 10 || !strings.HasSuffix(got, "abc") {
		t.Fatalf("kept %q", got)
	}
}

func TestLastJSONLine(t *testing.T) {
	var v map[string]int
	if err := LastJSONLine("log\n{\"a\":1}\nmore log\n", &v); err != nil || v["a"] != 1 {
		t.Fatalf("%v %v", err, v)
	}
	if err := LastJSONLine("no json\n", &v); !errors.Is(err, ErrNoJSONLine) {
		t.Fatalf("%v", err)
	}
}
