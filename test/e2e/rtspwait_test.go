package e2e

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// An RTSP viewer does not wait for the NetGear clients: with two NetGear client ports and
// --wait all (the default), only one of the clients there, ffmpeg decodes pictures over RTSP
// at once, while the NetGear client that is there gets nothing (the Wait policy holds it).
// Once the second client comes, both get frames. (Regression: the pipeline published nothing
// before the Wait policy was met, so DESCRIBE answered 503 after 10 s.)
func TestRTSPViewerDoesNotWaitForNetGear(t *testing.T) {
	requirePython(t)
	const w, h = 320, 240
	ports := freePorts(t, 4)
	ngA, ngB, rtspPort, httpPort := ports[0], ports[1], ports[2], ports[3]
	a := start(t, "netgear_peer.py", "client", "--address", "127.0.0.1", "--port", fmt.Sprint(ngA),
		"--pattern", "2", "--max-seconds", "60")
	waitReadyLine(t, a)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", httpPort)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", joinPorts([]int{ngA, ngB}), "--pattern", "2",
		"--codec", "jpeg", "--resolution", fmt.Sprintf("%dx%d", w, h), "--framerate", "30", "--status-led", "none", "--json",
		"--rtsp", fmt.Sprintf("127.0.0.1:%d", rtspPort), "--http", httpAddr)
	waitListening(t, rtspPort, httpPort)

	sentTo := func() map[int]int {
		var st struct {
			Clients []struct {
				Port       int `json:"port"`
				FramesSent int `json:"frames_sent"`
			} `json:"clients"`
		}
		if !apiClients(httpAddr, &st) {
			return nil
		}
		m := map[int]int{}
		for _, c := range st.Clients {
			m[c.Port] = c.FramesSent
		}
		return m
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const want = 60
	p := startPlayer(ctx, t, "ffmpeg", "tcp", "jpeg", fmt.Sprintf("rtsp://127.0.0.1:%d/cam", rtspPort), w, h, want)
	if !p.wait(20 * time.Second) {
		t.Fatalf("ffmpeg decoded %d pictures in 20 s while the server waited for NetGear client %d", p.decoded(), ngB)
	}
	r := p.check(t, want, 0.9) // that it plays at all is the point here; the share is TestRTSPManyClients'
	t.Logf("while waiting for NetGear client %d: ffmpeg over RTSP %v", ngB, r)
	if n := sentTo()[ngA]; n != 0 {
		t.Errorf("NetGear client %d was sent %d frames before --wait all was met", ngA, n)
	}

	b := start(t, "netgear_peer.py", "client", "--address", "127.0.0.1", "--port", fmt.Sprint(ngB),
		"--pattern", "2", "--max-seconds", "60")
	waitReadyLine(t, b)
	waitFor(t, "both NetGear clients sent frames once both are there", 15*time.Second, func() bool {
		m := sentTo()
		return m[ngA] >= 30 && m[ngB] >= 30
	})
	srv.signal(syscall.SIGTERM)
	if code := srv.wait(10 * time.Second); code != 0 {
		t.Fatalf("server exit %d after SIGTERM", code)
	}
	for _, c := range []*proc{a, b} {
		if code := c.wait(10 * time.Second); code != 0 {
			t.Fatalf("%s exit %d: %s", c.Name, code, c.Stdout())
		}
		var pc pyClient
		c.jsonLine(&pc)
		if pc.UniqueSeqs < 30 || pc.DecodeErrors != 0 || !pc.Terminated {
			t.Errorf("NetGear client %v: %d frames, %d decode errors, terminated %v", pc.Port, pc.UniqueSeqs, pc.DecodeErrors, pc.Terminated)
		}
	}
}
