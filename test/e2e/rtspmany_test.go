package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// rtspPlayerMix is the eight real RTSP players of TestRTSPManyClients: ffmpeg and GStreamer's
// rtspsrc, over TCP (interleaved) and UDP, two of each.
var rtspPlayerMix = [][2]string{
	{"ffmpeg", "tcp"}, {"ffmpeg", "udp"}, {"gst", "tcp"}, {"gst", "udp"},
	{"ffmpeg", "tcp"}, {"ffmpeg", "udp"}, {"gst", "tcp"}, {"gst", "udp"},
}

// Eight real RTSP players at once (ffmpeg and GStreamer, TCP and UDP) each decode 300
// pictures at 30 fps, with no warning, and get ≥ 99 % of the frames made while they play
// (read from the burnt-in frame counter), while two NetGear clients (Python, netgear_peer.py)
// and a picam-client on the same server get ≥ 99 % of the frames published.
func TestRTSPManyClients(t *testing.T) {
	requirePython(t)
	const w, h, frames, want = 320, 240, 600, 300 // 20 s at 30 fps; the players need 10 s of it
	ports := freePorts(t, 4)
	ngA, ngB, pc, rtspPort := ports[0], ports[1], ports[2], ports[3]
	var ng []*proc
	for _, port := range []int{ngA, ngB} {
		p := start(t, "netgear_peer.py", "client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", "2", "--max-seconds", "60")
		waitReadyLine(t, p)
		ng = append(ng, p)
	}
	client := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(pc), "--pattern", "2",
		"--json", "--stats", "0")
	waitListening(t, pc)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", joinPorts([]int{ngA, ngB, pc}), "--pattern", "2",
		"--codec", "jpeg", "--resolution", fmt.Sprintf("%dx%d", w, h), "--framerate", "30", "--status-led", "none",
		"--frames", fmt.Sprint(frames), "--json", "--rtsp", fmt.Sprintf("127.0.0.1:%d", rtspPort))
	waitListening(t, rtspPort)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	url := fmt.Sprintf("rtsp://127.0.0.1:%d/cam", rtspPort)
	var players []*rtspPlayer
	for _, m := range rtspPlayerMix {
		players = append(players, startPlayer(ctx, t, m[0], m[1], "jpeg", url, w, h, want))
	}
	table := checkPlayers(t, players, want, 0.99, 45*time.Second)

	if code := srv.wait(40 * time.Second); code != 0 {
		t.Fatalf("server exit %d", code)
	}
	var ss serverSummary
	srv.jsonLine(&ss)
	if ss.FramesSent != frames {
		t.Errorf("server published %d frames, want %d", ss.FramesSent, frames)
	}
	for _, p := range ng {
		if code := p.wait(10 * time.Second); code != 0 {
			t.Fatalf("%s exit %d: %s", p.Name, code, p.Stdout())
		}
		var r pyClient
		p.jsonLine(&r)
		table = append(table, fmt.Sprintf("NetGear client %v: %d of %d frames (%s)", r.Port, r.UniqueSeqs, ss.FramesSent, sentDropped(ss, r.Port)))
		if float64(r.UniqueSeqs) < 0.99*float64(ss.FramesSent) || r.DecodeErrors != 0 || r.MissingParts != 0 || !r.Terminated {
			t.Errorf("NetGear client %v: %d of %d frames, %d decode errors, %d missing parts, terminated %v",
				r.Port, r.UniqueSeqs, ss.FramesSent, r.DecodeErrors, r.MissingParts, r.Terminated)
		}
	}
	if code := client.wait(10 * time.Second); code != 0 {
		t.Fatalf("picam-client exit %d: %s", code, client.Stdout())
	}
	var cs codecClientSummary
	client.jsonLine(&cs)
	table = append(table, fmt.Sprintf("picam-client: %d of %d frames (%s)", cs.Frames, ss.FramesSent, sentDropped(ss, pc)))
	if float64(cs.Frames) < 0.99*float64(ss.FramesSent) || cs.DecodeErrors != 0 || cs.Exit != "terminate" {
		t.Errorf("picam-client: %d of %d frames, %d decode errors, exit %q", cs.Frames, ss.FramesSent, cs.DecodeErrors, cs.Exit)
	}
	t.Logf("one server, 30 fps, 320x240 JPEG:\n  %s", strings.Join(table, "\n  "))
}

// sentDropped says how many frames the server sent the NetGear client on port, and how many
// its mailbox dropped (the sender was not scheduled within a frame interval).
func sentDropped(ss serverSummary, port any) string {
	for _, c := range ss.Clients {
		if fmt.Sprint(c.Port) == fmt.Sprint(port) {
			return fmt.Sprintf("server sent %d, dropped %d", c.FramesSent, c.Dropped)
		}
	}
	return "not in the server's summary"
}
