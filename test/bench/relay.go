package main

// bench relay (make bench runs it): does publishing to a relay keep the Pi's load flat? The
// relay is nginx with Debian's RTMP module on loopback; its readers are RTMP players in this
// process (gortmplib), picam's own RTSP server's are ffmpeg processes copying the stream without
// decoding it. picam-server's CPU time per second of wall time is
// read from /proc (processRunTime) over the same window in every scenario:
//
//	publish → nginx, 1 reader    the baseline
//	publish → nginx, 32 readers  target: within 10 % of the baseline
//	picam's own RTSP, 8 clients  vs
//	publish → nginx, 8 readers   the Pi-side ratio (the Pi serves 8, or sends once)
//
// picam-server runs the test card (--source testcard: one 1280x720 picture encoded once by
// OpenH264 and sent 30 times a second), so the figures are the outputs' cost, not the
// encoder's, which is the same in every scenario. On a machine with two cores or more,
// picam-server runs on core 0 and nginx and the readers on core 1 (taskset), as if the relay
// were another machine: unpinned, 32 busy readers slow picam's own core and inflate its CPU
// time (measured x1.43 for the same work).

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/message"

	"github.com/picam-project/picam/internal/testkit"
)

// relayScenario is one measured configuration.
type relayScenario struct {
	name    string
	readers int
	rtsp    bool // readers pull picam's own RTSP server instead of the relay
}

// relayResult is one scenario's measurement.
type relayResult struct {
	cpu       time.Duration // picam-server's CPU time per second
	nginxCPU  time.Duration // nginx's (0 when it is not used)
	minFrames int           // the fewest frames a reader got in the window
	err       error
}

func runRelay(args []string, stdout, stderr io.Writer) int {
	window, rounds := 10*time.Second, 2
	if len(args) > 0 && args[0] == "--quick" {
		window, rounds = 3*time.Second, 1
	}
	if err := testkit.RequireNginxRTMP(); err != nil {
		fmt.Fprintln(stderr, "bench relay:", err)
		return 1
	}
	server, err := testkit.Binary("picam-server-openh264", testkit.Build{Pkg: "./cmd/picam-server", Tags: "openh264", Env: []string{"CGO_ENABLED=1"}})
	if err != nil {
		fmt.Fprintf(stderr, "bench relay: building picam-server with -tags openh264 (apt-get install libopenh264-dev gcc): %v\n", err)
		return 1
	}
	defer testkit.RemoveBinaries()
	// With two cores or more, picam-server runs on core 0 and nginx and its readers on core
	// 1 (taskset), as if the relay were another machine.
	_, tsErr := exec.LookPath("taskset")
	pinned := runtime.NumCPU() >= 2 && tsErr == nil
	if pinned {
		// This process (the RTMP readers) on core 1 too; every thread, and those it makes.
		if err := exec.Command("taskset", "-a", "-p", "-c", "1", strconv.Itoa(os.Getpid())).Run(); err != nil {
			fmt.Fprintln(stderr, "bench relay: taskset:", err)
			pinned = false
		}
	}
	scenarios := []relayScenario{
		{"publish → nginx, 1 reader", 1, false},
		{"publish → nginx, 32 readers", 32, false},
		{"picam RTSP, 8 clients", 8, true},
		{"publish → nginx, 8 readers", 8, false},
	}
	// Every scenario once per round, the rounds one after the other, so that a change in the
	// machine's other load falls on all of them; the mean of the rounds is shown.
	res := make([]relayResult, len(scenarios))
	for round := range rounds {
		for i, s := range scenarios {
			fmt.Fprintf(stderr, "bench relay: round %d: %s ...\n", round+1, s.name)
			r := measureRelay(server, s, window, pinned)
			if r.err != nil {
				fmt.Fprintf(stderr, "bench relay: %s: %v\n", s.name, r.err)
				return 1
			}
			res[i].cpu += r.cpu / time.Duration(rounds)
			res[i].nginxCPU += r.nginxCPU / time.Duration(rounds)
			if round == 0 || r.minFrames < res[i].minFrames {
				res[i].minFrames = r.minFrames
			}
		}
	}
	where := "all on the same cores"
	if pinned {
		where = "picam on core 0, nginx and the readers on core 1"
	}
	fmt.Fprintf(stdout, "\nPublishing to a relay (nginx-rtmp on loopback, %s; test card 1280x720 H.264 30 fps; readers not decoding; %v windows, mean of %d rounds)\n", where, window, rounds)
	fmt.Fprintf(stdout, "%-30s %16s %16s %18s\n", "scenario", "picam CPU ms/s", "nginx CPU ms/s", "frames per reader")
	for i, s := range scenarios {
		ng := "-"
		if !s.rtsp {
			ng = fmt.Sprintf("%.1f", ms(res[i].nginxCPU))
		}
		fmt.Fprintf(stdout, "%-30s %16.1f %16s %18s\n", s.name, ms(res[i].cpu), ng, ">= "+strconv.Itoa(res[i].minFrames))
	}
	flat := float64(res[1].cpu) / float64(res[0].cpu)
	verdict := "PASS"
	switch {
	case flat > 1.10:
		verdict = "MISS (higher)"
	case flat < 0.90:
		verdict = "MISS (lower: not a load that grows with the readers)"
	}
	fmt.Fprintf(stdout, "32 readers vs 1 on the relay: picam CPU x%.2f (target within 10 %%) %s\n", flat, verdict)
	fmt.Fprintf(stdout, "8 RTSP clients on picam vs publishing once to the relay serving 8: picam CPU x%.2f\n",
		float64(res[2].cpu)/float64(res[3].cpu))
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measureRelay runs one scenario: picam-server, nginx when publishing, the readers; it waits
// until every reader has frames, then reads the CPU times over window.
func measureRelay(server string, s relayScenario, window time.Duration, pinned bool) relayResult {
	dir, err := os.MkdirTemp("", "picam-bench-relay")
	if err != nil {
		return relayResult{err: err}
	}
	defer os.RemoveAll(dir)
	ports, err := testkit.FreePorts("127.0.0.1", 1)
	if err != nil {
		return relayResult{err: err}
	}
	args := []string{"--source", "testcard", "--codec", "h264", "--resolution", "1280x720", "--framerate", "30", "--status-led", "none"}
	var url string
	var relay *testkit.NginxRTMP
	if s.rtsp {
		args = append(args, "--rtsp", fmt.Sprintf("127.0.0.1:%d", ports[0]))
		url = fmt.Sprintf("rtsp://127.0.0.1:%d/cam", ports[0])
	} else {
		relay = &testkit.NginxRTMP{Dir: filepath.Join(dir, "nginx"), Port: ports[0]}
		os.MkdirAll(relay.Dir, 0o755)
		if err := relay.Start(); err != nil {
			return relayResult{err: err}
		}
		defer relay.Kill()
		url = fmt.Sprintf("rtmp://127.0.0.1:%d/live/cam", ports[0])
		args = append(args, "--publish", url)
	}
	if relay != nil && pinned {
		// The relay and its readers on the second core, picam on the first (below): on a Pi
		// the relay runs on another machine, and here its load must not slow picam's core.
		exec.Command("taskset", "-a", "-p", "-c", "1", strconv.Itoa(relay.Pid())).Run()
	}
	cmd := exec.Command(server, args...)
	if pinned {
		cmd = exec.Command("taskset", append([]string{"-c", "0", server}, args...)...)
	}
	srv, err := testkit.Start(cmd, testkit.Options{Name: "picam-server"})
	if err != nil {
		return relayResult{err: err}
	}
	defer srv.Stop(5 * time.Second)
	if s.rtsp {
		if err := testkit.WaitListening(10*time.Second, ports[0]); err != nil {
			return relayResult{err: err}
		}
	} else {
		time.Sleep(time.Second) // publishing: the relay has the stream before the readers come
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readers := make([]reader, s.readers)
	for i := range readers {
		if !s.rtsp {
			// The relay's readers are RTMP players in this process (gortmplib), a goroutine
			// each: 32 ffmpeg processes would need more than the one core they get here.
			if readers[i], err = startRTMPReader(ctx, url); err != nil {
				return relayResult{err: err}
			}
			continue
		}
		in := []string{"-nostdin", "-v", "error", "-rtsp_transport", "tcp",
			"-i", url, "-c", "copy", "-f", "null", "-progress", "pipe:1", "-"}
		if pinned {
			in = append([]string{"-c", "1", "ffmpeg"}, in...)
		}
		if readers[i], err = startRelayReader(ctx, pinned, in); err != nil {
			return relayResult{err: err}
		}
	}
	defer func() {
		cancel()
		for _, r := range readers {
			r.wait()
		}
	}()
	// Every reader receiving before the window opens.
	deadline := time.Now().Add(30 * time.Second)
	for _, r := range readers {
		for r.frames() == 0 {
			if time.Now().After(deadline) {
				return relayResult{err: fmt.Errorf("a reader of %s got no frame in 30 s: %s", url, r.stderr())}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	time.Sleep(time.Second)
	before := make([]int, len(readers))
	for i, r := range readers {
		before[i] = r.frames()
	}
	pid := srv.Cmd.Process.Pid
	cpu0, err := processRunTime(pid)
	if err != nil {
		return relayResult{err: err}
	}
	var ng0 time.Duration
	if relay != nil {
		ng0, _ = processRunTime(relay.Pid())
	}
	start := time.Now()
	time.Sleep(window)
	cpu1, err := processRunTime(pid)
	if err != nil {
		return relayResult{err: err}
	}
	elapsed := time.Since(start)
	res := relayResult{cpu: time.Duration(float64(cpu1-cpu0) / elapsed.Seconds()), minFrames: -1}
	if relay != nil {
		ng1, _ := processRunTime(relay.Pid())
		res.nginxCPU = time.Duration(float64(ng1-ng0) / elapsed.Seconds())
	}
	for i, r := range readers {
		// -progress reports every 0.5 s: the count may lag the window by that much.
		n := r.frames() - before[i]
		if res.minFrames < 0 || n < res.minFrames {
			res.minFrames = n
		}
	}
	if want := int(window.Seconds()*30*0.8) - 15; res.minFrames < want {
		res.err = fmt.Errorf("a reader got only %d frames in %v (want at least %d): the run is not valid", res.minFrames, window, want)
	}
	return res
}

// reader is one player of the stream, counting the pictures it receives.
type reader interface {
	frames() int
	stderr() string
	wait()
}

// rtmpReader plays the stream from the relay over RTMP and counts its video messages.
type rtmpReader struct {
	n    atomic.Int64
	mu   sync.Mutex
	err  error
	done chan struct{}
}

func startRTMPReader(ctx context.Context, raw string) (*rtmpReader, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	// gortmplib's form: the app is the path, the stream name the fragment.
	i := strings.LastIndex(u.Path, "/")
	u.Path, u.Fragment = u.Path[:i], u.Path[i+1:]
	c := &gortmplib.Client{URL: u}
	if err := c.Initialize(ctx); err != nil {
		return nil, fmt.Errorf("playing %s: %w", raw, err)
	}
	r := &rtmpReader{done: make(chan struct{})}
	context.AfterFunc(ctx, c.Close)
	go func() {
		defer close(r.done)
		for {
			msg, err := c.Read()
			if err != nil {
				r.mu.Lock()
				r.err = err
				r.mu.Unlock()
				return
			}
			if v, ok := msg.(*message.Video); ok && v.Type == message.VideoTypeAU {
				r.n.Add(1)
			}
		}
	}()
	return r, nil
}

func (r *rtmpReader) frames() int { return int(r.n.Load()) }

func (r *rtmpReader) stderr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		return ""
	}
	return r.err.Error()
}

func (r *rtmpReader) wait() { <-r.done }

// relayReader is one ffmpeg reader; it parses -progress's frame= lines.
type relayReader struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	n    int
	errb testkit.Buffer
	done chan struct{}
}

func startRelayReader(ctx context.Context, pinned bool, args []string) (*relayReader, error) {
	prog := "ffmpeg"
	if pinned {
		prog = "taskset"
	}
	r := &relayReader{cmd: exec.CommandContext(ctx, prog, args...), done: make(chan struct{})}
	r.errb.Limit = 4096
	r.cmd.Stderr = &r.errb
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %w (apt-get install ffmpeg)", err)
	}
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "frame="); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					r.mu.Lock()
					r.n = n
					r.mu.Unlock()
				}
			}
		}
		r.cmd.Wait()
	}()
	return r, nil
}

func (r *relayReader) frames() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

func (r *relayReader) stderr() string { return r.errb.String() }

func (r *relayReader) wait() { <-r.done }
