package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// cellResult is the median of a cell's runs, per transport.
type cellResult struct {
	Cell cell
	By   map[transport]summaryStats
}

// summaryStats condenses a transport's runs in one cell.
type summaryStats struct {
	Runs      int
	OK        int
	Summed    float64 // median over runs of frames/s summed over clients
	PerClient float64 // Summed / clients
	MinClient float64 // the slowest client's frames/s in the median run
	Spread    string  // every run's summed frames/s, for the reader to judge the noise
	ServerUS  float64 // server CPU µs per delivered frame (median run)
	ClientUS  float64 // client CPU µs per received frame (median run)
	ServerRSS int64   // KiB, largest over runs
	MBps      float64 // delivered payload MB/s summed (median run)
	Errs      []string
}

// measureThroughput runs every cell: the transports back to back within each repetition, so
// that a change in the machine's load hits all of them alike.
func measureThroughput(r *runner, o *options, cells []cell, trs []string, log io.Writer) []cellResult {
	var out []cellResult
	for _, c := range cells {
		runs := o.runs
		if runs <= 0 {
			runs = 2
			if c == targetCell || c == movingCell {
				runs = 3
			}
			if o.quick {
				runs = 1
			}
		}
		all := map[transport][]runResult{}
		for i := 0; i < runs; i++ {
			for _, name := range trs {
				tr := transport(name)
				if tr == trLibzmq && c.Kind.Source != "" {
					continue // the stand-in has no moving source; picam vs plain TCP only
				}
				res := r.run(tr, c)
				if res.Err != nil {
					// One retry: a port taken between probe and bind, a process slow to start.
					fmt.Fprintf(log, "bench: %s %s run %d: %v; retrying once\n", tr, c, i+1, res.Err)
					res = r.run(tr, c)
				}
				all[tr] = append(all[tr], res)
				fmt.Fprintf(log, "bench: %-6s %-28s run %d: %7.0f frames/s summed over %v (load %s)\n",
					tr, c, i+1, res.summedFPS(), res.Window.Round(time.Millisecond), loadAvg())
				noteLoad("throughput")
			}
		}
		cr := cellResult{Cell: c, By: map[transport]summaryStats{}}
		for tr, rs := range all {
			cr.By[tr] = condense(c, rs)
		}
		out = append(out, cr)
	}
	return out
}

// condense takes the median run (by summed frames/s) of the successful ones.
func condense(c cell, rs []runResult) summaryStats {
	st := summaryStats{Runs: len(rs)}
	var ok []runResult
	var spread []string
	for _, r := range rs {
		if r.Err != nil {
			st.Errs = append(st.Errs, r.Err.Error())
			spread = append(spread, "fail")
			continue
		}
		ok = append(ok, r)
		spread = append(spread, strconv.Itoa(int(r.summedFPS()+0.5)))
		st.ServerRSS = max(st.ServerRSS, r.ServerRSS)
	}
	st.OK = len(ok)
	st.Spread = fmt.Sprint(spread)
	if len(ok) == 0 {
		return st
	}
	slices.SortFunc(ok, func(a, b runResult) int {
		switch {
		case a.summedFPS() < b.summedFPS():
			return -1
		case a.summedFPS() > b.summedFPS():
			return 1
		}
		return 0
	})
	med := medianRun(ok)
	st.Summed = medianFPS(ok)
	st.PerClient = st.Summed / float64(c.Clients)
	if len(med.Frames) > 0 {
		st.MinClient = float64(slices.Min(med.Frames)) / med.Window.Seconds()
	}
	if n := med.total(); n > 0 {
		st.ServerUS = float64(med.ServerCPU.Microseconds()) / float64(n)
		st.ClientUS = float64(med.ClientCPU.Microseconds()) / float64(n)
	}
	st.MBps = float64(med.Bytes) / med.Window.Seconds() / 1e6
	return st
}

// medianFPS is the median of sorted runs' summed frames/s (the mean of the middle two for an
// even count).
func medianFPS(sorted []runResult) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2].summedFPS()
	}
	return (sorted[n/2-1].summedFPS() + sorted[n/2].summedFPS()) / 2
}

// medianRun is the run whose details stand for the cell: the middle one, or the lower middle.
func medianRun(sorted []runResult) runResult { return sorted[(len(sorted)-1)/2] }

// latencyResult is one 30 fps latency run of picam, with the libzmq stand-in's latency in the
// same cell for comparison.
type latencyResult struct {
	Cell      cell
	P50, P99  float64 // ms: the median client's p50, the worst client's p99
	ZmqP50    float64 // the libzmq stand-in, same definitions; -1 when not measured
	ZmqP99    float64
	ZmqErr    error
	Frames    uint64  // received by all clients
	ServerPct float64 // server CPU, % of one core over the run
	ClientPct float64 // mean client CPU, % of one core
	ServerUS  float64 // server CPU µs per delivered frame
	ClientUS  float64 // client CPU µs per received frame
	Err       error
}

// measureLatency runs picam at 30 fps, raw 640x480, patterns 1 and 2, 1 and 4 clients.
func measureLatency(r *runner, o *options, log io.Writer) []latencyResult {
	var out []latencyResult
	for _, p := range []int{1, 2} {
		for _, n := range []int{1, 4} {
			c := cell{Kind: raw640, Pattern: p, Clients: n}
			lr := latencyOnce(r, c, o.latWindow)
			if lr.Err != nil {
				fmt.Fprintf(log, "bench: latency %s: %v; retrying once\n", c, lr.Err)
				lr = latencyOnce(r, c, o.latWindow)
			}
			lr.ZmqP50, lr.ZmqP99, lr.ZmqErr = r.libzmqLatency(c, o.latWindow)
			fmt.Fprintf(log, "bench: latency %-28s p50 %.2f ms p99 %.2f ms; libzmq p50 %.2f p99 %.2f (load %s)\n",
				c, lr.P50, lr.P99, lr.ZmqP50, lr.ZmqP99, loadAvg())
			noteLoad("latency")
			out = append(out, lr)
		}
	}
	return out
}

func latencyOnce(r *runner, c cell, window time.Duration) latencyResult {
	lr := latencyResult{Cell: c}
	ports, err := testkit.FreePorts("127.0.0.1", c.Clients)
	if err != nil {
		lr.Err = err
		return lr
	}
	var sums []clientSummary
	res := r.runPicam(c, ports, window, 30, &sums)
	if res.Err != nil {
		lr.Err = res.Err
		return lr
	}
	var p50s []float64
	for _, s := range sums {
		if s.Latency == nil {
			lr.Err = fmt.Errorf("a client reported no latency (no picam header timestamps)")
			return lr
		}
		p50s = append(p50s, s.Latency.P50)
		lr.P99 = max(lr.P99, s.Latency.P99)
	}
	slices.Sort(p50s)
	lr.P50 = p50s[len(p50s)/2]
	lr.Frames = res.total()
	// CPU is counted from the server's first send (clients: from listening) to exit, a little
	// longer than the window, so the percentages are slightly pessimistic.
	lr.ServerPct = 100 * res.ServerCPU.Seconds() / res.Window.Seconds()
	lr.ClientPct = 100 * res.ClientCPU.Seconds() / float64(c.Clients) / res.Window.Seconds()
	if lr.Frames > 0 {
		lr.ServerUS = float64(res.ServerCPU.Microseconds()) / float64(lr.Frames)
		lr.ClientUS = float64(res.ClientCPU.Microseconds()) / float64(lr.Frames)
	}
	return lr
}

// libzmqLatency runs the stand-in at 30 fps with picam's header timestamps (bench-server
// --picam-header) and returns the median client's p50 and the worst client's p99, in ms.
func (r *runner) libzmqLatency(c cell, window time.Duration) (p50, p99 float64, err error) {
	ports, err := testkit.FreePorts("127.0.0.1", c.Clients)
	if err != nil {
		return -1, -1, err
	}
	limit := strconv.Itoa(int(window.Seconds()) + 40)
	clients, err := r.startClients("bench-client", r.python, pyReady, ports, func(p int) []string {
		return []string{r.peer, "bench-client", "--address", "127.0.0.1", "--port", strconv.Itoa(p),
			"--pattern", strconv.Itoa(c.Pattern), "--idle-timeout", "5", "--max-seconds", limit, "-q"}
	})
	if err != nil {
		return -1, -1, err
	}
	defer clients.stop()
	srv, err := r.reg.start("bench-server", r.python, []string{r.peer, "bench-server", "--address", "127.0.0.1",
		"--ports", testkit.JoinPorts(ports), "--pattern", strconv.Itoa(c.Pattern), "--fps", "30", "--picam-header",
		"--seconds", strconv.FormatFloat(window.Seconds(), 'f', -1, 64), "--size", c.Kind.resolution(),
		"--max-seconds", limit, "-q"})
	if err != nil {
		return -1, -1, err
	}
	defer srv.Kill()
	if err := srv.wait(window + readyLimit + exitLimit); err != nil {
		return -1, -1, err
	}
	var p50s []float64
	for _, ch := range clients {
		if err := ch.wait(exitLimit); err != nil {
			return -1, -1, err
		}
		var s struct {
			Latency *struct {
				P50 float64 `json:"p50"`
				P99 float64 `json:"p99"`
			} `json:"latency_ms"`
		}
		if err := ch.JSONLine(&s); err != nil {
			return -1, -1, err
		}
		if s.Latency == nil {
			return -1, -1, fmt.Errorf("%s reported no latency", ch.Name)
		}
		p50s = append(p50s, s.Latency.P50)
		p99 = max(p99, s.Latency.P99)
	}
	slices.Sort(p50s)
	return p50s[len(p50s)/2], p99, nil
}

// idleResult is an idle picam-client's CPU use.
type idleResult struct {
	Watched   time.Duration // from one second after it was listening to the end
	SteadyCPU time.Duration // CPU in that time (all threads, from /proc schedstat)
	Pct       float64       // SteadyCPU as % of one core
	TotalCPU  time.Duration // the whole process, start-up included (rusage)
	Lifetime  time.Duration
	Err       error
}

// measureIdle starts a picam-client with no server and measures its CPU while idle. Start-up
// (Go runtime, binding) is reported separately: it is a one-off, not an idle cost.
func measureIdle(r *runner, o *options) idleResult {
	ports, err := testkit.FreePorts("127.0.0.1", 1)
	if err != nil {
		return idleResult{Err: err}
	}
	ch, err := r.reg.start("picam-client (idle)", r.bin+"/picam-client", []string{"--address", "127.0.0.1",
		"--port", strconv.Itoa(ports[0]), "--pattern", "2"}, picamReady)
	if err != nil {
		return idleResult{Err: err}
	}
	defer ch.Kill()
	start := time.Now()
	if _, err := ch.WaitMark(picamReady, readyLimit); err != nil {
		return idleResult{Err: err}
	}
	time.Sleep(time.Second)
	pid := ch.Cmd.Process.Pid
	cpu0, err := processRunTime(pid)
	if err != nil {
		return idleResult{Err: err}
	}
	t0 := time.Now()
	time.Sleep(o.idle)
	cpu1, err := processRunTime(pid)
	if err != nil {
		return idleResult{Err: err}
	}
	res := idleResult{Watched: time.Since(t0), SteadyCPU: cpu1 - cpu0}
	res.Pct = 100 * res.SteadyCPU.Seconds() / res.Watched.Seconds()
	ch.Signal(syscall.SIGINT)
	if err := ch.wait(exitLimit); err != nil {
		res.Err = err
		return res
	}
	res.TotalCPU, _ = ch.usage()
	res.Lifetime = ch.Exited().Sub(start)
	return res
}

// processRunTime is the CPU time of all of a process's threads so far, in nanoseconds from
// /proc/PID/task/*/schedstat (exact, unlike the 10 ms ticks of /proc/PID/stat).
func processRunTime(pid int) (time.Duration, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, fmt.Errorf("read the threads of process %d: %w", pid, err)
	}
	var total time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse schedstat %q: %w", b, err)
		}
		total += time.Duration(ns)
	}
	return total, nil
}
