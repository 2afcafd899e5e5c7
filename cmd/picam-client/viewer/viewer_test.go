package viewer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"github.com/picam-project/picam/av"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/cmd/picam-client/media/mediatest"
	"github.com/picam-project/picam/cmd/picam-client/viewer/browsertest"
	picimage "github.com/picam-project/picam/image"
)

const port = 5566

// publish sends the frames round and round at 30 fps until the test ends.
func publish(t *testing.T, s *Server, codecName av.Codec, frames [][]byte, gop int) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			now := time.Now()
			k := i % len(frames)
			s.Publish(&media.Packet{Packet: av.Packet{Codec: codecName, Data: frames[k], Keyframe: gop == 0 || k%gop == 0, Seq: uint64(i), Captured: now.Add(-5 * time.Millisecond), Width: 320, Height: 240}, Camera: port, Received: now})
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func newServer(t *testing.T, status func() []media.CameraStatus) (*Server, *httptest.Server) {
	s := New(Config{Ports: []int{port}, Status: status})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); hs.Close() })
	return s, hs
}

func TestStreamFraming(t *testing.T) {
	s, hs := newServer(t, nil)
	frames := mediatest.JPEG(t, 64, 48, 3)
	publish(t, s, av.JPEG, frames, 0)
	resp, err := http.Get(hs.URL + "/stream/5566")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	var last uint64
	for i := range 5 {
		var n uint32
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			t.Fatal(err)
		}
		metaBytes := make([]byte, n)
		io.ReadFull(r, metaBytes)
		var m packetMeta
		if err := json.Unmarshal(metaBytes, &m); err != nil {
			t.Fatalf("meta %q: %v", metaBytes, err)
		}
		binary.Read(r, binary.BigEndian, &n)
		data := make([]byte, n)
		if _, err := io.ReadFull(r, data); err != nil {
			t.Fatal(err)
		}
		if m.Codec != "jpeg" || !m.Key || m.Captured == 0 || m.Received-m.Captured != 5000 || !bytes.Equal(data, frames[m.Seq%3]) {
			t.Fatalf("packet %d: meta %+v, %d bytes", i, m, len(data))
		}
		if i > 0 && m.Seq <= last {
			t.Fatalf("sequence went from %d to %d", last, m.Seq)
		}
		last = m.Seq
	}
}

func TestMJPEGIsMultipart(t *testing.T) {
	s, hs := newServer(t, nil)
	frames := mediatest.JPEG(t, 64, 48, 2)
	publish(t, s, av.JPEG, frames, 0)
	resp, err := http.Get(hs.URL + "/mjpeg/5566")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	for range 3 {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part)
		if part.Header.Get("Content-Type") != "image/jpeg" || (!bytes.Equal(b, frames[0]) && !bytes.Equal(b, frames[1])) {
			t.Fatalf("part %v with %d bytes is not one of the frames", part.Header, len(b))
		}
	}
}

func TestCamerasAPIAndUnknownPorts(t *testing.T) {
	lat := 12.5
	_, hs := newServer(t, func() []media.CameraStatus {
		return []media.CameraStatus{{Port: port, State: media.StateStreaming, Codec: "h264", FPS: 30, LatencyMS: &lat, Message: json.RawMessage(`{"t":1}`)}}
	})
	resp, err := http.Get(hs.URL + "/api/cameras")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Cameras []struct {
			Port      int             `json:"port"`
			State     string          `json:"state"`
			LatencyMS float64         `json:"latency_ms"`
			Message   json.RawMessage `json:"message"`
		} `json:"cameras"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if len(got.Cameras) != 1 || got.Cameras[0].State != "streaming" || got.Cameras[0].LatencyMS != 12.5 || string(got.Cameras[0].Message) != `{"t":1}` {
		t.Fatalf("/api/cameras: %+v", got)
	}
	for _, path := range []string{"/stream/5567", "/stream/x", "/mjpeg/1"} {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
	resp, err = http.Get(hs.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(page, []byte("viewer.js")) {
		t.Fatalf("/ is not the page: %.200s", page)
	}
}

// Close ends every open stream, so the client can shut down with browsers still attached.
func TestCloseEndsStreams(t *testing.T) {
	s, hs := newServer(t, nil)
	resp, err := http.Get(hs.URL + "/stream/5566")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(resp.Body); done <- err }()
	s.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stream ended with %v, want a clean end", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stream still open after Close")
	}
}

// watch opens the page in Chromium, waits for drawn frames and returns two screenshots taken
// 700 ms apart with the counters the test pattern burnt into the pictures they show.
func watch(t *testing.T, url string) (shots [2][]byte, counters [2]uint64) {
	b := browsertest.Start(t, 800, 400)
	b.Navigate(url)
	b.WaitFor(`window.picam && window.picam.tiles[5566] && window.picam.tiles[5566].drawn > 10`, 20*time.Second)
	for i := range shots {
		if i > 0 {
			time.Sleep(700 * time.Millisecond)
		}
		shots[i] = b.Screenshot()
		bgr, w, h := browsertest.Crop(t, shots[i], b.Bounds(`.tile canvas`))
		n, ok := picimage.ReadCounter(bgr, w, h)
		if !ok {
			t.Fatalf("screenshot %d: no readable frame counter in the %dx%d canvas", i, w, h)
		}
		counters[i] = n
	}
	var st struct{ Errors int }
	b.Eval(`window.picam.tiles[5566]`, &st)
	if st.Errors != 0 {
		t.Errorf("the page counted %d errors", st.Errors)
	}
	return shots, counters
}

func TestBrowserShowsJPEG(t *testing.T) {
	s, hs := newServer(t, nil)
	publish(t, s, av.JPEG, mediatest.JPEG(t, 320, 240, 60), 0)
	shots, n := watch(t, hs.URL+"/")
	t.Logf("counters on screen: %d then %d", n[0], n[1])
	if n[0] == n[1] || bytes.Equal(shots[0], shots[1]) {
		t.Fatalf("the picture did not move: counter %d then %d", n[0], n[1])
	}
}

func TestBrowserDecodesH264(t *testing.T) {
	s, hs := newServer(t, nil)
	publish(t, s, av.H264, mediatest.H264(t, 320, 240, 60, 15), 15)
	shots, n := watch(t, hs.URL+"/")
	t.Logf("counters on screen: %d then %d", n[0], n[1])
	if n[0] == n[1] || bytes.Equal(shots[0], shots[1]) {
		t.Fatalf("the picture did not move: counter %d then %d", n[0], n[1])
	}
}

// The viewer's life is stream.Server's: New, Start (serving Config.Listener), Close, Wait.
// Close ends an open stream and the HTTP server; Wait returns once serving has ended; the
// address is free again; Start refuses a second call, a call after Close, and no Listener.
func TestLifecycle(t *testing.T) {
	if err := New(Config{}).Start(); err == nil {
		t.Error("Start without a Listener succeeded")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	s := New(Config{Ports: []int{port}, Listener: ln})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		t.Error("a second Start succeeded")
	}
	resp, err := http.Get("http://" + addr + "/stream/5566")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	read := make(chan error, 1)
	go func() { _, err := io.ReadAll(resp.Body); read <- err }()
	waited := make(chan error, 1)
	go func() { waited <- s.Wait() }()
	select {
	case <-waited:
		t.Fatal("Wait returned before Close")
	case <-time.After(100 * time.Millisecond):
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for name, ch := range map[string]chan error{"the stream": read, "Wait": waited} {
		select {
		case err := <-ch:
			if err != nil {
				t.Errorf("%s ended with %v", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s still running 5 s after Close", name)
		}
	}
	if err := s.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the viewer's address is still taken after Wait: %v", err)
	}
	ln2.Close()
	// Close without Start: Wait returns at once.
	s2 := New(Config{})
	s2.Close()
	if err := s2.Wait(); err != nil {
		t.Errorf("Wait after Close without Start: %v", err)
	}
}
