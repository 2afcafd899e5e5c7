package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/cmd/picam-client/viewer/browsertest"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/testkit"
	"github.com/picam-project/picam/stream"
)

// fullClientSummary is picam-client's --json line with the fields the client tests read.
type fullClientSummary struct {
	Frames       int                  `json:"frames"`
	DecodeErrors int                  `json:"decode_errors"`
	MissingParts int                  `json:"missing_parts"`
	Exit         string               `json:"exit"`
	Messages     []string             `json:"messages"`
	Cameras      []media.CameraStatus `json:"cameras"`
	Outputs      []struct {
		Name    string `json:"name"`
		Frames  int    `json:"frames"`
		Dropped int    `json:"dropped"`
		Error   string `json:"error"`
	} `json:"outputs"`
}

// startWithStdin is start with a pipe on the child's standard input.
func startWithStdin(t *testing.T, name string, args ...string) (*proc, io.WriteCloser) {
	t.Helper()
	p := testkit.StartT(t, exec.Command(filepath.Join(binDir, name), args...), testkit.Options{Name: name, Stdin: true})
	return &proc{Proc: p, t: t}, p.Stdin
}

// lastJSONLine decodes the last line of s that is a JSON object (the --json line on stderr
// when stdout carries video).
func lastJSONLine(t *testing.T, s string, v any) {
	t.Helper()
	if err := testkit.LastJSONLine(s, v); err != nil {
		t.Fatalf("%v in:\n%s", err, tail(s, 2000))
	}
}

// waitFor polls cond every 20 ms for up to d.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sender is an in-process picam sender (stream.NewServer) feeding one picam-client with
// prepared payloads at a steady rate, with capture times exactly 1/fps apart, so recordings
// have known frame counts and durations.
type sender struct {
	srv   *stream.Server
	sent  chan int // the index of each frame handed to Send, in order
	done  chan struct{}
	start time.Time
}

// sendFrames sends n frames (payloads[i % len]) of codecName at fps to the client on port,
// then closes the server (NetGear's terminate). keyEvery marks every keyEvery-th frame a
// keyframe (0: all).
func sendFrames(t *testing.T, port int, pattern stream.Pattern, codecName string, payloads [][]byte, w, h, keyEvery, n int, fps float64) *sender {
	t.Helper()
	srv, err := stream.NewServer(stream.ServerConfig{Address: "127.0.0.1", Ports: []int{port}, Pattern: pattern})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	s := &sender{srv: srv, sent: make(chan int, n), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(s.done)
		defer close(s.sent)
		defer srv.Close()
		select {
		case <-srv.Ready():
		case <-ctx.Done():
			return
		}
		s.start = time.Now()
		interval := time.Duration(float64(time.Second) / fps)
		var h264s h264.Packager
		for i := range n {
			next := s.start.Add(time.Duration(i) * interval)
			select {
			case <-time.After(time.Until(next)):
			case <-ctx.Done():
				return
			}
			pkt := av.Packet{Codec: av.Codec(codecName), Data: payloads[i%len(payloads)], Keyframe: keyEvery == 0 || i%keyEvery == 0}
			if pkt.Codec == av.H264 {
				pkt = h264s.Packet(pkt.Data) // the producer decides Keyframe and the parameter sets
			}
			pkt.Width, pkt.Height, pkt.Seq, pkt.Captured = w, h, uint64(i), s.start.Add(time.Duration(i)*interval)
			srv.Send(pkt)
			s.sent <- i
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return s
}

// saveScreenshot keeps a screenshot for the README when PICAM_SCREENSHOTS names a directory.
func saveScreenshot(t *testing.T, name string, png []byte) {
	dir := os.Getenv("PICAM_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Errorf("saving screenshot: %v", err)
	}
}

// watchTiles opens the viewer page, waits until every port's tile has drawn frames, and takes
// two screenshots 700 ms apart; for each port it returns the frame counter the test pattern
// burnt into the picture on screen, in each screenshot.
func watchTiles(t *testing.T, url string, width, height int, ports ...int) (shots [2][]byte, counters map[int][2]uint64) {
	t.Helper()
	b := browsertest.Start(t, width, height)
	b.Navigate(url)
	for _, p := range ports {
		b.WaitFor(fmt.Sprintf(`!!(window.picam && window.picam.tiles[%d] && window.picam.tiles[%d].drawn > 10)`, p, p), 30*time.Second)
	}
	time.Sleep(1200 * time.Millisecond) // let the overlay show a full second of numbers
	counters = map[int][2]uint64{}
	for i := range shots {
		if i > 0 {
			time.Sleep(700 * time.Millisecond)
		}
		shots[i] = b.Screenshot()
		for _, p := range ports {
			bgr, w, h := browsertest.Crop(t, shots[i], b.Bounds(fmt.Sprintf(`.tile[data-port="%d"] canvas`, p)))
			n, ok := picimage.ReadCounter(bgr, w, h)
			if !ok {
				t.Fatalf("screenshot %d: no readable frame counter in port %d's %dx%d picture", i, p, w, h)
			}
			c := counters[p]
			c[i] = n
			counters[p] = c
		}
	}
	for _, p := range ports {
		var st struct{ Errors, Drawn int }
		if err := b.Eval(fmt.Sprintf(`window.picam.tiles[%d]`, p), &st); err != nil {
			t.Fatal(err)
		}
		if st.Errors != 0 {
			t.Errorf("port %d: the page counted %d errors", p, st.Errors)
		}
	}
	return shots, counters
}
