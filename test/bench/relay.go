package main

// bench relay (make bench runs it): does publishing to a relay keep the Pi's load flat? The
// relay is nginx with Debian's RTMP module on loopback; every reader, of the relay or of
// picam's own RTSP server, is an ffmpeg process copying the stream without decoding it
// (-c copy -f null: a real RTMP or RTSP player, cheap enough that 32 of them fit one core).
// Only picam-server's CPU time is compared: the sum of its threads' run time
// (/proc/PID/task/*/schedstat), per second of wall time.
//
// The scenarios are measured in pairs, both setups of a pair running at the same time over
// the same window, each with its own picam-server, so that the machine's other load (this
// one is shared) falls on both alike and the pair's ratio keeps only what differs:
//
//	publish → nginx, 1 reader     vs  publish → nginx, 32 readers    target: within 10 %
//	picam's own RTSP, 8 clients   vs  publish → nginx, 8 readers     the Pi-side ratio
//
// Each pair is measured over several rounds; the report shows every round's ratio and their
// median, and the load average before and after.
//
// picam-server runs the test card (--source testcard: one 1280x720 picture encoded once by
// OpenH264 and sent 30 times a second), so the figures are the outputs' cost, not the
// encoder's. On a machine with two cores or more, the picam-servers run on core 0 and nginx,
// the readers and this process on core 1 (taskset), as if the relay were another machine.

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// relaySetup is one picam-server and its viewers.
type relaySetup struct {
	name    string
	readers int
	rtsp    bool // readers pull picam's own RTSP server instead of the relay
}

// relayPair is two setups measured over the same window; the ratio is b's CPU over a's.
type relayPair struct {
	a, b  relaySetup
	ratio string // what the ratio means, for the report
}

// relayRun is one running setup.
type relayRun struct {
	setup   relaySetup
	srv     *testkit.Proc
	relay   *testkit.NginxRTMP // nil for RTSP
	readers []*relayReader
}

// relaySample is one setup's figures over one window.
type relaySample struct {
	cpu, nginxCPU time.Duration // per second of wall time
	minFrames     int           // the fewest frames a reader got in the window
}

func runRelay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "one round of 5 s windows (a smoke run)")
	window := fs.Duration("window", 15*time.Second, "how long each round measures")
	rounds := fs.Int("rounds", 5, "rounds per pair; the report gives their median")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./test/bench relay [--quick] [--window 15s] [--rounds 5]\n"+
			"picam-server's CPU publishing to nginx-rtmp with 1 and with 32 readers, and serving 8 RTSP clients itself\n"+
			"vs publishing once to nginx serving 8 (each pair measured at the same time; median of the rounds)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *quick {
		*window, *rounds = 5*time.Second, 1
	}
	if *rounds < 1 || *window < time.Second {
		fmt.Fprintln(stderr, "bench relay: --rounds must be at least 1 and --window at least 1s")
		return 2
	}
	if err := testkit.RequireNginxRTMP(); err != nil {
		fmt.Fprintln(stderr, "bench relay:", err)
		return 1
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		fmt.Fprintln(stderr, "bench relay: ffmpeg is missing (apt-get install --no-install-recommends ffmpeg; make deps)")
		return 1
	}
	server, err := testkit.Binary("picam-server-openh264", testkit.Build{Pkg: "./cmd/picam-server", Tags: "openh264", Env: []string{"CGO_ENABLED=1"}})
	if err != nil {
		fmt.Fprintf(stderr, "bench relay: building picam-server with -tags openh264 (apt-get install libopenh264-dev gcc): %v\n", err)
		return 1
	}
	defer testkit.RemoveBinaries()
	_, tsErr := exec.LookPath("taskset")
	pinned := runtime.NumCPU() >= 2 && tsErr == nil
	if pinned {
		// This process on core 1 with the relay and the readers; every thread, and those it
		// makes.
		if err := exec.Command("taskset", "-a", "-p", "-c", "1", strconv.Itoa(os.Getpid())).Run(); err != nil {
			fmt.Fprintln(stderr, "bench relay: taskset:", err)
			pinned = false
		}
	}
	pairs := []relayPair{
		{a: relaySetup{"publish → nginx, 1 reader", 1, false}, b: relaySetup{"publish → nginx, 32 readers", 32, false},
			ratio: "32 readers vs 1 on the relay"},
		{a: relaySetup{"publish → nginx, 8 readers", 8, false}, b: relaySetup{"picam RTSP, 8 clients", 8, true},
			ratio: "8 RTSP clients on picam vs publishing once to the relay serving 8"},
	}
	load0 := loadAvg()
	samples := make([][2][]relaySample, len(pairs)) // per pair: a's and b's rounds
	for round := range *rounds {
		for i, p := range pairs {
			fmt.Fprintf(stderr, "bench relay: round %d/%d: %s | %s ...\n", round+1, *rounds, p.a.name, p.b.name)
			// A round whose readers did not keep up (the machine too busy to serve them) is
			// not valid; it is tried again, twice at most.
			var sa, sb relaySample
			var err error
			for try := 0; try < 3; try++ {
				if sa, sb, err = measurePair(server, p, *window, pinned, round%2 == 1); err == nil {
					break
				}
				fmt.Fprintf(stderr, "bench relay: %v (load average %s)\n", err, loadAvg())
			}
			if err != nil {
				return 1
			}
			samples[i][0] = append(samples[i][0], sa)
			samples[i][1] = append(samples[i][1], sb)
		}
	}
	where := "all on the same cores"
	if pinned {
		where = "picam-servers on core 0, nginx and the readers on core 1"
	}
	fmt.Fprintf(stdout, "\nPublishing to a relay (nginx-rtmp on loopback, %s; test card 1280x720 H.264 30 fps; readers ffmpeg -c copy; each pair at the same time; %v windows, median of %d rounds)\n",
		where, *window, *rounds)
	fmt.Fprintf(stdout, "load average before: %s; after: %s (%d cores)\n", load0, loadAvg(), runtime.NumCPU())
	fmt.Fprintf(stdout, "%-30s %16s %16s %18s\n", "scenario", "picam CPU ms/s", "nginx CPU ms/s", "frames per reader")
	for i, p := range pairs {
		for j, s := range []relaySetup{p.a, p.b} {
			ss := samples[i][j]
			ng := "-"
			if !s.rtsp {
				ng = fmt.Sprintf("%.1f", ms(median(ss, func(x relaySample) time.Duration { return x.nginxCPU })))
			}
			least := ss[0].minFrames
			for _, x := range ss {
				least = min(least, x.minFrames)
			}
			fmt.Fprintf(stdout, "%-30s %16.1f %16s %18s\n", s.name, ms(median(ss, func(x relaySample) time.Duration { return x.cpu })), ng, ">= "+strconv.Itoa(least))
		}
	}
	for i, p := range pairs {
		var ratios []float64
		var each []string
		for r := range samples[i][0] {
			x := float64(samples[i][1][r].cpu) / float64(samples[i][0][r].cpu)
			ratios = append(ratios, x)
			each = append(each, fmt.Sprintf("%.2f", x))
		}
		slices.Sort(ratios)
		m := ratios[len(ratios)/2]
		if len(ratios)%2 == 0 {
			m = (ratios[len(ratios)/2-1] + ratios[len(ratios)/2]) / 2
		}
		verdict := ""
		if i == 0 {
			switch {
			case m > 1.10:
				verdict = " (target within 10 %) MISS (higher)"
			case m < 0.90:
				verdict = " (target within 10 %) MISS (lower)"
			default:
				verdict = " (target within 10 %) PASS"
			}
		}
		fmt.Fprintf(stdout, "%s: picam CPU x%.2f%s; rounds: %s\n", p.ratio, m, verdict, strings.Join(each, " "))
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// median is the median of f over the samples.
func median(ss []relaySample, f func(relaySample) time.Duration) time.Duration {
	v := make([]time.Duration, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

// measurePair starts both setups of p (b first when bFirst: the rounds alternate, so that
// neither picam-server is always the older), waits until every reader of both receives, then
// reads both picam-servers' (and nginxes') CPU times over the same window.
func measurePair(server string, p relayPair, window time.Duration, pinned, bFirst bool) (a, b relaySample, err error) {
	dir, err := os.MkdirTemp("", "picam-bench-relay")
	if err != nil {
		return a, b, err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	var runs []*relayRun
	defer func() {
		cancel()
		for _, r := range runs {
			r.stop()
		}
	}()
	setups := []relaySetup{p.a, p.b}
	if bFirst {
		setups = []relaySetup{p.b, p.a}
	}
	for i, s := range setups {
		r, err := startSetup(ctx, server, s, filepath.Join(dir, strconv.Itoa(i)), pinned)
		if r != nil {
			runs = append(runs, r)
		}
		if err != nil {
			return a, b, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	// Every reader receiving before the window opens.
	deadline := time.Now().Add(60 * time.Second)
	for _, r := range runs {
		for _, rd := range r.readers {
			for rd.frames() == 0 {
				if time.Now().After(deadline) {
					return a, b, fmt.Errorf("%s: a reader got no frame in 60 s: %s", r.setup.name, rd.stderr())
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	time.Sleep(2 * time.Second) // the readers' start-up over
	type mark struct {
		cpu, ng time.Duration
		frames  []int
	}
	read := func(r *relayRun) (m mark, err error) {
		if m.cpu, err = processRunTime(r.srv.Cmd.Process.Pid); err != nil {
			return m, err
		}
		if r.relay != nil {
			m.ng, _ = processRunTime(r.relay.Pid())
		}
		for _, rd := range r.readers {
			m.frames = append(m.frames, rd.frames())
		}
		return m, nil
	}
	var m0, m1 [2]mark
	for i, r := range runs {
		if m0[i], err = read(r); err != nil {
			return a, b, err
		}
	}
	start := time.Now()
	time.Sleep(window)
	for i, r := range runs {
		if m1[i], err = read(r); err != nil {
			return a, b, err
		}
	}
	secs := time.Since(start).Seconds()
	var out [2]relaySample
	for i, r := range runs {
		if r.srv.ExitCode() != -1 {
			return a, b, fmt.Errorf("%s: picam-server exited: %s", r.setup.name, r.srv.StderrTail(5))
		}
		out[i] = relaySample{cpu: time.Duration(float64(m1[i].cpu-m0[i].cpu) / secs), nginxCPU: time.Duration(float64(m1[i].ng-m0[i].ng) / secs), minFrames: -1}
		for j := range r.readers {
			// -progress reports every 0.5 s: the count may lag the window by that much.
			n := m1[i].frames[j] - m0[i].frames[j]
			if out[i].minFrames < 0 || n < out[i].minFrames {
				out[i].minFrames = n
			}
		}
		if want := int(window.Seconds()*30*0.8) - 15; out[i].minFrames < want {
			var got []string
			for _, x := range runs {
				for j := range x.readers {
					got = append(got, strconv.Itoa(m1[slices.Index(runs, x)].frames[j]-m0[slices.Index(runs, x)].frames[j]))
				}
			}
			return a, b, fmt.Errorf("%s: a reader got only %d frames in %v (want at least %d): the run is not valid (every reader's frames: %s)",
				r.setup.name, out[i].minFrames, window, want, strings.Join(got, " "))
		}
	}
	if bFirst {
		return out[1], out[0], nil
	}
	return out[0], out[1], nil
}

// startSetup starts s's picam-server, its nginx when it publishes, and its readers. The
// returned run (nil only when nothing started) must be stopped even with an error.
func startSetup(ctx context.Context, server string, s relaySetup, dir string, pinned bool) (*relayRun, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ports, err := testkit.FreePorts("127.0.0.1", 1)
	if err != nil {
		return nil, err
	}
	r := &relayRun{setup: s}
	args := []string{"--source", "testcard", "--codec", "h264", "--resolution", "1280x720", "--framerate", "30", "--status-led", "none"}
	var url string
	if s.rtsp {
		args = append(args, "--rtsp", fmt.Sprintf("127.0.0.1:%d", ports[0]))
		url = fmt.Sprintf("rtsp://127.0.0.1:%d/cam", ports[0])
	} else {
		r.relay = &testkit.NginxRTMP{Dir: dir, Port: ports[0]}
		if err := r.relay.Start(); err != nil {
			r.relay = nil
			return nil, err
		}
		if pinned {
			exec.Command("taskset", "-a", "-p", "-c", "1", strconv.Itoa(r.relay.Pid())).Run()
		}
		url = fmt.Sprintf("rtmp://127.0.0.1:%d/live/cam", ports[0])
		args = append(args, "--publish", url)
	}
	cmd := exec.Command(server, args...)
	if pinned {
		cmd = exec.Command("taskset", append([]string{"-c", "0", server}, args...)...)
	}
	if r.srv, err = testkit.Start(cmd, testkit.Options{Name: "picam-server"}); err != nil {
		return r, err
	}
	if s.rtsp {
		if err := testkit.WaitListening(10*time.Second, ports[0]); err != nil {
			return r, err
		}
	} else {
		time.Sleep(time.Second) // publishing: the relay has the stream before the readers come
	}
	for range s.readers {
		// A real player that does not decode: ffmpeg copying the stream to nothing.
		// -analyzeduration 0.1 s, as the README's readers: RTMP would otherwise make ffmpeg
		// wait 5 s for an audio stream.
		in := []string{"-nostdin", "-v", "error"}
		if s.rtsp {
			in = append(in, "-rtsp_transport", "tcp")
		} else {
			in = append(in, "-analyzeduration", "100000")
		}
		in = append(in, "-i", url, "-c", "copy", "-f", "null", "-progress", "pipe:1", "-")
		rd, err := startRelayReader(ctx, pinned, in)
		if err != nil {
			return r, err
		}
		r.readers = append(r.readers, rd)
	}
	return r, nil
}

// stop ends the readers, picam-server and nginx. The readers' context must be cancelled
// first.
func (r *relayRun) stop() {
	for _, rd := range r.readers {
		rd.wait()
	}
	if r.srv != nil {
		r.srv.Stop(5 * time.Second)
	}
	if r.relay != nil {
		r.relay.Kill()
	}
}

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
		prog, args = "taskset", append([]string{"-c", "1", "ffmpeg"}, args...)
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
