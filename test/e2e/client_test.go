package e2e

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/picam-project/picam/cmd/picam-client/media/mediatest"
	"github.com/picam-project/picam/internal/testkit"
	"github.com/picam-project/picam/stream"
)

// picam-client --view with a picam-server sending JPEG: the page in a real Chromium shows
// moving pictures (the frame counter burnt into the test pattern differs between two
// screenshots), and the client prints the page's address at start.
func TestClientViewerJPEG(t *testing.T) {
	ports := freePorts(t, 2)
	client := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ports[0]), "--pattern", "2",
		"--view", fmt.Sprintf("127.0.0.1:%d", ports[1]), "--stats", "0", "--json")
	waitListening(t, ports...)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ports[0]), "--pattern", "2",
		"--codec", "jpeg", "--source", "testsrc", "--framerate", "30", "--frames", "1800")
	url := fmt.Sprintf("http://127.0.0.1:%d/", ports[1])
	if !strings.Contains(client.Stderr(), url) {
		t.Errorf("the client did not print %s at start:\n%s", url, client.Stderr())
	}
	shots, n := watchTiles(t, url, 900, 560, ports[0])
	saveScreenshot(t, "viewer-jpeg.png", shots[1])
	c := n[ports[0]]
	t.Logf("frame counters on screen: %d, then %d 700 ms later", c[0], c[1])
	if c[1] <= c[0] || bytes.Equal(shots[0], shots[1]) {
		t.Fatalf("the picture did not move: counter %d then %d", c[0], c[1])
	}
	srv.signal(syscall.SIGINT)
	if code := client.wait(10 * time.Second); code != 0 {
		t.Fatalf("client exit %d after the server's terminate", code)
	}
}

// H.264 from an in-process sender (ffmpeg-encoded test pattern) is decoded in the page with
// WebCodecs.
func TestClientViewerH264(t *testing.T) {
	aus := mediatest.H264(t, 640, 480, 90, 30)
	ports := freePorts(t, 2)
	client := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ports[0]), "--pattern", "2",
		"--view", fmt.Sprintf("127.0.0.1:%d", ports[1]), "--stats", "0", "--json")
	waitListening(t, ports...)
	snd := sendFrames(t, ports[0], stream.PubSub, "h264", aus, 640, 480, 30, 1800, 30)
	shots, n := watchTiles(t, fmt.Sprintf("http://127.0.0.1:%d/", ports[1]), 900, 560, ports[0])
	saveScreenshot(t, "viewer-h264.png", shots[1])
	c := n[ports[0]]
	t.Logf("frame counters on screen: %d, then %d 700 ms later", c[0], c[1])
	if c[0] == c[1] || bytes.Equal(shots[0], shots[1]) {
		t.Fatalf("the picture did not move: counter %d then %d", c[0], c[1])
	}
	snd.srv.Close()
	if code := client.wait(10 * time.Second); code != 0 {
		t.Fatalf("client exit %d", code)
	}
	var s fullClientSummary
	client.jsonLine(&s)
	if len(s.Cameras) != 1 || s.Cameras[0].Codec != "h264" || s.Cameras[0].Width != 640 || s.Cameras[0].Height != 480 || s.Frames == 0 ||
		s.DecodeErrors != 0 || s.MissingParts != 0 {
		t.Fatalf("summary %+v", s)
	}
}

// NetGear Multi-Servers mode: one client on two ports, a picam-server on each (JPEG 640x480
// and raw 320x240), both shown side by side; the client ends after both terminates.
func TestClientTwoCameras(t *testing.T) {
	ports := freePorts(t, 3)
	client := start(t, "picam-client", "--address", "127.0.0.1", "--ports", joinPorts(ports[:2]), "--pattern", "1",
		"--view", fmt.Sprintf("127.0.0.1:%d", ports[2]), "--stats", "0", "--json")
	waitListening(t, ports...)
	srvA := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ports[0]), "--pattern", "1",
		"--codec", "jpeg", "--source", "testsrc", "--framerate", "30", "--frames", "1800")
	srvB := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ports[1]), "--pattern", "1",
		"--codec", "raw", "--resolution", "320x240", "--source", "testsrc", "--framerate", "30", "--frames", "1800")
	shots, n := watchTiles(t, fmt.Sprintf("http://127.0.0.1:%d/", ports[2]), 1000, 560, ports[0], ports[1])
	saveScreenshot(t, "viewer-two-cameras.png", shots[1])
	for _, p := range ports[:2] {
		c := n[p]
		t.Logf("port %d: frame counters on screen %d, then %d", p, c[0], c[1])
		if c[1] <= c[0] {
			t.Errorf("port %d: the picture did not move (counter %d then %d)", p, c[0], c[1])
		}
	}
	srvA.signal(syscall.SIGINT)
	srvA.wait(10 * time.Second)
	time.Sleep(500 * time.Millisecond)
	select {
	case <-client.Done():
		t.Fatal("the client ended after one of two servers terminated")
	default:
	}
	srvB.signal(syscall.SIGINT)
	if code := client.wait(10 * time.Second); code != 0 {
		t.Fatalf("client exit %d", code)
	}
	var s fullClientSummary
	client.jsonLine(&s)
	if s.Exit != "terminate" || len(s.Cameras) != 2 || s.Cameras[0].Frames == 0 || s.Cameras[1].Frames == 0 ||
		s.DecodeErrors != 0 || s.MissingParts != 0 || uint64(s.Frames) != s.Cameras[0].Frames+s.Cameras[1].Frames {
		t.Fatalf("summary: %+v", s)
	}
	if s.Cameras[0].Codec != "jpeg" || s.Cameras[1].Codec != "raw" || s.Cameras[1].Width != 320 {
		t.Errorf("cameras: %+v", s.Cameras)
	}
}

// --ports with --multiclient is NetGear's ValueError: exit 2 with its message.
func TestClientPortsWithMultiClientExitsTwo(t *testing.T) {
	p := start(t, "picam-client", "--ports", "5566,5567", "--multiclient")
	if code := p.wait(10 * time.Second); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(p.Stderr(), "Multi-Client and Multi-Server Mode cannot be enabled simultaneously") {
		t.Fatalf("stderr %q lacks NetGear's message", p.Stderr())
	}
}

// The Python NetGear Multi-Servers stand-in: three senders, each connected to one of the
// client's ports with "port" in its header; every frame arrives (pattern 1) or nearly every
// (pattern 2), messages are read (NetGear reads them in multi-server mode), and the client
// ends once all have sent their terminate.
func TestClientMultiServerNetGearStandIns(t *testing.T) {
	requirePython(t)
	for _, pat := range patterns() {
		t.Run("pattern"+pat, func(t *testing.T) {
			const frames = 90
			ports := freePorts(t, 3)
			client := start(t, "picam-client", "--address", "127.0.0.1", "--ports", joinPorts(ports), "--pattern", pat,
				"--json", "--stats", "0", "--timeout", "20s")
			waitListening(t, ports...)
			var pys []*proc
			for i, p := range ports {
				py := start(t, "netgear_peer.py", "server", "--address", "127.0.0.1", "--multiserver-port", fmt.Sprint(p),
					"--pattern", pat, "--frames", fmt.Sprint(frames), "--fps", "30", "--size", "320x240", "--jpeg",
					"--message", fmt.Sprintf("cam%d {n}", i), "--max-seconds", "60")
				pys = append(pys, py)
			}
			for _, py := range pys {
				if code := py.wait(60 * time.Second); code != 0 {
					t.Fatalf("stand-in exit %d: %s", code, py.Stdout())
				}
			}
			if code := client.wait(10 * time.Second); code != 0 {
				t.Fatalf("client exit %d", code)
			}
			var s fullClientSummary
			client.jsonLine(&s)
			t.Logf("client: exit %s, cameras %+v, %d distinct messages", s.Exit, s.Cameras, len(s.Messages))
			if s.Exit != "terminate" {
				t.Fatalf("client ended with %q, want every server's terminate", s.Exit)
			}
			min := uint64(frames)
			if pat == "2" {
				min = frames * 9 / 10 // PUB with HWM 1 may drop a frame at a busy moment
			}
			if len(s.Cameras) != len(ports) {
				t.Fatalf("%d cameras, want %d", len(s.Cameras), len(ports))
			}
			for i, c := range s.Cameras {
				if c.Port != ports[i] || c.Frames < min || c.Codec != "jpeg" {
					t.Errorf("camera %d: %+v, want ≥ %d JPEG frames", i, c, min)
				}
			}
			// Each camera's latest message comes from its own server (the summary's list of
			// distinct messages stops at 20, which one fast server can fill on its own).
			for i, c := range s.Cameras {
				if want := fmt.Sprintf(`"cam%d `, i); !strings.HasPrefix(string(c.Message), want) {
					t.Errorf("camera %d: last message %s, want %s…", i, c.Message, want)
				}
			}
			if pat == "1" {
				for i, py := range pys {
					var ps pyServer
					py.jsonLine(&ps)
					if n := ps.Replies[fmt.Sprint(ports[i])]; n != frames {
						t.Errorf("stand-in %d got %d replies, want %d", i, n, frames)
					}
				}
			}
		})
	}
}

// recordTenSeconds records 300 frames sent at 30 fps with capture times exactly 1/30 s apart.
func recordTenSeconds(t *testing.T, codecName string, kill bool) {
	const frames, fps = 300, 30
	var payloads [][]byte
	keyEvery := 0
	if codecName == "h264" {
		payloads, keyEvery = mediatest.H264(t, 320, 240, 60, 30), 30
	} else {
		payloads = mediatest.JPEG(t, 320, 240, 30)
	}
	mediatest.Need(t, "ffprobe")
	port := freePorts(t, 1)[0]
	file := filepath.Join(t.TempDir(), "rec.mp4")
	client := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", "1",
		"--record", file, "--json", "--stats", "0")
	waitListening(t, port)
	snd := sendFrames(t, port, stream.ReqRep, codecName, payloads, 320, 240, keyEvery, frames, fps)
	const killAt = 200
	sent := 0
	for i := range snd.sent {
		sent = i + 1
		if kill && i == killAt {
			time.Sleep(50 * time.Millisecond) // let the client take frame 200
			client.signal(syscall.SIGKILL)
			client.wait(5 * time.Second)
			break
		}
	}
	if !kill {
		if code := client.wait(15 * time.Second); code != 0 {
			t.Fatalf("client exit %d", code)
		}
	}
	p := mediatest.FFprobe(t, file, "")
	t.Logf("%s, %d frames sent, client killed: %v → ffprobe: %s, %dx%d, %d frames, %.3f s",
		codecName, sent, kill, p.Codec, p.Width, p.Height, p.Frames, p.Duration)
	wantCodec := map[string]string{"jpeg": "mjpeg", "h264": "h264"}[codecName]
	if p.Codec != wantCodec || p.Width != 320 || p.Height != 240 {
		t.Fatalf("ffprobe: %s", p.Raw)
	}
	if !kill {
		var s fullClientSummary
		client.jsonLine(&s)
		if len(s.Outputs) != 1 || s.Outputs[0].Error != "" {
			t.Fatalf("outputs: %+v", s.Outputs)
		}
		if s.Cameras[0].Gaps == 0 && s.Outputs[0].Frames == frames {
			if p.Frames != frames || math.Abs(p.Duration-10.0) > 0.002 {
				t.Fatalf("want %d frames and 10.000 s, ffprobe says %d frames %.3f s", frames, p.Frames, p.Duration)
			}
		} else if p.Frames != s.Outputs[0].Frames {
			t.Fatalf("the client wrote %d frames (gaps %d), ffprobe decodes %d", s.Outputs[0].Frames, s.Cameras[0].Gaps, p.Frames)
		}
		return
	}
	// Killed after frame 200 (6.7 s): the whole fragments (about one second each) survive, the
	// open one is lost: at most FragmentMax = 2 s, plus the frames still queued.
	sentFor := float64(killAt+1) / fps
	if p.Duration > sentFor+0.002 || p.Duration < sentFor-2.4 {
		t.Fatalf("after SIGKILL at %.3f s of video, %.3f s survive; want the complete fragments (%.1f..%.3f s)", sentFor, p.Duration, sentFor-2.4, sentFor)
	}
	// Frames missing inside the kept part are frames the sender skipped for a slow client
	// (pattern 1 drops rather than queues), never damage: allow a few, and none beyond the
	// duration.
	if most := int(math.Round(p.Duration * fps)); p.Frames > most || p.Frames < most*9/10 {
		t.Fatalf("%d frames in %.3f s, want %d at most and 90 %% of that at least", p.Frames, p.Duration, most)
	}
}

// A 10 s recording to fragmented MP4: ffprobe decodes every frame and reads 10.000 s; killed
// mid-recording, the file still plays up to its last whole fragment.
func TestClientRecordMP4(t *testing.T) {
	for _, c := range []string{"jpeg", "h264"} {
		for _, kill := range []bool{false, true} {
			name := c
			if kill {
				name += "-sigkill"
			}
			t.Run(name, func(t *testing.T) {
				// Light on CPU (320x240 pictures made before the clock starts, 30 fps): the
				// four recordings of ten seconds run two at a time.
				t.Parallel()
				recordTenSeconds(t, c, kill)
			})
		}
	}
}

// --output - writes the bare stream to stdout (here JPEG frames, as ffplay -f mjpeg reads
// them) while logs and the --json line go to stderr.
func TestClientOutputStdout(t *testing.T) {
	mediatest.Need(t, "ffprobe")
	port := freePorts(t, 1)[0]
	client := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", "1",
		"--output", "-", "--json", "--stats", "0")
	waitListening(t, port)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", "1",
		"--codec", "jpeg", "--source", "testsrc", "--framerate", "30", "--frames", "60")
	srv.wait(20 * time.Second)
	if code := client.wait(10 * time.Second); code != 0 {
		t.Fatalf("client exit %d", code)
	}
	var s fullClientSummary
	lastJSONLine(t, client.Stderr(), &s)
	out := client.Stdout()
	if strings.Contains(out, `"exit"`) {
		t.Fatal("the --json line went to stdout, into the video")
	}
	file := filepath.Join(t.TempDir(), "out.mjpeg")
	os.WriteFile(file, []byte(out), 0o644)
	p := mediatest.FFprobe(t, file, "mjpeg")
	t.Logf("stdout: %d bytes, ffprobe: %s %d frames; client wrote %d", len(out), p.Codec, p.Frames, s.Outputs[0].Frames)
	if p.Frames != s.Outputs[0].Frames || p.Frames < 55 {
		t.Fatalf("ffprobe decodes %d frames from stdout, the client wrote %d of %d received", p.Frames, s.Outputs[0].Frames, s.Frames)
	}
}

// Closing the player's end of the pipe ends the client cleanly (exit 0, "output-closed").
func TestClientOutputPlayerQuits(t *testing.T) {
	port := freePorts(t, 1)[0]
	cmd := exec.Command(filepath.Join(binDir, "picam-client"), "--address", "127.0.0.1", "--port", fmt.Sprint(port),
		"--pattern", "2", "--output", "-", "--json", "--stats", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testkit.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	waitListening(t, port)
	start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", "2",
		"--codec", "jpeg", "--source", "testsrc", "--framerate", "30", "--frames", "900")
	buf := make([]byte, 100000)
	if _, err := io.ReadAtLeast(stdout, buf, 50000); err != nil {
		t.Fatalf("reading the video: %v", err)
	}
	stdout.Close() // the player quits
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("client: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the client kept running after its player quit")
	}
	var s fullClientSummary
	lastJSONLine(t, stderr.String(), &s)
	if s.Exit != "output-closed" {
		t.Fatalf("exit reason %q", s.Exit)
	}
}

// --return-stdin: each line typed becomes the data the server gets back.
func TestClientReturnStdin(t *testing.T) {
	port := freePorts(t, 1)[0]
	client, in := startWithStdin(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", "1",
		"--return-stdin", "--json", "--stats", "0")
	waitListening(t, port)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", "1",
		"--codec", "jpeg", "--source", "testsrc", "--framerate", "30", "--frames", "120", "--json")
	waitFor(t, "the first frames", 15*time.Second, func() bool { return strings.Contains(client.Stderr(), "server connected") })
	io.WriteString(in, "hello\n")
	time.Sleep(time.Second)
	io.WriteString(in, `{"zoom": 2}`+"\n")
	if code := srv.wait(30 * time.Second); code != 0 {
		t.Fatalf("server exit %d", code)
	}
	client.wait(10 * time.Second)
	var ss serverSummary
	srv.jsonLine(&ss)
	if len(ss.Clients) != 1 || string(ss.Clients[0].LastData) != `{"zoom":2}` && string(ss.Clients[0].LastData) != `{"zoom": 2}` {
		t.Fatalf("server's last data from the client: %s", ss.Clients[0].LastData)
	}
}

// On a terminal the status is one line redrawn in place (carriage return, erase line), here
// under script(1), which gives the client a pseudo-terminal.
func TestClientStatusLineOnTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatal("script(1) (util-linux bsdutils) is needed for the terminal test")
	}
	port := freePorts(t, 1)[0]
	cmdline := fmt.Sprintf("%s --address 127.0.0.1 --port %d --pattern 2 --stats 1s", filepath.Join(binDir, "picam-client"), port)
	cmd := exec.Command("script", "-q", "-e", "-c", cmdline, "/dev/null")
	var out testkit.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitListening(t, port)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", "2",
		"--codec", "jpeg", "--source", "testsrc", "--framerate", "30", "--frames", "90")
	srv.wait(20 * time.Second)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client under script: %v\n%q", err, out.String())
	}
	s := out.String()
	redraws := strings.Count(s, "\r\x1b[K")
	t.Logf("%d in-place redraws; last status: %q", redraws, lastStatus(s))
	if redraws < 3 || !strings.Contains(s, "streaming jpeg") || !strings.Contains(s, "fps") || !strings.Contains(s, "Mbit/s") {
		t.Fatalf("no live status line on the terminal:\n%q", tail(s, 1500))
	}
	if strings.Contains(s, "msg=receiving") {
		t.Error("log-style statistics lines on a terminal, where the status line replaces them")
	}
}

func lastStatus(s string) string {
	i := strings.LastIndex(s, "\r\x1b[K")
	if i < 0 {
		return ""
	}
	s = s[i+4:]
	if j := strings.IndexAny(s, "\r\n"); j >= 0 {
		s = s[:j]
	}
	return s
}
