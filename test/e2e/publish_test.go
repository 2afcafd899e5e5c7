package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/message"
	mch264 "github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	ph264 "github.com/picam-project/picam/av/h264"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/testkit"
)

// The publish tests use a real relay: nginx with Debian's RTMP module, started by the test on
// loopback with a config it writes (testkit.NginxRTMP), and ffmpeg/ffprobe readers pulling the
// stream from it, as viewers of a relay do.

// publishW, publishH is the picture size of the publish tests: small, so that picam's encoder
// and four ffmpeg decoders fit a loaded machine.
const publishW, publishH = 320, 240

// publishStatus is one /api/clients "publish" entry.
type publishStatus struct {
	URL      string `json:"url"`
	State    string `json:"state"`
	Error    string `json:"error"`
	Sessions int    `json:"sessions"`
	Failures int    `json:"failures"`
	Frames   int    `json:"frames_sent"`
}

// publishers reads /api/clients (apiClients): the publishers and the frames sent to each
// NetGear client.
func publishers(httpAddr string) (pubs []publishStatus, ngFrames map[int]int) {
	var st struct {
		Clients []struct {
			Port       int `json:"port"`
			FramesSent int `json:"frames_sent"`
		} `json:"clients"`
		Publish []publishStatus `json:"publish"`
	}
	if !apiClients(httpAddr, &st) {
		return nil, nil
	}
	ngFrames = map[int]int{}
	for _, c := range st.Clients {
		ngFrames[c.Port] = c.FramesSent
	}
	return st.Publish, ngFrames
}

// apiState is /api/status's state: what the status LED shows.
func apiState(httpAddr string) string {
	resp, err := http.Get("http://" + httpAddr + "/api/status")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var st struct {
		State string `json:"state"`
	}
	json.NewDecoder(resp.Body).Decode(&st)
	return st.State
}

// relayRead is what one ffmpeg reader decoded from the relay.
type relayRead struct {
	counters []uint64  // the burnt-in frame counter of each decoded picture (picam's test pattern)
	frames   int       // pictures decoded
	first    time.Time // when the first picture arrived
	unread   int       // pictures whose counter could not be read
	err      error
	stderr   string
}

// readRelay runs ffmpeg pulling url and decoding n pictures: to BGR24, reading each
// picture's frame counter, when counters is set; else it only counts them.
func readRelay(ctx context.Context, url string, n int, counters bool, input ...string) relayRead {
	args := append([]string{"-nostdin", "-hide_banner", "-v", "error"}, input...)
	// -fps_mode passthrough: every decoded picture once (rawvideo output would otherwise
	// make ffmpeg duplicate pictures to a constant rate, which would read as stale frames).
	// -enc_time_base -1: the stream's millisecond timestamps, not 1/framerate (which the
	// metadata gives), in which two pictures of a camera's burst share a tick and the
	// rawvideo muxer refuses the second.
	args = append(args, "-i", url, "-fps_mode", "passthrough", "-enc_time_base", "-1", "-frames:v", fmt.Sprint(n))
	if counters {
		args = append(args, "-f", "rawvideo", "-pix_fmt", "bgr24", "-")
	} else {
		// One line per decoded picture. (rawvideo's muxer would complain when two pictures
		// fall in the same 1/30 s tick, as a camera's pictures that arrive in a burst do.)
		args = append(args, "-f", "framemd5", "-")
	}
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return relayRead{err: err}
	}
	if err := cmd.Start(); err != nil {
		return relayRead{err: err}
	}
	var r relayRead
	br := bufio.NewReaderSize(out, 1<<20)
	for !counters {
		line, err := br.ReadString('\n')
		if err != nil {
			r.err = cmd.Wait()
			r.stderr = strings.TrimSpace(stderr.String())
			return r
		}
		if !strings.HasPrefix(line, "#") {
			if r.frames == 0 {
				r.first = time.Now()
			}
			r.frames++
		}
	}
	frame := make([]byte, publishW*publishH*3)
	for {
		if _, err := io.ReadFull(br, frame); err != nil {
			break
		}
		if r.frames == 0 {
			r.first = time.Now()
		}
		r.frames++
		if c, ok := picimage.ReadCounter(frame, publishW, publishH); ok {
			r.counters = append(r.counters, c)
		} else {
			r.unread++
		}
	}
	r.err = cmd.Wait()
	r.stderr = strings.TrimSpace(stderr.String())
	return r
}

// checkSequence reports the first place the counters go back or stand still (a re-ordered or
// stale picture), and how many steps skip counters (pictures the relay path lost).
func checkSequence(c []uint64) (bad string, skips int) {
	for i := 1; i < len(c); i++ {
		switch {
		case c[i] <= c[i-1]:
			return fmt.Sprintf("picture %d has counter %d after %d", i, c[i], c[i-1]), skips
		case c[i] != c[i-1]+1:
			skips++
		}
	}
	return "", skips
}

// publishReaders is how many ffmpeg readers pull from the relay at once, and how many
// pictures each must decode.
const publishReaders, publishReaderFrames = 4, 300

// readMany runs publishReaders readers at once and checks that each decodes
// publishReaderFrames pictures without an error (and, with counters, in sequence).
func readMany(t *testing.T, url string, counters bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	reads := make([]relayRead, publishReaders)
	var wg sync.WaitGroup
	for i := range reads {
		wg.Go(func() { reads[i] = readRelay(ctx, url, publishReaderFrames, counters) })
	}
	wg.Wait()
	for i, r := range reads {
		if r.err != nil || r.stderr != "" || r.frames < publishReaderFrames {
			t.Errorf("reader %d: %d pictures decoded, want %d; err %v; ffmpeg said: %s", i, r.frames, publishReaderFrames, r.err, r.stderr)
			continue
		}
		if !counters {
			t.Logf("reader %d: %d pictures decoded, no error", i, r.frames)
			continue
		}
		bad, skips := checkSequence(r.counters)
		if r.unread > 0 || bad != "" || skips > len(r.counters)/100 {
			t.Errorf("reader %d: %d counters unreadable; %s; %d skips in %d pictures", i, r.unread, bad, skips, len(r.counters))
		}
		t.Logf("reader %d: %d pictures, counters %d..%d, %d skips", i, r.frames, r.counters[0], r.counters[len(r.counters)-1], skips)
	}
}

// startRelay starts nginx-rtmp in its own directory on a free loopback port.
func startRelay(t *testing.T) *testkit.NginxRTMP {
	t.Helper()
	n := &testkit.NginxRTMP{Dir: t.TempDir(), Port: testkit.Port(t)}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("nginx error.log:\n%s", n.ErrorLog())
		}
		n.Kill()
	})
	return n
}

// picam-server (OpenH264, the test pattern with its burnt-in frame counter) publishing to
// nginx-rtmp, with a picam-client on NetGear beside it, through the relay's whole life:
//   - the relay is down when picam starts: the NetGear client streams, the publisher says
//     retrying and the LED degraded; once nginx is up, picam publishes within 2 s;
//   - four ffmpeg readers pull from nginx at once and each decodes 300 pictures, whose
//     counters go up one by one (no re-ordering, no stale picture);
//   - nginx is killed and restarted: picam-server does not exit, an ffmpeg reader that
//     connects as nginx comes back decodes within 2 s, and what nginx hands a player first
//     is an IDR with SPS and PPS;
//   - the NetGear client got at least 99 % of the frames throughout.
//
// It runs alone (not parallel): the 99 % is about picam, not about a machine too busy for the
// NetGear client to keep up.
func TestPublishRTMPThroughRelayRestarts(t *testing.T) {
	requireServerH264(t)
	if err := testkit.RequireNginxRTMP(); err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 3)
	ngPort, httpPort, relayPort := ports[0], ports[1], ports[2]
	httpAddr := fmt.Sprintf("127.0.0.1:%d", httpPort)
	relay := &testkit.NginxRTMP{Dir: t.TempDir(), Port: relayPort}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("nginx error.log:\n%s", relay.ErrorLog())
		}
		relay.Kill()
	})
	url := fmt.Sprintf("rtmp://127.0.0.1:%d/live/cam", relayPort)

	ng := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ngPort), "--pattern", "2",
		"--json", "--stats", "0")
	waitListening(t, ngPort)
	srv := start(t, serverH264, "--address", "127.0.0.1", "--ports", fmt.Sprint(ngPort), "--pattern", "2",
		"--source", "testsrc", "--resolution", fmt.Sprintf("%dx%d", publishW, publishH), "--framerate", "30",
		"--codec", "h264", "--status-led", "none", "--json", "--http", httpAddr, "--publish", url)

	// Relay down at start: the other output streams, the publisher retries, the LED says so.
	waitFor(t, "30 frames to the NetGear client while the relay is down", 20*time.Second, func() bool {
		pubs, ngf := publishers(httpAddr)
		return ngf[ngPort] >= 30 && len(pubs) == 1 && pubs[0].State == "retrying"
	})
	if st := apiState(httpAddr); st != "degraded" {
		t.Errorf("status while the relay is down: %q, want degraded", st)
	}
	if err := relay.Start(); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	waitFor(t, "publishing once nginx is up", 10*time.Second, func() bool {
		pubs, _ := publishers(httpAddr)
		return len(pubs) == 1 && pubs[0].State == "publishing"
	})
	t.Logf("publishing %v after nginx came up", time.Since(up).Round(time.Millisecond))
	if d := time.Since(up); d > 2*time.Second {
		t.Errorf("publishing %v after nginx came up, want within 2 s", d)
	}
	waitFor(t, "the status LED back to streaming", 2*time.Second, func() bool { return apiState(httpAddr) == "streaming" })
	// /metrics has the publisher's state, with the stream key hidden in the URL label.
	wantMetric := fmt.Sprintf(`picam_publish_state{state="publishing",url="rtmp://127.0.0.1:%d/live/xxxxx"} 1`, relayPort)
	if m := httpGet(t, "http://"+httpAddr+"/metrics"); !strings.Contains(m, wantMetric) || strings.Contains(m, "/live/cam") {
		t.Errorf("/metrics lacks %s (or shows the key):\n%s", wantMetric, m)
	}

	readMany(t, url, true)

	// Relay restart: killed mid-stream, back after a second.
	relay.Kill()
	waitFor(t, "retrying once nginx is gone", 10*time.Second, func() bool {
		pubs, _ := publishers(httpAddr)
		return len(pubs) == 1 && pubs[0].State == "retrying"
	})
	time.Sleep(time.Second)
	if err := relay.Start(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Readers that reconnect as soon as nginx is back, as a player retrying does: ffmpeg,
	// which must decode within 2 s, and an RTMP player (gortmplib) that checks the first
	// picture nginx hands it is an IDR with SPS and PPS. Where ffmpeg's time goes (measured):
	// picam publishes again 0.25-0.5 s after nginx is back; nginx hands a player nothing
	// before a keyframe (wait_key, on by default), so a reader that joins after picam's first
	// IDR waits for the next (picam's GOP is one second); ffmpeg then analyses the stream:
	// RTMP always looks to it as if audio may follow, so it analyses -analyzeduration of
	// pictures (default 5 s: the README's readers give 0.1 s), and without the frame rate
	// in the stream's metadata (which picam sends) it analyses 30 pictures whatever that
	// option says.
	var again relayRead
	var firstAt time.Time
	var firstNALs []ph264.NALType
	var firstKey bool
	var wg sync.WaitGroup
	wg.Go(func() { again = readRelay(ctx, url, 30, true, "-analyzeduration", "100000") })
	wg.Go(func() {
		firstAt, firstKey, firstNALs = firstRTMPPicture(ctx, url)
	})
	wg.Go(func() {
		waitFor(t, "publishing again", 20*time.Second, func() bool {
			pubs, _ := publishers(httpAddr)
			return len(pubs) == 1 && pubs[0].State == "publishing"
		})
		again := time.Since(back)
		t.Logf("publishing again %v after nginx was back", again.Round(time.Millisecond))
		if again > time.Second { // the back-off waits at most 0.5 s
			t.Errorf("publishing again %v after nginx was back, want within 1 s", again)
		}
	})
	wg.Wait()
	if again.err != nil || again.stderr != "" || again.frames < 30 {
		t.Fatalf("reader after the restart: %d pictures, err %v: %s", again.frames, again.err, again.stderr)
	}
	took, ffTook := firstAt.Sub(back), again.first.Sub(back)
	t.Logf("after the restart: ffmpeg's first decoded picture %v after nginx was back; the player's first picture %v (key %v, NAL units %v)",
		ffTook.Round(time.Millisecond), took.Round(time.Millisecond), firstKey, firstNALs)
	if ffTook > 2*time.Second {
		t.Errorf("ffmpeg decoded its first picture %v after nginx was back, want within 2 s", ffTook)
	}
	if firstAt.IsZero() || took > 2*time.Second {
		t.Errorf("the player's first picture %v after nginx was back, want within 2 s", took)
	}
	if !firstKey || len(firstNALs) < 3 || firstNALs[0] != ph264.NALSPS || firstNALs[1] != ph264.NALPPS || firstNALs[2] != ph264.NALIDR {
		t.Errorf("the first picture after the restart: keyframe %v, NAL units %v; want SPS, PPS, IDR", firstKey, firstNALs)
	}
	if bad, _ := checkSequence(again.counters); bad != "" || len(again.counters) != again.frames {
		t.Errorf("after the restart: %s (%d of %d counters read)", bad, len(again.counters), again.frames)
	}
	pubs, _ := publishers(httpAddr)
	if len(pubs) != 1 || pubs[0].State != "publishing" || pubs[0].Sessions != 2 {
		t.Errorf("publisher after the restart: %+v, want publishing, 2 sessions", pubs)
	}
	if srv.ExitCode() != -1 {
		t.Fatalf("picam-server exited (%d) during the relay's restart", srv.ExitCode())
	}

	srv.signal(syscall.SIGTERM)
	if code := srv.wait(20 * time.Second); code != 0 {
		t.Fatalf("picam-server exit %d", code)
	}
	// Where a NetGear client's frames go: the server's mailbox for it (dropped: the sender had
	// not taken the last one when the next came; held: waiting for a keyframe after that),
	// then the wire, then the client's own queue (dropped when the application fell behind).
	var ss struct {
		FramesSent int `json:"frames_sent"`
		Clients    []struct {
			Port       int `json:"port"`
			FramesSent int `json:"frames_sent"`
			Dropped    int `json:"dropped"`
			Held       int `json:"held"`
		} `json:"clients"`
	}
	srv.jsonLine(&ss)
	if code := ng.wait(15 * time.Second); code != 0 {
		t.Fatalf("picam-client exit %d", code)
	}
	var cs clientSummary
	ng.jsonLine(&cs)
	t.Logf("NetGear client: %d of %d frames; %d decode errors, %d dropped by its own queue; server's account: %+v", cs.Frames, ss.FramesSent, cs.DecodeErrors, cs.Dropped, ss.Clients)
	if cs.DecodeErrors != 0 || float64(cs.Frames) < 0.99*float64(ss.FramesSent) {
		t.Errorf("NetGear client got %d of %d frames (%d decode errors), want at least 99 %%", cs.Frames, ss.FramesSent, cs.DecodeErrors)
	}
}

// H.264 the source already encodes (a stand-in rpicam-vid whose stream ffmpeg's libx264
// makes), passed through to nginx-rtmp without re-encoding; four readers decode 300 pictures
// each with no error.
func TestPublishRTMPPassThrough(t *testing.T) {
	t.Parallel()
	relay := startRelay(t)
	dir := t.TempDir()
	repo, err := testkit.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// rpicam-vid -o - --codec h264 --inline: Annex-B with SPS and PPS before every IDR. The
	// camera listing comes from the camera package's own stand-in.
	script := fmt.Sprintf(`#!/bin/sh
for a in "$@"; do
	if [ "$a" = --list-cameras ]; then exec %q "$@"; fi
done
exec ffmpeg -nostdin -v error -re -f lavfi -i testsrc=size=%dx%d:rate=30 -c:v libx264 -preset ultrafast -tune zerolatency \
	-profile:v baseline -pix_fmt yuv420p -x264-params keyint=30:repeat-headers=1 -f h264 -
`, filepath.Join(repo, "hw", "camera", "testdata", "rpicam-vid"), publishW, publishH)
	if err := os.WriteFile(filepath.Join(dir, "rpicam-vid"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("rtmp://127.0.0.1:%d/live/cam", relay.Port)
	cmd := exec.Command(filepath.Join(binDir, "picam-server"), "--source", "rpicam", "--codec", "h264", "--encoder", "passthrough",
		"--resolution", fmt.Sprintf("%dx%d", publishW, publishH), "--framerate", "30", "--status-led", "none", "--publish", url)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	srv := testkit.StartT(t, cmd, testkit.Options{Name: "picam-server"})
	readMany(t, url, false)
	if srv.ExitCode() != -1 {
		t.Fatalf("picam-server exited: %s", srv.StderrTail(10))
	}
	if !strings.Contains(srv.Stderr(), "engine=passthrough") {
		t.Errorf("picam-server did not pass the camera's H.264 through: %s", srv.StderrTail(20))
	}
}

// The RTSP publish path (ANNOUNCE, SETUP mode=record over TCP, RECORD) against an independent
// RTSP server: ffmpeg listening as a RECORD sink. What it receives decodes with ffprobe, for
// H.264 and for JPEG.
func TestPublishRTSPToFFmpegListen(t *testing.T) {
	t.Parallel()
	requireServerH264(t)
	for _, c := range []struct{ codec, server, ffCodec string }{{"h264", serverH264, "h264"}, {"jpeg", "picam-server", "mjpeg"}} {
		t.Run(c.codec, func(t *testing.T) {
			port := testkit.Port(t)
			url := fmt.Sprintf("rtsp://127.0.0.1:%d/live", port)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			probe := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_flags", "listen", "-rtsp_transport", "tcp",
				"-count_frames", "-read_intervals", "%+3", "-select_streams", "v:0",
				"-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", url)
			var out, errb bytes.Buffer
			probe.Stdout, probe.Stderr = &out, &errb
			if err := probe.Start(); err != nil {
				t.Fatal(err)
			}
			// No waitListening: ffmpeg takes the first connection as its publisher. picam
			// retries until ffprobe listens.
			start(t, c.server, "--source", "testsrc", "--resolution", fmt.Sprintf("%dx%d", publishW, publishH), "--framerate", "30",
				"--codec", c.codec, "--status-led", "none", "--publish", url)
			if err := probe.Wait(); err != nil {
				t.Fatalf("ffprobe: %v\n%s", err, errb.String())
			}
			var res struct {
				Streams []struct {
					Codec  string `json:"codec_name"`
					Width  int    `json:"width"`
					Height int    `json:"height"`
					Frames string `json:"nb_read_frames"`
				} `json:"streams"`
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil || len(res.Streams) != 1 {
				t.Fatalf("ffprobe output %q: %v", out.String(), err)
			}
			s := res.Streams[0]
			var n int
			fmt.Sscan(s.Frames, &n)
			t.Logf("ffprobe: %+v; stderr %q", s, strings.TrimSpace(errb.String()))
			if s.Codec != c.ffCodec || s.Width != publishW || s.Height != publishH || n < 60 || strings.TrimSpace(errb.String()) != "" {
				t.Errorf("ffprobe read %+v (stderr %q), want %s %dx%d, at least 60 frames in 3 s, no error", s, errb.String(), c.ffCodec, publishW, publishH)
			}
		})
	}
}

// firstRTMPPicture plays url (rtmp://HOST:PORT/APP/KEY) with gortmplib and returns when the
// first picture arrived, its keyframe flag and its NAL unit types.
func firstRTMPPicture(ctx context.Context, raw string) (time.Time, bool, []ph264.NALType) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return time.Time{}, false, nil
	}
	i := strings.LastIndex(u.Path, "/")
	u.Path, u.Fragment = u.Path[:i], u.Path[i+1:] // gortmplib's form: app#key
	c := &gortmplib.Client{URL: u}
	if c.Initialize(ctx) != nil {
		return time.Time{}, false, nil
	}
	defer c.Close()
	defer context.AfterFunc(ctx, c.Close)()
	for {
		msg, err := c.Read()
		if err != nil {
			return time.Time{}, false, nil
		}
		v, ok := msg.(*message.Video)
		if !ok || v.Type != message.VideoTypeAU {
			continue
		}
		at := time.Now()
		var au mch264.AVCC
		if au.Unmarshal(v.AU) != nil {
			return at, false, nil
		}
		var types []ph264.NALType
		for _, nal := range au {
			types = append(types, ph264.TypeOf(nal))
		}
		return at, v.IsKeyFrame, types
	}
}

// httpGet returns the body at url ("" on an error).
func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
