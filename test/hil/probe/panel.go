//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/testkit"
	"github.com/picam-project/picam/stream"
)

// Phase windows: each is long enough to hold one whole cycle of its
// pattern plus its longest step (see hw/status.PatternFor), so every step
// appears at least once as a complete run: waiting 1 s on / 1 s off,
// streaming 2 s on then a blink per client (3 s with two), degraded a
// double blink every 1.5 s, paused a 100 ms blip every 2 s.
var panelWindows = map[string]time.Duration{
	"waiting":   4 * time.Second,
	"streaming": 6 * time.Second,
	"degraded":  4 * time.Second,
	"paused":    5 * time.Second,
}

// runPanel drives picam-server through the states its status LED shows
// and watches the LED from the simulator's side: the server starts with no
// client listening (waiting), two clients in this process appear
// (streaming), one of them goes away (degraded), and a press of the
// simulated button pauses the stream and a second one resumes it. For
// each state it reports the LED's complete on and off runs in a window
// after the server's /api/status said it got there; for the pause, the
// frames the remaining client received. The host judges both.
func runPanel(ctx context.Context, r *reporter, args []string) error {
	fs := flag.NewFlagSet("panel", flag.ContinueOnError)
	server := fs.String("server", "", "picam-server binary")
	ledName := fs.String("led", "GPIO17", "simulated line picam-server drives as its status LED")
	buttonName := fs.String("button", "GPIO27", "simulated line picam-server reads as its button")
	work := fs.String("work", os.TempDir(), "directory for picam-server's log")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *server == "" {
		return errors.New("-server must name the picam-server binary")
	}
	led, err := findSimLine(*ledName)
	if err != nil {
		return err
	}
	button, err := findSimLine(*buttonName)
	if err != nil {
		return err
	}
	if err := button.pull("pull-up"); err != nil { // released (active low)
		return err
	}
	ports, err := testkit.FreePorts("127.0.0.1", 3)
	if err != nil {
		return err
	}
	api := fmt.Sprintf("http://127.0.0.1:%d/api/status", ports[2])

	rec := newLEDRecorder(led)
	recCtx, stopRec := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); rec.run(recCtx) }()
	defer func() { stopRec(); wg.Wait() }()

	logPath := filepath.Join(*work, "panel-server.err")
	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("creating the server log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(*server, "--address", "127.0.0.1", "--ports", fmt.Sprintf("%d,%d", ports[0], ports[1]),
		"--pattern", "2", "--source", "testsrc", "--resolution", "160x120", "--framerate", "10", "--codec", "raw",
		"--status-gpio", *ledName, "--button-gpio", *buttonName, "--http", fmt.Sprintf("127.0.0.1:%d", ports[2]))
	// Its output goes to the log; the phases (a server that dies early) and the clean-up
	// below look at its exit.
	srv, err := testkit.Start(cmd, testkit.Options{Name: "picam-server", Stdout: io.Discard, Log: logf, Limit: 1 << 20})
	if err != nil {
		return err
	}
	defer srv.Kill() // no-op once it has exited
	p := &panelRun{r: r, rec: rec, api: api, exited: srv.Done(), log: logPath}

	// 1. No client listens: the server waits for them.
	if err := p.phase(ctx, "waiting", func(s apiStatus) bool { return s.State == "waiting" }); err != nil {
		return err
	}
	// 2. Both clients listen: it streams to two.
	clients := make([]*stream.Client, 2)
	for i := range clients {
		c, err := stream.NewClient(stream.ClientConfig{Address: "127.0.0.1", Port: ports[i], Pattern: stream.Pattern(2),
			MultiClient: true, Timeout: time.Minute, WaitLimit: time.Minute})
		if err == nil {
			err = c.Start()
		}
		if err != nil {
			return fmt.Errorf("client on port %d: %w", ports[i], err)
		}
		defer c.Close()
		clients[i] = c
	}
	if err := p.phase(ctx, "streaming", func(s apiStatus) bool { return s.State == "streaming" && s.Clients == 2 }); err != nil {
		return err
	}
	// 3. One goes away: degraded.
	clients[1].Close()
	if err := p.phase(ctx, "degraded", func(s apiStatus) bool { return s.State == "degraded" }); err != nil {
		return err
	}
	// 4. A short press pauses; frames stop reaching the remaining client.
	if err := pressSim(ctx, button, 300*time.Millisecond); err != nil {
		return err
	}
	if _, err := p.await(ctx, "paused", func(s apiStatus) bool { return s.State == "paused" }); err != nil {
		return err
	}
	sleepCtx(ctx, 500*time.Millisecond) // a frame already on the wire may still land
	before := clients[0].Stats().Frames
	sentBefore, err := p.status(ctx)
	if err != nil {
		return err
	}
	if err := p.phase(ctx, "paused", func(s apiStatus) bool { return s.State == "paused" }); err != nil {
		return err
	}
	during := clients[0].Stats().Frames
	sentAfter, err := p.status(ctx)
	if err != nil {
		return err
	}
	// 5. A second press resumes.
	if err := pressSim(ctx, button, 300*time.Millisecond); err != nil {
		return err
	}
	if _, err := p.await(ctx, "resumed", func(s apiStatus) bool { return s.State != "paused" }); err != nil {
		return err
	}
	sleepCtx(ctx, 2*time.Second)
	after := clients[0].Stats().Frames
	r.ok("panel.pause", map[string]any{"button": *buttonName, "paused_ms": p.lastWindow.Milliseconds(),
		"frames_while_paused": during - before, "sent_while_paused": sentAfter.FramesSent - sentBefore.FramesSent,
		"frames_before": before, "frames_after_resume": after - during})

	// 6. Stop it as a service manager would.
	cmd.Process.Signal(syscall.SIGINT)
	code := -1
	select {
	case <-srv.Done():
		code = exitCode(srv.Err())
	case <-time.After(15 * time.Second):
	}
	r.ok("panel.exit", map[string]any{"code": code})
	return nil
}

// panelRun holds what the phases of runPanel share.
type panelRun struct {
	r          *reporter
	rec        *ledRecorder
	api        string
	exited     <-chan struct{} // closed when picam-server has ended
	log        string
	lastWindow time.Duration
}

// apiStatus is picam-server's /api/status answer.
type apiStatus struct {
	State      string `json:"state"`
	Clients    int    `json:"clients"`
	FramesSent uint64 `json:"frames_sent"`
}

// phase waits until the server reports the state, records the LED for the
// phase's window and reports its runs as panel.NAME. A state never reached
// is reported as that step's error, and ends the run.
func (p *panelRun) phase(ctx context.Context, name string, reached func(apiStatus) bool) error {
	start := time.Now()
	s, err := p.await(ctx, name, reached)
	if err != nil {
		return err
	}
	from := time.Now()
	window := panelWindows[name]
	sleepCtx(ctx, window)
	to := time.Now()
	p.lastWindow = to.Sub(from)
	on, off, samples := p.rec.runs(from, to)
	p.r.ok("panel."+name, map[string]any{"state": s.State, "clients": s.Clients, "reached_ms": from.Sub(start).Milliseconds(),
		"window_ms": to.Sub(from).Milliseconds(), "on_runs": on, "off_runs": off, "samples": samples})
	return ctx.Err()
}

// await polls /api/status until reached holds (20 s at most: a TCG guest
// under load is slow, but a state change takes a few hundred ms).
func (p *panelRun) await(ctx context.Context, name string, reached func(apiStatus) bool) (apiStatus, error) {
	deadline := time.Now().Add(20 * time.Second)
	var last apiStatus
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			e := fmt.Errorf("picam-server exited before %s; its log: %s", name, tail(p.log))
			p.r.fail("panel."+name, e)
			return last, e
		default:
		}
		s, err := p.status(ctx)
		if err == nil && reached(s) {
			return s, nil
		}
		last, lastErr = s, err
		sleepCtx(ctx, 100*time.Millisecond)
		if ctx.Err() != nil {
			return last, ctx.Err()
		}
	}
	e := fmt.Errorf("/api/status never showed %s within 20 s: last %+v (err %v)", name, last, lastErr)
	p.r.fail("panel."+name, e)
	return last, e
}

// status reads /api/status once.
func (p *panelRun) status(ctx context.Context) (apiStatus, error) {
	var s apiStatus
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, p.api, nil)
	if err != nil {
		return s, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("%s: %s", p.api, resp.Status)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// ledRecorder samples a simulated line and keeps its changes.
type ledRecorder struct {
	line simLine
	mu   sync.Mutex
	last int
	// changes holds the time of each level change and the new level.
	changes []ledChange
	samples []time.Time
}

type ledChange struct {
	at    time.Time
	level int
}

func newLEDRecorder(l simLine) *ledRecorder { return &ledRecorder{line: l, last: -1} }

// run samples every 2 ms until ctx ends.
func (l *ledRecorder) run(ctx context.Context) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		v, err := l.line.value()
		if err != nil {
			continue
		}
		now := time.Now()
		l.mu.Lock()
		l.samples = append(l.samples, now)
		if v != l.last {
			l.changes = append(l.changes, ledChange{at: now, level: v})
			l.last = v
		}
		l.mu.Unlock()
	}
}

// runs returns the lengths in ms of the complete on and off runs inside
// [from, to] (a run cut by either edge is left out) and the number of
// samples taken in it.
func (l *ledRecorder) runs(from, to time.Time) (on, off []int64, samples int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.samples {
		if !s.Before(from) && !s.After(to) {
			samples++
		}
	}
	on, off = []int64{}, []int64{}
	for i := 0; i+1 < len(l.changes); i++ {
		a, b := l.changes[i], l.changes[i+1]
		if a.at.Before(from) || b.at.After(to) {
			continue
		}
		d := b.at.Sub(a.at).Milliseconds()
		if a.level == 1 {
			on = append(on, d)
		} else {
			off = append(off, d)
		}
	}
	return on, off, samples
}

// pressSim holds the active-low simulated button down for hold.
func pressSim(ctx context.Context, s simLine, hold time.Duration) error {
	if err := s.pull("pull-down"); err != nil {
		return err
	}
	sleepCtx(ctx, hold)
	return s.pull("pull-up")
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// exitCode turns cmd.Wait's error into the exit status.
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return strconv.Quote(string(b))
}
