package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// isolationMaxRSSMiB is the bound on picam-server's resident set while one of its RTSP clients
// is stopped: the stalled session holds at most its socket send buffer and one packet.
const isolationMaxRSSMiB = 64

// One RTSP client (an ffmpeg over TCP) is SIGSTOPped for 20 s: the other outputs (an ffmpeg
// over RTSP/TCP, a GStreamer over RTSP/UDP, an ffmpeg on /stream.mjpg and a Python NetGear
// client) keep ≥ 99 % of their frames, the server's RSS stays under isolationMaxRSSMiB, and
// the server drops the stopped client (its write time-out, 5 s): its session leaves
// /api/clients while it is stopped, and once continued, the ffmpeg ends reporting the broken
// input: it is dropped, it does not resume.
func TestRTSPStoppedClientIsolation(t *testing.T) {
	requirePython(t)
	const w, h = 320, 240
	const frames, want = 1200, 900 // the server runs 40 s; the other players decode 30 s of it
	const stopFor = 20 * time.Second
	ports := freePorts(t, 3)
	ngPort, rtspPort, httpPort := ports[0], ports[1], ports[2]
	ng := start(t, "netgear_peer.py", "client", "--address", "127.0.0.1", "--port", fmt.Sprint(ngPort), "--pattern", "2", "--max-seconds", "90")
	waitReadyLine(t, ng)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", httpPort)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ngPort), "--pattern", "2",
		"--codec", "jpeg", "--resolution", fmt.Sprintf("%dx%d", w, h), "--framerate", "30", "--status-led", "none",
		"--frames", fmt.Sprint(frames), "--json", "--rtsp", fmt.Sprintf("127.0.0.1:%d", rtspPort), "--http", httpAddr)
	waitListening(t, rtspPort, httpPort)
	mem := watchMem(srv.Cmd.Process.Pid)
	url := fmt.Sprintf("rtsp://127.0.0.1:%d/cam", rtspPort)

	sessions := func() []rtspSessionJSON {
		var st struct {
			RTSP []rtspSessionJSON `json:"rtsp"`
		}
		apiClients(httpAddr, &st)
		return st.RTSP
	}

	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	// The victim: an ffmpeg over RTSP/TCP that decodes and throws the pictures away.
	victim := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-f", "null", "-")
	var victimLog strings.Builder
	victim.Stderr = &victimLog
	if err := victim.Start(); err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	victimDone := make(chan error, 1)
	go func() { victimDone <- victim.Wait() }()
	t.Cleanup(func() { _ = victim.Process.Signal(syscall.SIGCONT); _ = victim.Process.Kill() })
	waitFor(t, "the victim's RTSP session playing", 15*time.Second, func() bool {
		s := sessions()
		return len(s) == 1 && s[0].State == "playing" && s[0].Frames > 0
	})
	victimRemote := sessions()[0].Remote

	others := []*rtspPlayer{
		startPlayer(ctx, t, "ffmpeg", "tcp", "jpeg", url, w, h, want),
		startPlayer(ctx, t, "gst", "udp", "jpeg", url, w, h, want),
		startPlayer(ctx, t, "ffmpeg", "mjpeg", "jpeg", "http://"+httpAddr+"/stream.mjpg", w, h, want),
	}
	waitFor(t, "the other players decoding", 15*time.Second, func() bool {
		for _, p := range others {
			if p.decoded() == 0 {
				return false
			}
		}
		return true
	})

	if err := victim.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	// The server drops the stalled session once a write has waited its 5 s write time-out
	// (the socket buffers fill first).
	var droppedAfter time.Duration
	for time.Since(stopped) < stopFor {
		if droppedAfter == 0 && !strings.Contains(fmt.Sprint(sessions()), victimRemote) {
			droppedAfter = time.Since(stopped)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err := victim.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	var victimErr error
	select {
	case victimErr = <-victimDone:
	case <-time.After(15 * time.Second):
		t.Errorf("the continued ffmpeg still runs 15 s after SIGCONT (the server should have dropped it)")
	}

	table := checkPlayers(t, others, want, 0.99, 45*time.Second)
	if code := srv.wait(40 * time.Second); code != 0 {
		t.Fatalf("server exit %d", code)
	}
	memReport := mem.end()
	var ss serverSummary
	srv.jsonLine(&ss)
	if code := ng.wait(10 * time.Second); code != 0 {
		t.Fatalf("%s exit %d: %s", ng.Name, code, ng.Stdout())
	}
	var r pyClient
	ng.jsonLine(&r)
	table = append(table, fmt.Sprintf("NetGear client: %d of %d frames (%s)", r.UniqueSeqs, ss.FramesSent, sentDropped(ss, ngPort)))
	if float64(r.UniqueSeqs) < 0.99*float64(ss.FramesSent) || r.DecodeErrors != 0 || !r.Terminated {
		t.Errorf("NetGear client: %d of %d frames, %d decode errors, terminated %v", r.UniqueSeqs, ss.FramesSent, r.DecodeErrors, r.Terminated)
	}
	mem.mu.Lock()
	maxRSS := mem.maxRSS >> 10
	mem.mu.Unlock()
	t.Logf("an ffmpeg over RTSP/TCP stopped for %v: dropped by the server after %v; after SIGCONT it ended with %v (%s)\n  server %s\n  %s",
		stopFor, droppedAfter.Round(250*time.Millisecond), victimErr, strings.TrimSpace(tail(victimLog.String(), 300)), memReport, strings.Join(table, "\n  "))
	if droppedAfter == 0 {
		t.Errorf("the stopped client's session %s was still listed after %v", victimRemote, stopFor)
	}
	// ffmpeg ends at a broken input with exit 0 but says so (-v error).
	if strings.TrimSpace(victimLog.String()) == "" {
		t.Errorf("the continued ffmpeg ended (%v) without reporting the dropped connection", victimErr)
	}
	if !strings.Contains(srv.Stderr(), "rtsp: dropping client") {
		t.Errorf("the server did not log dropping the stalled client")
	}
	if maxRSS > isolationMaxRSSMiB {
		t.Errorf("server RSS reached %d MiB, want ≤ %d MiB", maxRSS, isolationMaxRSSMiB)
	}
}
