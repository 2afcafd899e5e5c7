package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rtspE2EFrames is what ffmpeg must decode from picam-server's RTSP output.
const rtspE2EFrames = 300

// rtspSessionJSON is one entry of the "rtsp" list in /api/clients.
type rtspSessionJSON struct {
	Remote    string `json:"remote"`
	Transport string `json:"transport"`
	State     string `json:"state"`
	Frames    uint64 `json:"frames_sent"`
	Bytes     uint64 `json:"bytes_sent"`
}

// picam-server with --rtsp serves ffmpeg (Debian's, a real RTSP client) over TCP from the
// same fan-out as a NetGear client: ffmpeg decodes 300 pictures without a single warning,
// the NetGear client gets ≥ 99 % of the frames published and every frame sent to it, and
// /api/clients lists the RTSP session next to the NetGear client while it plays. JPEG goes
// to a Python NetGear client; H.264 (which NetGear clients cannot decode) to picam-client,
// from the OpenH264 build (-tags openh264): the default build has no software H.264 encoder.
func TestRTSPWithNetGearClient(t *testing.T) {
	requirePython(t)
	for _, codecName := range []string{"jpeg", "h264"} {
		t.Run(codecName, func(t *testing.T) {
			t.Parallel() // light on CPU (320x240): both fit in the ~30 s one would take after the other
			server := "picam-server"
			if codecName == "h264" {
				requireServerH264(t)
				server = serverH264
			}
			// 15 s at 30 fps: ffmpeg joins within a second or two and needs 10 s of it.
			const frames = 450
			ports := freePorts(t, 3)
			ngPort, rtspPort, httpPort := ports[0], ports[1], ports[2]
			var ng *proc
			if codecName == "jpeg" {
				ng = start(t, "netgear_peer.py", "client", "--address", "127.0.0.1", "--port", fmt.Sprint(ngPort),
					"--pattern", "2", "--max-seconds", "60")
				waitReadyLine(t, ng)
			} else {
				ng = start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ngPort), "--pattern", "2",
					"--json", "--stats", "0", "--output", filepath.Join(t.TempDir(), "out.h264"))
				waitListening(t, ngPort)
			}
			httpAddr := fmt.Sprintf("127.0.0.1:%d", httpPort)
			srv := start(t, server, "--address", "127.0.0.1", "--ports", fmt.Sprint(ngPort), "--pattern", "2",
				"--codec", codecName, "--resolution", "320x240", "--framerate", "30", "--status-led", "none", "--frames", fmt.Sprint(frames), "--json",
				"--rtsp", fmt.Sprintf("127.0.0.1:%d", rtspPort), "--http", httpAddr)
			waitListening(t, rtspPort)

			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			url := fmt.Sprintf("rtsp://127.0.0.1:%d/cam", rtspPort)
			ff := startPlayer(ctx, t, "ffmpeg", "tcp", codecName, url, 320, 240, rtspE2EFrames)

			// While ffmpeg plays, /api/clients lists its session with the NetGear client.
			var seen rtspSessionJSON
			var netgearListed bool
			waitFor(t, "the RTSP session in /api/clients", 15*time.Second, func() bool {
				var st struct {
					Clients []struct {
						Port int `json:"port"`
					} `json:"clients"`
					RTSP []rtspSessionJSON `json:"rtsp"`
				}
				if !apiClients(httpAddr, &st) || len(st.RTSP) != 1 || st.RTSP[0].State != "playing" || st.RTSP[0].Frames == 0 {
					return false
				}
				seen = st.RTSP[0]
				netgearListed = len(st.Clients) == 1 && st.Clients[0].Port == ngPort
				return true
			})
			if seen.Transport != "tcp" || seen.Bytes == 0 || !strings.HasPrefix(seen.Remote, "127.0.0.1:") || !netgearListed {
				t.Errorf("/api/clients: RTSP session %+v, NetGear client listed: %v", seen, netgearListed)
			}

			ff.wait(40 * time.Second) // its ctx ends it sooner
			decoded := ff.checkDecoded(t, rtspE2EFrames).Decoded

			if code := srv.wait(30 * time.Second); code != 0 {
				t.Fatalf("server exit %d", code)
			}
			var ss serverSummary
			srv.jsonLine(&ss)
			if code := ng.wait(10 * time.Second); code != 0 {
				t.Fatalf("%s exit %d: %s", ng.Name, code, ng.Stdout())
			}
			// got: frames received; distinct: of distinct sequence numbers (picam-client
			// checks the sequence itself); clean: no decode error, ended by the terminate.
			var got, distinct int
			var clean bool
			if codecName == "jpeg" {
				var pc pyClient
				ng.jsonLine(&pc)
				got, distinct, clean = pc.Frames, pc.UniqueSeqs, pc.DecodeErrors == 0 && pc.MissingParts == 0 && pc.Terminated
			} else {
				var pc codecClientSummary
				ng.jsonLine(&pc)
				got, distinct, clean = pc.Frames, pc.Frames, pc.DecodeErrors == 0 && pc.Exit == "terminate"
			}
			sentTo := -1
			for _, cl := range ss.Clients {
				if cl.Port == ngPort {
					sentTo = cl.FramesSent
				}
			}
			t.Logf("%s: ffmpeg decoded %d pictures over RTSP/TCP; %s got %d of %d frames published (server sent it %d)",
				codecName, decoded, ng.Name, distinct, ss.FramesSent, sentTo)
			if ss.FramesSent != frames {
				t.Errorf("server published %d frames, want %d", ss.FramesSent, frames)
			}
			if float64(distinct) < 0.99*float64(ss.FramesSent) || distinct != sentTo || got != distinct {
				t.Errorf("%s got %d frames (%d distinct) of %d published; the server sent it %d", ng.Name, got, distinct, ss.FramesSent, sentTo)
			}
			if !clean {
				t.Errorf("%s: decode errors, or no terminate: %s", ng.Name, ng.Stdout())
			}
		})
	}
}
