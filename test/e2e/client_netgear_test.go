package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// patch is one of the four colour patches netgear_peer.py's --layout frames carry, where the
// picture shows it: its quadrant's centre.
type patch struct {
	x, y    int
	r, g, b uint8
}

// layoutPatches are the colours a --layout frame of w×h must show: red, green / blue, grey,
// or the grey levels 40, 100 / 160, 220.
func layoutPatches(w, h int, grey bool) []patch {
	c := [][3]uint8{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {128, 128, 128}}
	if grey {
		c = [][3]uint8{{40, 40, 40}, {100, 100, 100}, {160, 160, 160}, {220, 220, 220}}
	}
	at := [][2]int{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}}
	out := make([]patch, 4)
	for i := range out {
		out[i] = patch{at[i][0], at[i][1], c[i][0], c[i][1], c[i][2]}
	}
	return out
}

// checkPatches decodes the first JPEG of an MJPEG stream and checks each patch's colour, within
// what JPEG's quantisation moves a flat patch.
func checkPatches(t *testing.T, what string, mjpeg []byte, w, h int, want []patch) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(mjpeg))
	if err != nil {
		t.Fatalf("%s: first frame does not decode (%d bytes): %v", what, len(mjpeg), err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s: picture is %v, want %dx%d", what, b, w, h)
	}
	for _, p := range want {
		r, g, b := rgbAt(img, p.x, p.y)
		if diff(r, p.r) > 12 || diff(g, p.g) > 12 || diff(b, p.b) > 12 {
			t.Errorf("%s: pixel (%d,%d) is RGB %d,%d,%d; want %d,%d,%d", what, p.x, p.y, r, g, b, p.r, p.g, p.b)
		}
	}
}

// viewerFirstJPEG reads the first picture of a viewer's /mjpeg/PORT stream, which it opens
// now; the picture arrives on the channel (nothing arrives if the stream ends without one).
func viewerFirstJPEG(t *testing.T, url string) <-chan []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("viewer: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("viewer %s: status %d, content type %q (%v)", url, resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	out := make(chan []byte, 1)
	go func() { // ends with the response body (the client exits, or the test's cleanup)
		part, err := multipart.NewReader(resp.Body, params["boundary"]).NextPart()
		if err != nil {
			return
		}
		if b, err := io.ReadAll(part); err == nil {
			out <- b
		}
	}()
	return out
}

func rgbAt(img image.Image, x, y int) (uint8, uint8, uint8) {
	c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
	return c.R, c.G, c.B
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// picam-client shows (--view), records (--record) and pipes (--output -) raw frames of every
// array layout a NetGear server sends, in the right colours: grey 2-D and H×W×1, BGR, RGB
// (with --raw-colorspace RGB), BGRA and RGBA (alpha dropped), and 16-bit BGR and grey.
func TestClientNetGearRawLayouts(t *testing.T) {
	requirePython(t)
	const w, h, frames = 64, 48, 20
	for _, c := range []struct {
		layout, colorspace string
	}{
		{"bgr", ""}, {"rgb", "RGB"}, {"bgra", ""}, {"rgba", "rgb"}, {"gray", ""}, {"gray3d", ""}, {"bgr16", ""}, {"gray16", ""},
	} {
		t.Run(c.layout, func(t *testing.T) {
			ports := freePorts(t, 2)
			rec := filepath.Join(t.TempDir(), "cam.mjpeg")
			args := []string{"--address", "127.0.0.1", "--port", fmt.Sprint(ports[0]), "--pattern", "1", "--json", "--stats", "0",
				"--record", rec, "--output", "-", "--view", fmt.Sprintf("127.0.0.1:%d", ports[1])}
			if c.colorspace != "" {
				args = append(args, "--raw-colorspace", c.colorspace)
			}
			client := start(t, "picam-client", args...)
			waitListening(t, ports...)
			viewed := viewerFirstJPEG(t, fmt.Sprintf("http://127.0.0.1:%d/mjpeg/%d", ports[1], ports[0]))
			py := start(t, "netgear_peer.py", "server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ports[0]), "--pattern", "1",
				"--layout", c.layout, "--size", fmt.Sprintf("%dx%d", w, h), "--frames", fmt.Sprint(frames), "--fps", "60", "--max-seconds", "60")
			if code := py.wait(40 * time.Second); code != 0 {
				t.Fatalf("python server exit %d: %s", code, py.Stdout())
			}
			code := client.wait(10 * time.Second)
			var s fullClientSummary
			lastJSONLine(t, client.Stderr(), &s)
			// The client's own queue may drop a frame on a loaded machine; what it received, each
			// output must have written.
			if code != 0 || s.Exit != "terminate" || s.Frames < frames/2 {
				t.Fatalf("client exit %d, %q, %d/%d frames", code, s.Exit, s.Frames, frames)
			}
			for _, o := range s.Outputs {
				if o.Frames != s.Frames {
					t.Errorf("output %s wrote %d of the %d frames received", o.Name, o.Frames, s.Frames)
				}
			}
			if strings.Contains(client.Stderr(), "WARN") {
				t.Errorf("warnings for a layout picam-client handles:\n%s", client.Stderr())
			}
			want := layoutPatches(w, h, strings.HasPrefix(c.layout, "gray"))
			recorded, err := os.ReadFile(rec)
			if err != nil {
				t.Fatal(err)
			}
			checkPatches(t, "--record", recorded, w, h, want)
			checkPatches(t, "--output -", []byte(client.Stdout()), w, h, want)
			select {
			case jpg := <-viewed:
				checkPatches(t, "--view /mjpeg", jpg, w, h, want)
			case <-time.After(10 * time.Second):
				t.Error("the viewer's /mjpeg stream delivered no frame")
			}
		})
	}
}

// The same RGB frame read as BGR (no --raw-colorspace) comes out with red and blue swapped:
// the colour order really comes from the flag, not from the frame.
func TestClientNetGearRGBNeedsFlag(t *testing.T) {
	requirePython(t)
	const w, h = 64, 48
	port := freePorts(t, 1)[0]
	client := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", "1", "--stats", "0", "--output", "-")
	waitListening(t, port)
	py := start(t, "netgear_peer.py", "server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", "1",
		"--layout", "rgb", "--size", fmt.Sprintf("%dx%d", w, h), "--frames", "5", "--fps", "60", "--max-seconds", "60")
	py.wait(40 * time.Second)
	if code := client.wait(10 * time.Second); code != 0 {
		t.Fatalf("client exit %d", code)
	}
	want := layoutPatches(w, h, false)
	want[0].r, want[0].b = want[0].b, want[0].r
	want[2].r, want[2].b = want[2].b, want[2].r
	checkPatches(t, "RGB read as BGR", []byte(client.Stdout()), w, h, want)
}

// A float32 frame cannot be shown: one WARN (not one per frame) that names the sender's fix,
// and since --record, --output and --view got nothing, exit 1 naming each of them.
func TestClientNetGearFloatFramesWarnAndFail(t *testing.T) {
	requirePython(t)
	ports := freePorts(t, 2)
	rec := filepath.Join(t.TempDir(), "cam.mjpeg")
	client := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ports[0]), "--pattern", "1", "--json", "--stats", "0",
		"--record", rec, "--output", "-", "--view", fmt.Sprintf("127.0.0.1:%d", ports[1]))
	waitListening(t, ports[0])
	py := start(t, "netgear_peer.py", "server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ports[0]), "--pattern", "1",
		"--layout", "float32", "--size", "64x48", "--frames", "10", "--fps", "60", "--max-seconds", "60")
	py.wait(40 * time.Second)
	code := client.wait(10 * time.Second)
	log := client.Stderr()
	var s struct {
		Frames  int    `json:"frames"`
		Unshown int    `json:"unshown_frames"`
		Exit    string `json:"exit"`
	}
	lastJSONLine(t, log, &s)
	if code != 1 || s.Frames == 0 || s.Unshown != s.Frames {
		t.Fatalf("exit %d, %+v; want exit 1 with every frame received unshown\n%s", code, s, log)
	}
	if n := strings.Count(log, "dtype float32 cannot be shown"); n != 1 || !strings.Contains(log, "level=WARN") ||
		!strings.Contains(log, "astype(numpy.uint8)") {
		t.Errorf("want one WARN naming the fix, got %d:\n%s", n, log)
	}
	for _, out := range []string{"--record " + rec + " received no frame", "--output - received no frame", "--view received no frame"} {
		if !strings.Contains(log, out) {
			t.Errorf("no %q in:\n%s", out, log)
		}
	}
}

// An output that got no frame because no server came fails the run too (after Ctrl-C).
func TestClientOutputWithoutFramesExitsOne(t *testing.T) {
	port := freePorts(t, 1)[0]
	rec := filepath.Join(t.TempDir(), "cam.mp4")
	client := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--stats", "0", "--record", rec)
	waitListening(t, port)
	client.signal(syscall.SIGINT)
	if code := client.wait(10 * time.Second); code != 1 || !strings.Contains(client.Stderr(), "received no frame: no frame arrived from a server") {
		t.Fatalf("exit %d; want 1 and the reason:\n%s", code, client.Stderr())
	}
}

// NetGear's give-up options with no server at all: pattern 1 gives up after --max-retries
// waits of 3 × --request-timeout (NetGear's spellings with underscores work), pattern 2 after
// --subscriber-timeout, both with exit 3; a client without them is still waiting then.
func TestClientNetGearGiveUpNoServer(t *testing.T) {
	ports := freePorts(t, 3)
	begin := time.Now()
	forever := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ports[0]), "--stats", "0")
	p1 := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ports[1]), "--stats", "0", "--json",
		"--max_retries", "2", "--request_timeout", "0.3")
	p2 := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ports[2]), "--stats", "0", "--json",
		"--pattern", "2", "--subscriber-timeout", "1s")
	for _, c := range []struct {
		p    *proc
		min  time.Duration
		logs []string
	}{
		{p1, 1800 * time.Millisecond, []string{"retries-left=1", "--max-retries 2 waits of 3 × --request-timeout 300ms"}},
		{p2, time.Second, []string{"--subscriber-timeout 1s"}},
	} {
		code := c.p.wait(30 * time.Second)
		took := c.p.Exited().Sub(begin)
		var s clientSummary
		c.p.jsonLine(&s)
		if code != 3 || s.Exit != "no-server" || took < c.min {
			t.Errorf("%v: exit %d %q after %v; want exit 3 no-server, not before %v", c.p.Cmd.Args, code, s.Exit, took, c.min)
		}
		for _, l := range c.logs {
			if !strings.Contains(c.p.Stderr(), l) {
				t.Errorf("%v: no %q in:\n%s", c.p.Cmd.Args, l, c.p.Stderr())
			}
		}
	}
	select {
	case <-forever.Done():
		t.Fatalf("the client without NetGear's options stopped waiting: exit %d\n%s", forever.Cmd.ProcessState.ExitCode(), forever.Stderr())
	default:
	}
	forever.signal(syscall.SIGINT)
	if code := forever.wait(10 * time.Second); code != 0 {
		t.Errorf("Ctrl-C: exit %d", code)
	}
}

// A NetGear server that stops sending (killed mid-stream): the client gives up only when
// NetGear would, counted from the last frame (picam's own --timeout of 3 s is then not used),
// with exit 3. The stand-in starts first (ZeroMQ connects when the client binds), so the
// client's waits are not spent on Python's start-up.
func TestClientNetGearGiveUpServerStops(t *testing.T) {
	requirePython(t)
	for _, c := range []struct {
		pattern string
		flags   []string
		retries int           // silent waits that end the client
		window  time.Duration // one wait
	}{
		{"1", []string{"--max-retries", "2", "--request-timeout", "1.5"}, 2, 4500 * time.Millisecond},
		{"2", []string{"--subscriber_timeout", "5"}, 1, 5 * time.Second},
	} {
		t.Run("p"+c.pattern, func(t *testing.T) {
			port := freePorts(t, 1)[0]
			py := start(t, "netgear_peer.py", "server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", c.pattern,
				"--size", "64x48", "--seconds", "60", "--fps", "20", "--max-seconds", "90")
			waitReadyLine(t, py)
			client := start(t, "picam-client", append([]string{"--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", c.pattern,
				"--json", "--stats", "100ms"}, c.flags...)...)
			waitFor(t, "the client's first status line", 30*time.Second, func() bool {
				return strings.Contains(client.Stderr(), "msg=receiving")
			})
			// Waits that already ended silent (a loaded machine) count, as in NetGear.
			left := c.retries - strings.Count(client.Stderr(), "waiting again")
			py.signal(syscall.SIGKILL)
			py.wait(10 * time.Second)
			killed := py.Exited()
			code := client.wait(40 * time.Second)
			var s clientSummary
			client.jsonLine(&s)
			// The last frame came at most one frame interval (50 ms) before the kill.
			min := time.Duration(left)*c.window - 100*time.Millisecond
			if took := client.Exited().Sub(killed); code != 3 || s.Exit != "server-gone" || s.Frames == 0 || took < min {
				t.Fatalf("exit %d %q after %d frames, %v after the kill; want exit 3 server-gone, not before %v", code, s.Exit, s.Frames, took, min)
			}
			if n := strings.Count(client.Stderr(), "giving up: no message from the server, as NetGear's recv() would"); n != 1 {
				t.Errorf("%d give-up messages:\n%s", n, client.Stderr())
			}
		})
	}
}
