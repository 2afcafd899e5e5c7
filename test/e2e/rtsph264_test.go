package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// rtspH264Mix is the real players of TestRTSPH264Players: ffmpeg and GStreamer, TCP and UDP.
var rtspH264Mix = [][2]string{{"ffmpeg", "tcp"}, {"ffmpeg", "udp"}, {"gst", "tcp"}, {"gst", "udp"}}

// fakeRpicamVid stands in for rpicam-vid on a machine without a Pi camera: it writes live
// H.264 (Annex B with SPS and PPS before every IDR, as rpicam-vid --inline) at the size, rate
// and --intra picam-server asks for, made by Debian's ffmpeg (libx264) in real time.
const fakeRpicamVid = `#!/bin/sh
w=640 h=480 fps=30 intra=30
while [ $# -gt 0 ]; do
	case "$1" in
	--width) w=$2; shift ;;
	--height) h=$2; shift ;;
	--framerate) fps=$2; shift ;;
	--intra) intra=$2; shift ;;
	--list-cameras) echo "No cameras available!"; exit 0 ;;
	esac
	shift
done
exec ffmpeg -nostdin -v error -re -f lavfi -i "testsrc2=size=${w}x${h}:rate=${fps}" -c:v libx264 -preset ultrafast \
	-tune zerolatency -bf 0 -g "$intra" -pix_fmt yuv420p -x264-params repeat-headers=1 -f h264 -
`

// H.264 over RTSP to real players, from both of picam-server's ways to have H.264 without a
// Pi's hardware encoder: the OpenH264 software build (picam's test pattern, whose burnt-in
// counter is read back: ≥ 99 % of the frames made while each plays), and pass-through of a
// camera that encodes itself (rpicam-vid, here a stand-in writing libx264's H.264). ffmpeg
// and GStreamer each decode 300 pictures over TCP and over UDP with no warning. With the
// OpenH264 build and a keyframe only every 300 frames, a late ffmpeg shows its first picture
// within 0.5 s of its SETUP (the median of three): the server asks the encoder for a keyframe
// when a session subscribes.
func TestRTSPH264Players(t *testing.T) {
	const w, h, want = 320, 240, 300
	for _, src := range []string{"openh264", "passthrough"} {
		t.Run(src, func(t *testing.T) {
			ports := freePorts(t, 2)
			httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
			args := []string{"--codec", "h264", "--resolution", fmt.Sprintf("%dx%d", w, h), "--framerate", "30", "--status-led", "none",
				"--json", "--rtsp", fmt.Sprintf("127.0.0.1:%d", ports[0]), "--http", httpAddr}
			var srv *proc
			if src == "openh264" {
				requireServerH264(t)
				srv = start(t, serverH264, append(args, "--source", "testsrc", "--keyframe-interval", "300")...)
			} else {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "rpicam-vid"), []byte(fakeRpicamVid), 0o755); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(filepath.Join(binDir, "picam-server"), append(args, "--source", "rpicam", "--encoder", "passthrough",
					"--keyframe-interval", "30")...)
				cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
				srv = &proc{Proc: testkit.StartT(t, cmd, testkit.Options{Name: "picam-server (rpicam stand-in)"}), t: t}
			}
			waitListening(t, ports[0])
			url := fmt.Sprintf("rtsp://127.0.0.1:%d/cam", ports[0])
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var players []*rtspPlayer
			for _, m := range rtspH264Mix {
				players = append(players, startPlayer(ctx, t, m[0], m[1], "h264", url, w, h, want))
			}
			var table []string
			for _, p := range players {
				if !p.wait(45 * time.Second) {
					t.Fatalf("%s decoded %d pictures in 45 s, want %d", p.Name, p.decoded(), want)
				}
				var r playerResult
				if src == "openh264" {
					r = p.check(t, want, 0.99)
				} else {
					r = p.checkDecoded(t, want)
				}
				table = append(table, fmt.Sprintf("%s: %v", p.Name, r))
			}
			if src == "openh264" {
				// Late joins, well past the stream's first IDR and far from its next. The time
				// counts from the session's SETUP (its "since" in /api/clients), as the rtsp
				// package's late-join tests count from DESCRIBE: starting ffmpeg itself takes
				// a loaded machine a good part of a second, which is not the server's.
				var fromSetup, fromStart []time.Duration
				for range 3 {
					before := map[string]bool{}
					for _, s := range rtspSessions(t, httpAddr) {
						before[s.Remote] = true
					}
					p := startPlayer(ctx, t, "ffmpeg-fast", "tcp", "h264", url, w, h, 30)
					var since time.Time
					waitFor(t, "the late ffmpeg's session", 15*time.Second, func() bool {
						for _, s := range rtspSessions(t, httpAddr) {
							if !before[s.Remote] {
								since = s.Since
								return true
							}
						}
						return false
					})
					if !p.wait(20 * time.Second) {
						t.Fatal("a late ffmpeg decoded no 30 pictures in 20 s")
					}
					r := p.checkDecoded(t, 30)
					fromSetup = append(fromSetup, r.FirstAt.Sub(since).Round(time.Millisecond))
					fromStart = append(fromStart, r.FirstPicture.Round(time.Millisecond))
				}
				slices.Sort(fromSetup)
				slices.Sort(fromStart)
				table = append(table, fmt.Sprintf("late joins (keyframe interval 300), first picture after SETUP %v, after starting ffmpeg %v", fromSetup, fromStart))
				if fromSetup[1] > 500*time.Millisecond {
					t.Errorf("median first picture %v after SETUP, want ≤ 0.5 s", fromSetup[1])
				}
			}
			srv.signal(syscall.SIGTERM)
			if code := srv.wait(15 * time.Second); code != 0 {
				t.Fatalf("server exit %d after SIGTERM", code)
			}
			var ss codecServerSummary
			srv.jsonLine(&ss)
			t.Logf("%s (%s, %s): %d frames published\n  %s", src, ss.Engine, ss.Encoder, ss.FramesSent, strings.Join(table, "\n  "))
			if wantEngine := map[string]string{"openh264": "software", "passthrough": "passthrough"}[src]; ss.Engine != wantEngine {
				t.Errorf("the server's encoder engine is %q, want %q", ss.Engine, wantEngine)
			}
		})
	}
}

// rtspSessionSince is one entry of the "rtsp" list in /api/clients, with its start.
type rtspSessionSince struct {
	Remote string    `json:"remote"`
	Since  time.Time `json:"since"`
}

// rtspSessions lists the server's RTSP sessions (none when /api/clients cannot be read).
func rtspSessions(t *testing.T, httpAddr string) []rtspSessionSince {
	var st struct {
		RTSP []rtspSessionSince `json:"rtsp"`
	}
	apiClients(httpAddr, &st)
	return st.RTSP
}
