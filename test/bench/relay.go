package main

// bench relay (make bench runs it): does publishing to a relay keep the Pi's load flat? The
// relay is nginx with Debian's RTMP module on loopback; the readers are ffmpeg processes that
// copy the stream without decoding it. picam-server's CPU time per second of wall time is
// read from /proc (processRunTime) over the same window in every scenario:
//
//	publish → nginx, 1 reader    the baseline
//	publish → nginx, 32 readers  target: within 10 % of the baseline
//	picam's own RTSP, 8 clients  vs
//	publish → nginx, 8 readers   the Pi-side ratio (the Pi serves 8, or sends once)
//
// picam-server runs the test card (--source testcard: one 640x480 picture encoded once by
// OpenH264 and sent 30 times a second), so the figures are the outputs' cost, not the
// encoder's, which is the same in every scenario.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

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
	cpuPerSec time.Duration // picam-server's CPU time per second
	nginxPerS time.Duration // nginx's (0 when it is not used)
	minFrames int           // the fewest frames a reader got in the window
	err       error
}

func runRelay(args []string, stdout, stderr io.Writer) int {
	window := 10 * time.Second
	if len(args) > 0 && args[0] == "--quick" {
		window = 3 * time.Second
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
	scenarios := []relayScenario{
		{"publish → nginx, 1 reader", 1, false},
		{"publish → nginx, 32 readers", 32, false},
		{"picam RTSP, 8 clients", 8, true},
		{"publish → nginx, 8 readers", 8, false},
	}
	res := make([]relayResult, len(scenarios))
	for i, s := range scenarios {
		fmt.Fprintf(stderr, "bench relay: %s ...\n", s.name)
		res[i] = measureRelay(server, s, window)
		if res[i].err != nil {
			fmt.Fprintf(stderr, "bench relay: %s: %v\n", s.name, res[i].err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "\nPublishing to a relay (nginx-rtmp on loopback; test card 640x480 H.264 30 fps; ffmpeg readers copying; %v window)\n", window)
	fmt.Fprintf(stdout, "%-30s %16s %16s %18s\n", "scenario", "picam CPU ms/s", "nginx CPU ms/s", "frames per reader")
	for i, s := range scenarios {
		ng := "-"
		if !s.rtsp {
			ng = fmt.Sprintf("%.1f", ms(res[i].nginxPerS))
		}
		fmt.Fprintf(stdout, "%-30s %16.1f %16s %18s\n", s.name, ms(res[i].cpuPerSec), ng, ">= "+strconv.Itoa(res[i].minFrames))
	}
	flat := float64(res[1].cpuPerSec) / float64(res[0].cpuPerSec)
	verdict := "PASS"
	if flat > 1.10 || flat < 0.90 {
		verdict = "MISS"
	}
	fmt.Fprintf(stdout, "32 readers vs 1 on the relay: picam CPU x%.2f (target within 10 %%) %s\n", flat, verdict)
	fmt.Fprintf(stdout, "8 RTSP clients on picam vs publishing once to the relay serving 8: picam CPU x%.2f\n",
		float64(res[2].cpuPerSec)/float64(res[3].cpuPerSec))
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measureRelay runs one scenario: picam-server, nginx when publishing, the readers; it waits
// until every reader has frames, then reads the CPU times over window.
func measureRelay(server string, s relayScenario, window time.Duration) relayResult {
	dir, err := os.MkdirTemp("", "picam-bench-relay")
	if err != nil {
		return relayResult{err: err}
	}
	defer os.RemoveAll(dir)
	ports, err := testkit.FreePorts("127.0.0.1", 1)
	if err != nil {
		return relayResult{err: err}
	}
	args := []string{"--source", "testcard", "--codec", "h264", "--resolution", "640x480", "--framerate", "30", "--status-led", "none"}
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
	srv, err := testkit.Start(exec.Command(server, args...), testkit.Options{Name: "picam-server"})
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
	readers := make([]*relayReader, s.readers)
	for i := range readers {
		in := []string{"-nostdin", "-v", "error"}
		if s.rtsp {
			in = append(in, "-rtsp_transport", "tcp")
		}
		if readers[i], err = startRelayReader(ctx, append(in, "-i", url, "-c", "copy", "-f", "null", "-progress", "pipe:1", "-")); err != nil {
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
	res := relayResult{cpuPerSec: time.Duration(float64(cpu1-cpu0) / elapsed.Seconds()), minFrames: -1}
	if relay != nil {
		ng1, _ := processRunTime(relay.Pid())
		res.nginxPerS = time.Duration(float64(ng1-ng0) / elapsed.Seconds())
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

// relayReader is one ffmpeg reader; it parses -progress's frame= lines.
type relayReader struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	n    int
	errb testkit.Buffer
	done chan struct{}
}

func startRelayReader(ctx context.Context, args []string) (*relayReader, error) {
	r := &relayReader{cmd: exec.CommandContext(ctx, "ffmpeg", args...), done: make(chan struct{})}
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
