package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// serverH264 is picam-server built with the software H.264 encoder (OpenH264, cgo), the only
// H.264 encoder a machine without a Raspberry Pi's hardware encoder or an H.264 camera has.
const serverH264 = "picam-server-openh264"

// requireServerH264 builds serverH264 once. It needs Debian's libopenh264-dev (pkg-config
// openh264) and a C compiler; without them the test fails with the fix rather than skipping.
func requireServerH264(t *testing.T) {
	t.Helper()
	_, err := testkit.Binary(serverH264, testkit.Build{Pkg: "./cmd/picam-server", Tags: "openh264", Env: []string{"CGO_ENABLED=1"}})
	if err != nil {
		t.Fatalf("building picam-server with -tags openh264 (software H.264) failed: %v\n"+
			"the H.264 tests need Debian's libopenh264-dev and gcc: apt-get install libopenh264-dev", err)
	}
}

// codecClientSummary is picam-client's --json line with the codec fields.
type codecClientSummary struct {
	Frames        int      `json:"frames"`
	DecodeErrors  int      `json:"decode_errors"`
	Exit          string   `json:"exit"`
	Codecs        []string `json:"codecs"`
	FirstKeyframe *bool    `json:"first_keyframe"`
	FirstSeq      *uint64  `json:"first_seq"`
}

// codecServerSummary is picam-server's --json line with the codec fields.
type codecServerSummary struct {
	FramesSent int    `json:"frames_sent"`
	Codec      string `json:"codec"`
	Engine     string `json:"engine"`
	Encoder    string `json:"encoder"`
	Clients    []struct {
		Port       int    `json:"port"`
		State      string `json:"state"`
		FramesSent int    `json:"frames_sent"`
		Held       int    `json:"held"`
		Dropped    int    `json:"dropped"`
		Refused    string `json:"refused"`
		Picam      bool   `json:"picam"`
	} `json:"clients"`
}

// clientFramesSent reads how many frames the server has sent to the client on port, from
// its /api/clients.
func clientFramesSent(t *testing.T, httpAddr string, port int) int {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + "/api/clients")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var st codecServerSummary
	if json.Unmarshal(b, &st) != nil {
		return 0
	}
	for _, c := range st.Clients {
		if c.Port == port {
			return c.FramesSent
		}
	}
	return 0
}

// A picam-client that connects while picam-server is already streaming H.264 to another one
// starts at an IDR with SPS and PPS in front (picam-client checks it by parsing:
// first_keyframe). The stream's own IDRs are 10 s apart, longer than the test, so the
// joiner's IDR is the one the server asked the encoder for on its behalf; and the whole of
// what each client received decodes in ffmpeg without a missing reference.
func TestH264ClientJoinsMidStream(t *testing.T) {
	requireServerH264(t)
	for _, pattern := range []string{"1", "2"} {
		t.Run("pattern"+pattern, func(t *testing.T) {
			ports := freePorts(t, 3)
			early, late, httpPort := ports[0], ports[1], ports[2]
			dir := t.TempDir()
			clientArgs := func(port int) []string {
				return []string{"--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", pattern, "--json", "--stats", "0",
					"--output", filepath.Join(dir, fmt.Sprintf("%d.h264", port))}
			}
			a := start(t, "picam-client", clientArgs(early)...)
			waitListening(t, early)
			httpAddr := fmt.Sprintf("127.0.0.1:%d", httpPort)
			srv := start(t, serverH264, "--address", "127.0.0.1", "--ports", fmt.Sprintf("%d,%d", early, late), "--wait", "any",
				"--pattern", pattern, "--source", "testsrc", "--resolution", "320x240", "--framerate", "30",
				"--codec", "h264", "--keyframe-interval", "300", "--frames", "180", "--json", "--http", httpAddr, "--status-led", "none")
			// Join once the first client is well past the stream's first (and only periodic) IDR.
			waitFor(t, "60 frames to the first client", 30*time.Second, func() bool { return clientFramesSent(t, httpAddr, early) >= 60 })
			b := start(t, "picam-client", clientArgs(late)...)
			if code := srv.wait(60 * time.Second); code != 0 {
				t.Fatalf("server exit %d", code)
			}
			var ss codecServerSummary
			srv.jsonLine(&ss)
			if ss.Codec != "h264" || ss.Encoder != "openh264" || ss.FramesSent != 180 {
				t.Fatalf("server: %+v", ss)
			}
			for _, c := range []struct {
				name string
				p    *proc
				port int
			}{{"early", a, early}, {"late", b, late}} {
				if code := c.p.wait(15 * time.Second); code != 0 {
					t.Fatalf("%s client exit %d", c.name, code)
				}
				var s codecClientSummary
				c.p.jsonLine(&s)
				if s.FirstSeq != nil && s.FirstKeyframe != nil {
					t.Logf("%s client: %d frames from seq %d, first_keyframe %v", c.name, s.Frames, *s.FirstSeq, *s.FirstKeyframe)
				}
				if s.FirstKeyframe == nil || !*s.FirstKeyframe || s.Exit != "terminate" || len(s.Codecs) != 1 || s.Codecs[0] != "h264" || s.DecodeErrors != 0 {
					t.Errorf("%s client: %+v; want first_keyframe true, the terminate, no decode error", c.name, s)
				}
				// Every frame sent to the client arrives. The early one is sent all 180 but
				// those skipped while it was busy with the last (dropped) or waiting for a
				// keyframe after one (held): a tenth of them would be a stuck client.
				for _, cl := range ss.Clients {
					if cl.Port != c.port {
						continue
					}
					if s.Frames != cl.FramesSent {
						t.Errorf("%s client got %d frames, the server sent it %d", c.name, s.Frames, cl.FramesSent)
					}
					if c.name == "early" && (cl.FramesSent+cl.Dropped+cl.Held != 180 || cl.Dropped+cl.Held > 18) {
						t.Errorf("early client: %d sent + %d dropped + %d held, want 180 with at most 18 not sent", cl.FramesSent, cl.Dropped, cl.Held)
					}
				}
				if c.name == "late" && (s.FirstSeq == nil || *s.FirstSeq < 60) {
					t.Errorf("late client started at seq %v, want mid-stream (60 or later)", s.FirstSeq)
				}
				// ffmpeg decodes every frame the client received, from the first.
				out, err := exec.Command("ffmpeg", "-hide_banner", "-v", "error", "-f", "h264", "-i",
					filepath.Join(dir, fmt.Sprintf("%d.h264", c.port)), "-f", "null", "-").CombinedOutput()
				if err != nil || len(strings.TrimSpace(string(out))) > 0 {
					t.Errorf("%s client's stream does not decode cleanly: %v\n%s", c.name, err, out)
				}
			}
		})
	}
}

// picam-server streaming H.264 to a Python NetGear client: the client is sent NetGear's
// terminate instead of frames it cannot decode, so the Python program ends (exit 0,
// "terminated", no frame), and picam-server logs an error naming the client's port and the
// fix. The same client receives --codec jpeg and decodes every frame (PIL, as simplejpeg).
func TestH264ToNetGearClientIsTerminated(t *testing.T) {
	requirePython(t)
	requireServerH264(t)
	for _, c := range []struct{ pattern, codec string }{{"1", "h264"}, {"2", "h264"}, {"2", "jpeg"}} {
		t.Run("pattern"+c.pattern+"-"+c.codec, func(t *testing.T) {
			port := freePorts(t, 1)[0]
			py := start(t, "netgear_peer.py", "client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", c.pattern, "--max-seconds", "60")
			waitReadyLine(t, py)
			srv := start(t, serverH264, "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", c.pattern,
				"--source", "testsrc", "--resolution", "320x240", "--codec", c.codec, "--frames", "60", "--json", "--status-led", "none")
			if code := py.wait(30 * time.Second); code != 0 {
				t.Fatalf("python client exit %d: %s", code, py.Stdout())
			}
			var s pyClient
			py.jsonLine(&s)
			if code := srv.wait(30 * time.Second); code != 0 {
				t.Fatalf("server exit %d", code)
			}
			var ss codecServerSummary
			srv.jsonLine(&ss)
			if c.codec == "jpeg" {
				if !s.Terminated || s.DecodeErrors != 0 || s.MissingParts != 0 || fmt.Sprint(s.Shapes) != "[[240 320 3]]" {
					t.Fatalf("python client with jpeg: %+v", s)
				}
				// Every frame sent arrives; a frame skipped while the client was busy with the
				// last (dropped) is possible on a loaded machine, a tenth of them is not.
				if len(ss.Clients) != 1 || s.UniqueSeqs != ss.Clients[0].FramesSent || s.Frames != s.UniqueSeqs ||
					ss.Clients[0].FramesSent+ss.Clients[0].Dropped != 60 || ss.Clients[0].Dropped > 6 {
					t.Fatalf("python client got %d frames (%d distinct); server: %+v", s.Frames, s.UniqueSeqs, ss)
				}
				return
			}
			if !s.Terminated || s.Exit != "terminate" || s.Frames != 0 || s.DecodeErrors != 0 {
				t.Errorf("python client: %+v; want the terminate and no frame", s)
			}
			log := srv.Stderr()
			for _, want := range []string{"level=ERROR", fmt.Sprintf("client at port %d is a NetGear (Python) client and cannot decode h264", port), "--codec jpeg"} {
				if !strings.Contains(log, want) {
					t.Errorf("server log lacks %q:\n%s", want, tail(log, 3000))
				}
			}
			if len(ss.Clients) != 1 || ss.Clients[0].Picam || ss.Clients[0].FramesSent != 0 || !strings.Contains(ss.Clients[0].Refused, "cannot decode h264") {
				t.Errorf("server summary: %+v", ss.Clients)
			}
		})
	}
}
