package main

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// transport names the three senders the benchmark compares.
type transport string

const (
	trPicam  transport = "picam"  // picam-server → picam-client processes
	trLibzmq transport = "libzmq" // the pyzmq NetGear stand-ins (netgear_peer.py bench-*)
	trTCP    transport = "tcp"    // plain TCP writes of the same bytes (this program's hidden roles)
)

// cell is one point of the throughput matrix.
type cell struct {
	Kind    frameKind
	Pattern int
	Clients int
	Secure  bool // picam in secure mode 2 (CURVE), keys in runner.certDir
}

func (c cell) String() string {
	s := fmt.Sprintf("%s p%d %d client(s)", c.Kind.Name, c.Pattern, c.Clients)
	if c.Secure {
		s += " secure"
	}
	return s
}

// runResult is what one run of one transport in one cell measured.
type runResult struct {
	Window    time.Duration // the server's sending time
	Frames    []uint64      // frames each client received
	Bytes     uint64        // payload (and prefix, for TCP) bytes received in total
	ServerCPU time.Duration
	ClientCPU time.Duration // summed over clients
	ServerRSS int64         // KiB
	Err       error
}

// total is the number of frames delivered to all clients.
func (r runResult) total() uint64 {
	var n uint64
	for _, f := range r.Frames {
		n += f
	}
	return n
}

// summedFPS is frames delivered to all clients per second of the server's sending time.
func (r runResult) summedFPS() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.total()) / r.Window.Seconds()
}

// runner starts the processes of each transport.
type runner struct {
	bin    string // directory with picam-server and picam-client
	python string
	peer   string // netgear_peer.py
	self   string // this program, for the TCP roles
	pl     *payloads
	window time.Duration // how long servers send in throughput runs
	reg    *registry
	// certDir holds the CURVE keys (picam-server keys) for secure cells; made on first use.
	certDir string
}

const (
	readyLimit = 30 * time.Second // a loaded box can take seconds to start Python
	exitLimit  = 15 * time.Second
)

// The stderr lines that mark a process ready (clients) or about to send (servers). CPU used
// before them (start-up, imports, connecting) is left out of the CPU per frame.
const (
	picamReady = "picam-client listening"
	pyReady    = "READY bench-client"
	tcpReady   = "READY tcp-reader"
	pySending  = "bench: " // bench-server's info line just before its send loop
	tcpSending = "SENDING"
)

// run measures one transport in one cell once. Every wait is bounded; whatever is still
// running at the end is killed.
func (r *runner) run(tr transport, c cell) runResult {
	ports, err := testkit.FreePorts("127.0.0.1", c.Clients)
	if err != nil {
		return runResult{Err: err}
	}
	switch tr {
	case trPicam:
		return r.runPicam(c, ports, r.window, 0, nil)
	case trLibzmq:
		return r.runLibzmq(c, ports)
	case trTCP:
		return r.runTCP(c, ports)
	}
	return runResult{Err: fmt.Errorf("unknown transport %q", tr)}
}

// startClients starts one client per port with args(port) and waits for each readiness line.
func (r *runner) startClients(name, path, ready string, ports []int, args func(port int) []string) (group, error) {
	var g group
	for _, p := range ports {
		ch, err := r.reg.start(fmt.Sprintf("%s:%d", name, p), path, args(p), ready)
		if err != nil {
			g.stop()
			return nil, err
		}
		g = append(g, ch)
	}
	for _, ch := range g {
		if _, err := ch.WaitMark(ready, readyLimit); err != nil {
			g.stop()
			return nil, err
		}
	}
	return g, nil
}

// clientSummary holds the fields of picam-client's --json line the benchmark uses.
type clientSummary struct {
	Frames  uint64 `json:"frames"`
	Bytes   uint64 `json:"bytes"`
	Exit    string `json:"exit"`
	Latency *struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"latency_ms"`
}

// runPicam runs picam-server --source testcard (or the kind's moving source) at fps (0 = flat out) to picam-client processes
// for window. The sending window is from the server's "transmission starting" log line (its
// first send follows at once) to the SIGINT that starts its close. With lat, the clients'
// summaries are appended to it.
func (r *runner) runPicam(c cell, ports []int, window time.Duration, fps float64, lat *[]clientSummary) runResult {
	var secure []string
	if c.Secure {
		dir, err := r.keys()
		if err != nil {
			return runResult{Err: err}
		}
		secure = []string{"--secure-mode", "2", "--cert-dir", dir}
	}
	clients, err := r.startClients("picam-client", r.bin+"/picam-client", picamReady, ports, func(p int) []string {
		return append([]string{"--address", "127.0.0.1", "--port", strconv.Itoa(p), "--pattern", strconv.Itoa(c.Pattern),
			"--json", "--stats", "0", "--timeout", "10s", "--wait-limit", "60s"}, secure...)
	})
	if err != nil {
		return runResult{Err: err}
	}
	defer clients.stop()
	const started = "transmission starting"
	srv, err := r.reg.start("picam-server", r.bin+"/picam-server", append([]string{
		"--address", "127.0.0.1", "--ports", testkit.JoinPorts(ports), "--pattern", strconv.Itoa(c.Pattern),
		"--source", c.Kind.source(), "--codec", c.Kind.Codec, "--resolution", c.Kind.resolution(),
		"--framerate", strconv.FormatFloat(fps, 'f', -1, 64), "--json"}, secure...), started)
	if err != nil {
		return runResult{Err: err}
	}
	defer srv.Kill()
	t0, err := srv.WaitMark(started, readyLimit)
	if err != nil {
		return runResult{Err: err}
	}
	time.Sleep(time.Until(t0.Add(window)))
	t1 := time.Now()
	srv.Signal(syscall.SIGINT)
	res := runResult{Window: t1.Sub(t0)}
	if err := srv.wait(exitLimit); err != nil {
		res.Err = err
		return res
	}
	_, res.ServerRSS = srv.usage()
	res.ServerCPU = srv.cpuSince(started)
	for _, ch := range clients {
		var s clientSummary
		if err := ch.summary(exitLimit, &s); err != nil {
			res.Err = err
			return res
		}
		if s.Exit != "terminate" {
			res.Err = fmt.Errorf("%s ended with %q, not the server's terminate: %s", ch.Name, s.Exit, ch.tail())
		}
		res.ClientCPU += ch.cpuSince(picamReady)
		res.Frames = append(res.Frames, s.Frames)
		res.Bytes += s.Bytes
		if lat != nil {
			*lat = append(*lat, s)
		}
	}
	return res
}

// pySummary holds the fields of netgear_peer.py bench-server/bench-client JSON lines used here.
type pySummary struct {
	Frames  uint64  `json:"frames"`
	Bytes   uint64  `json:"bytes"`
	Seconds float64 `json:"seconds"`
	Exit    string  `json:"exit"`
	Errors  []any   `json:"errors"`
}

// runLibzmq runs netgear_peer.py bench-server (NetGear's sockets: REQ with REQ_RELAXED and
// REQ_CORRELATE, or PUB with HWM 1; one pre-built payload) to bench-client processes. The
// sending window is the server's own send loop time.
func (r *runner) runLibzmq(c cell, ports []int) runResult {
	limit := strconv.Itoa(int(r.window.Seconds()) + 40)
	clients, err := r.startClients("bench-client", r.python, pyReady, ports, func(p int) []string {
		return []string{r.peer, "bench-client", "--address", "127.0.0.1", "--port", strconv.Itoa(p),
			"--pattern", strconv.Itoa(c.Pattern), "--idle-timeout", "5", "--max-seconds", limit, "-q"}
	})
	if err != nil {
		return runResult{Err: err}
	}
	defer clients.stop()
	// Not -q: the server's "bench: ... payload" info line comes just before its send loop.
	args := []string{r.peer, "bench-server", "--address", "127.0.0.1", "--ports", testkit.JoinPorts(ports),
		"--pattern", strconv.Itoa(c.Pattern), "--seconds", strconv.FormatFloat(r.window.Seconds(), 'f', -1, 64),
		"--size", c.Kind.resolution(), "--max-seconds", limit}
	if c.Kind.Codec == "jpeg" {
		args = append(args, "--jpeg-file", r.pl.jpegFile)
	}
	srv, err := r.reg.start("bench-server", r.python, args, pySending)
	if err != nil {
		return runResult{Err: err}
	}
	defer srv.Kill()
	res := runResult{}
	var ss pySummary
	if err := srv.summary(r.window+readyLimit+exitLimit, &ss); err != nil {
		res.Err = err
		return res
	}
	res.Window = time.Duration(ss.Seconds * float64(time.Second))
	_, res.ServerRSS = srv.usage()
	res.ServerCPU = srv.cpuSince(pySending)
	for _, ch := range clients {
		var s pySummary
		if err := ch.summary(exitLimit, &s); err != nil {
			res.Err = err
			return res
		}
		res.ClientCPU += ch.cpuSince(pyReady)
		res.Frames = append(res.Frames, s.Frames)
		res.Bytes += s.Bytes
	}
	if ss.Exit != "seconds" {
		res.Err = fmt.Errorf("bench-server ended with %q: %v", ss.Exit, ss.Errors)
	}
	return res
}

// runTCP runs this program's tcp-writer to tcp-reader processes.
func (r *runner) runTCP(c cell, ports []int) runResult {
	clients, err := r.startClients("tcp-reader", r.self, tcpReady, ports, func(p int) []string {
		return []string{"tcp-reader", "--port", strconv.Itoa(p), "--pattern", strconv.Itoa(c.Pattern)}
	})
	if err != nil {
		return runResult{Err: err}
	}
	defer clients.stop()
	srv, err := r.reg.start("tcp-writer", r.self, []string{"tcp-writer", "--ports", testkit.JoinPorts(ports),
		"--pattern", strconv.Itoa(c.Pattern), "--prefix", strconv.Itoa(wirePrefix(c.Kind, c.Pattern)),
		"--payload", strconv.Itoa(r.pl.size[c.Kind.Name]), "--seconds", r.window.String()}, tcpSending)
	if err != nil {
		return runResult{Err: err}
	}
	defer srv.Kill()
	res := runResult{}
	var ws tcpWriterResult
	if err := srv.summary(r.window+readyLimit+exitLimit, &ws); err != nil {
		res.Err = err
		return res
	}
	res.Window = time.Duration(ws.Seconds * float64(time.Second))
	_, res.ServerRSS = srv.usage()
	res.ServerCPU = srv.cpuSince(tcpSending)
	if ws.Error != "" {
		res.Err = fmt.Errorf("tcp-writer: %s", ws.Error)
	}
	for _, ch := range clients {
		var s tcpReaderResult
		if err := ch.summary(exitLimit, &s); err != nil {
			res.Err = err
			return res
		}
		if s.Error != "" && res.Err == nil {
			res.Err = fmt.Errorf("%s: %s", ch.Name, s.Error)
		}
		res.ClientCPU += ch.cpuSince(tcpReady)
		res.Frames = append(res.Frames, s.Frames)
		res.Bytes += s.Bytes
	}
	return res
}

func splitPorts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("bad port %q in --ports", f)
		}
		out = append(out, p)
	}
	return out, nil
}
