package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// picam-server with --rtsp and no NetGear client at all (no --ports, no --client): it starts
// publishing at once, ffmpeg (a real RTSP client) decodes 100 pictures over TCP without a
// warning, /api/clients lists the session and /api/status says "waiting" before the player
// and "streaming" with 1 client while it plays; SIGTERM ends the server cleanly (exit 0).
func TestRTSPOnly(t *testing.T) {
	const want = 100
	ports := freePorts(t, 2)
	rtspPort, httpPort := ports[0], ports[1]
	httpAddr := fmt.Sprintf("127.0.0.1:%d", httpPort)
	srv := start(t, "picam-server", "--codec", "jpeg", "--resolution", "320x240", "--framerate", "30", "--status-led", "none", "--json",
		"--rtsp", fmt.Sprintf("127.0.0.1:%d", rtspPort), "--http", httpAddr)
	waitListening(t, rtspPort, httpPort)
	getJSON := func(path string, v any) bool {
		resp, err := http.Get("http://" + httpAddr + path)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return json.Unmarshal(b, v) == nil
	}
	type apiStatus struct {
		State      string `json:"state"`
		Clients    int    `json:"clients"`
		FramesSent int    `json:"frames_sent"`
	}
	var st apiStatus
	waitFor(t, `/api/status "waiting" with frames published before any player`, 10*time.Second, func() bool {
		return getJSON("/api/status", &st) && st.State == "waiting" && st.FramesSent > 0
	})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	url := fmt.Sprintf("rtsp://127.0.0.1:%d/cam", rtspPort)
	ff := startPlayer(ctx, t, "ffmpeg", "tcp", "jpeg", url, 320, 240, want)

	var seen rtspSessionJSON
	var netgear int
	waitFor(t, "the RTSP session in /api/clients", 10*time.Second, func() bool {
		var c struct {
			Clients []json.RawMessage `json:"clients"`
			RTSP    []rtspSessionJSON `json:"rtsp"`
		}
		if !getJSON("/api/clients", &c) || len(c.RTSP) != 1 || c.RTSP[0].State != "playing" || c.RTSP[0].Frames == 0 {
			return false
		}
		seen, netgear = c.RTSP[0], len(c.Clients)
		return true
	})
	if seen.Transport != "tcp" || seen.Bytes == 0 || !strings.HasPrefix(seen.Remote, "127.0.0.1:") || netgear != 0 {
		t.Errorf("/api/clients: RTSP session %+v, %d NetGear clients (want none)", seen, netgear)
	}
	waitFor(t, `/api/status "streaming" with the player counted`, 5*time.Second, func() bool {
		return getJSON("/api/status", &st) && st.State == "streaming" && st.Clients == 1
	})

	ff.wait(40 * time.Second) // its ctx ends it sooner
	decoded := ff.checkDecoded(t, want).Decoded

	srv.signal(syscall.SIGTERM)
	if code := srv.wait(10 * time.Second); code != 0 {
		t.Fatalf("server exit %d after SIGTERM", code)
	}
	var ss serverSummary
	srv.jsonLine(&ss)
	t.Logf("ffmpeg decoded %d pictures over RTSP/TCP from a server with no NetGear client; it published %d frames", decoded, ss.FramesSent)
	if len(ss.Clients) != 0 || ss.FramesSent < want {
		t.Errorf("--json: %d NetGear clients, %d frames published; want none and ≥ %d", len(ss.Clients), ss.FramesSent, want)
	}
}
