package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// The outputs section (issue 18): what one more RTSP session costs picam-server compared with
// one more NetGear client, for the same JPEG frames from the same fan-out.

// outputsGoal is the most an RTSP session may cost the server per delivered frame, as a
// multiple of a NetGear client's cost.
const outputsGoal = 1.5

// outputsFPS and outputsSize are the stream of the outputs runs: the test card (encoded once,
// so the server's CPU is the outputs' work) at a camera's rate.
const (
	outputsFPS  = 30
	outputsSize = "640x480"
)

// outputsRun is one server run with n consumers of one kind.
type outputsRun struct {
	Kind   string // "rtsp", "netgear", or "none" (the server alone: the baseline)
	N      int
	Window time.Duration
	CPU    time.Duration // the server's CPU time over the window
	Frames uint64        // frames the server delivered to the consumers over the window
	Err    error
}

func (o outputsRun) fps() float64 { return float64(o.Frames) / o.Window.Seconds() }

// cpuPerFrame is the server's CPU per delivered frame, less base (the CPU per second it
// spends with no consumer); 0 when nothing was delivered.
func (o outputsRun) cpuPerFrame(base float64) time.Duration {
	if o.Frames == 0 {
		return 0
	}
	spent := o.CPU.Seconds() - base*o.Window.Seconds()
	return time.Duration(spent / float64(o.Frames) * float64(time.Second))
}

// measureOutputs runs, for each client count, the server with n RTSP sessions and with n
// picam-client NetGear clients (pattern 2), one after the other, plus a baseline with no
// consumer; it prints the table and reports how many runs failed.
func measureOutputs(r *runner, o *options, w, log io.Writer) (failed int) {
	counts := []int{1, 4, 16}
	window := 5 * time.Second
	if o.quick {
		counts, window = []int{1, 4}, 2*time.Second
	}
	load0 := loadAvg()
	base := r.outputsRun("none", 0, window)
	if base.Err != nil {
		fmt.Fprintf(log, "bench: outputs baseline: %v\n", base.Err)
		failed++
	}
	baseCPU := base.CPU.Seconds() / base.Window.Seconds()
	type pair struct{ ng, rtsp outputsRun }
	var rows []pair
	for _, n := range counts {
		var p pair
		p.ng = r.outputsRun("netgear", n, window)
		p.rtsp = r.outputsRun("rtsp", n, window)
		for _, x := range []outputsRun{p.ng, p.rtsp} {
			if x.Err != nil {
				fmt.Fprintf(log, "bench: outputs %s %d: %v\n", x.Kind, x.N, x.Err)
				failed++
			}
		}
		rows = append(rows, p)
	}
	fmt.Fprintf(w, "\nOutputs: server CPU per delivered frame, RTSP sessions vs NetGear clients (issue 18)\n")
	fmt.Fprintf(w, "  picam-server --source testcard --codec jpeg --resolution %s --framerate %d; per run either N RTSP\n", outputsSize, outputsFPS)
	fmt.Fprintf(w, "  sessions (RTP/TCP interleaved, read by this program) or N picam-clients (NetGear pattern 2), %v each.\n", window)
	fmt.Fprintf(w, "  CPU: the server's threads over the window (/proc/PID/task/*/schedstat); frames: /api/clients frames_sent.\n")
	fmt.Fprintf(w, "  Baseline (no consumer): %.2f%% of a core, subtracted before dividing by the frames delivered.\n", 100*baseCPU)
	fmt.Fprintf(w, "  load avg %s at the start of the section, %s at its end (1/5/15 min).\n", load0, loadAvg())
	fmt.Fprintf(w, "%4s | %22s | %22s | %s\n", "N", "NetGear fps / µs/frame", "RTSP fps / µs/frame", "RTSP/NetGear")
	worst := 0.0
	for _, p := range rows {
		cell := func(x outputsRun) string {
			if x.Err != nil {
				return "failed"
			}
			return fmt.Sprintf("%6.0f / %6.1f", x.fps(), float64(x.cpuPerFrame(baseCPU))/float64(time.Microsecond))
		}
		ratio := "-"
		if p.ng.Err == nil && p.rtsp.Err == nil && p.ng.cpuPerFrame(baseCPU) > 0 {
			q := float64(p.rtsp.cpuPerFrame(baseCPU)) / float64(p.ng.cpuPerFrame(baseCPU))
			ratio = fmt.Sprintf("%.2f×", q)
			worst = max(worst, q)
		}
		fmt.Fprintf(w, "%4d | %22s | %22s | %s\n", p.ng.N, cell(p.ng), cell(p.rtsp), ratio)
	}
	check := map[bool]string{true: "PASS", false: "MISS"}[worst <= outputsGoal && failed == 0]
	fmt.Fprintf(w, "  %s an RTSP session costs the server ≤ %.1f× a NetGear client per delivered frame: worst %.2f×\n", check, outputsGoal, worst)
	return failed
}

// outputsRun runs the server with n consumers of kind and measures it over window, after a
// second for every consumer to be receiving.
func (r *runner) outputsRun(kind string, n int, window time.Duration) outputsRun {
	res := outputsRun{Kind: kind, N: n}
	ports, err := testkit.FreePorts("127.0.0.1", n+2)
	if err != nil {
		res.Err = err
		return res
	}
	rtspAddr, httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[n]), fmt.Sprintf("127.0.0.1:%d", ports[n+1])
	args := []string{"--source", "testcard", "--codec", "jpeg", "--resolution", outputsSize, "--framerate", strconv.Itoa(outputsFPS),
		"--status-led", "none", "--http", httpAddr}
	if kind == "netgear" {
		clients, err := r.startClients("picam-client", r.bin+"/picam-client", picamReady, ports[:n], func(p int) []string {
			return []string{"--address", "127.0.0.1", "--port", strconv.Itoa(p), "--pattern", "2", "--json", "--stats", "0",
				"--timeout", "10s", "--wait-limit", "60s"}
		})
		if err != nil {
			res.Err = err
			return res
		}
		defer clients.stop()
		args = append(args, "--address", "127.0.0.1", "--ports", testkit.JoinPorts(ports[:n]), "--pattern", "2")
	} else {
		args = append(args, "--rtsp", rtspAddr)
	}
	const started = "picam-server started"
	srv, err := r.reg.start("picam-server", r.bin+"/picam-server", args, started)
	if err != nil {
		res.Err = err
		return res
	}
	defer srv.Kill()
	if _, err := srv.WaitMark(started, readyLimit); err != nil {
		res.Err = err
		return res
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	if kind == "rtsp" {
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				if err := readRTSP(ctx, rtspAddr); err != nil && ctx.Err() == nil {
					errs <- err
				}
			})
		}
		defer func() {
			select {
			case err := <-errs:
				if res.Err == nil {
					res.Err = fmt.Errorf("an RTSP reader: %w", err)
				}
			default:
			}
		}()
	}
	time.Sleep(time.Second)
	pid := srv.Cmd.Process.Pid
	cpu0, err0 := processRunTime(pid)
	f0, n0, err1 := deliveredFrames(httpAddr)
	t0 := time.Now()
	time.Sleep(window)
	cpu1, err2 := processRunTime(pid)
	f1, n1, err3 := deliveredFrames(httpAddr)
	res.Window = time.Since(t0)
	for _, err := range []error{err0, err1, err2, err3} {
		if err != nil && res.Err == nil {
			res.Err = err
		}
	}
	res.CPU, res.Frames = cpu1-cpu0, f1-f0
	if res.Err == nil && (n0 != n || n1 != n) {
		res.Err = fmt.Errorf("%d and %d %s consumers listed in /api/clients, want %d", n0, n1, kind, n)
	}
	cancel()
	srv.Signal(syscall.SIGINT)
	if err := srv.wait(exitLimit); err != nil && res.Err == nil {
		res.Err = err
	}
	return res
}

// deliveredFrames sums frames_sent over the NetGear clients and RTSP sessions in the server's
// /api/clients, and counts the consumers that got any.
func deliveredFrames(httpAddr string) (frames uint64, consumers int, err error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + httpAddr + "/api/clients")
	if err != nil {
		return 0, 0, fmt.Errorf("/api/clients: %w", err)
	}
	defer resp.Body.Close()
	var st struct {
		Clients []struct {
			Frames uint64 `json:"frames_sent"`
		} `json:"clients"`
		RTSP []struct {
			Frames uint64 `json:"frames_sent"`
		} `json:"rtsp"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, 0, fmt.Errorf("/api/clients: %w", err)
	}
	for _, x := range st.Clients {
		frames += x.Frames
		consumers += min(1, int(x.Frames))
	}
	for _, x := range st.RTSP {
		frames += x.Frames
		consumers += min(1, int(x.Frames))
	}
	return frames, consumers, nil
}

// readRTSP plays rtsp://addr/cam over TCP interleaved and reads (and drops) its packets until
// ctx ends: the lightest possible RTSP player, so the run measures the server.
func readRTSP(ctx context.Context, addr string) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	br := bufio.NewReaderSize(nc, 64<<10)
	url := "rtsp://" + addr + "/cam"
	cseq := 0
	request := func(method, uri string, headers ...string) (map[string]string, error) {
		cseq++
		req := fmt.Sprintf("%s %s RTSP/1.0\r\nCSeq: %d\r\n%s\r\n", method, uri, cseq, strings.Join(append(headers, ""), "\r\n"))
		if _, err := io.WriteString(nc, req); err != nil {
			return nil, err
		}
		status, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if !strings.Contains(status, " 200 ") {
			return nil, fmt.Errorf("%s: %s", method, strings.TrimSpace(status))
		}
		h := map[string]string{}
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return nil, err
			}
			l = strings.TrimSpace(l)
			if l == "" {
				break
			}
			k, v, _ := strings.Cut(l, ":")
			h[strings.ToLower(k)] = strings.TrimSpace(v)
		}
		if cl, _ := strconv.Atoi(h["content-length"]); cl > 0 {
			if _, err := br.Discard(cl); err != nil {
				return nil, err
			}
		}
		return h, nil
	}
	if _, err := request("DESCRIBE", url, "Accept: application/sdp"); err != nil {
		return err
	}
	h, err := request("SETUP", url+"/trackID=0", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	if err != nil {
		return err
	}
	session, _, _ := strings.Cut(h["session"], ";")
	if _, err := request("PLAY", url, "Session: "+session); err != nil {
		return err
	}
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return err
		}
		if hdr[0] != '$' {
			return fmt.Errorf("expected an interleaved frame, got %q", hdr[0])
		}
		if _, err := br.Discard(int(binary.BigEndian.Uint16(hdr[2:]))); err != nil {
			return err
		}
	}
}
