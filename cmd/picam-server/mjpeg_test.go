package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/hw/status"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/stream"
)

// mjpegRig is picam-server's HTTP listener on loopback with a hub publishing real JPEGs (the
// test pattern through the pure-Go encoder) every 10 ms.
type mjpegRig struct {
	url    string
	codec  av.Codec // the pipeline's codec the HTTP server is told
	mj     *mjpegOutput
	stop   context.CancelFunc // stops the HTTP server (as picam-server stopping does)
	width  int                // the pictures' size
	height int
}

// jpegFrames encodes n frames of the test pattern at w x h.
func jpegFrames(t *testing.T, n, w, h int) [][]byte {
	t.Helper()
	pat, err := picimage.NewTestPattern(w, h)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := codec.NewJPEG(90)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var out [][]byte
	for i := range n {
		p, err := enc.Encode(picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: pat.Render(nil, uint64(i), time.Now()), Seq: uint64(i), Captured: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Data)
	}
	return out
}

func startMJPEGRig(t *testing.T, c av.Codec, auth *httpAuth, tune func(*mjpegOutput)) *mjpegRig {
	t.Helper()
	const w, h = 640, 480
	pics := jpegFrames(t, 8, w, h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv, err := stream.NewServer(stream.ServerConfig{Address: "127.0.0.1", Ports: []int{port}, Pattern: stream.PubSub})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hub := fanout.New(fanout.Config{})
	t.Cleanup(hub.Close)
	log := slog.New(slog.DiscardHandler)
	mj := newMJPEG(c, hub, log)
	if tune != nil {
		tune(mj)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for i := uint64(0); ctx.Err() == nil; i++ {
			hub.Publish(av.Packet{Codec: av.JPEG, Keyframe: true, Seq: i, Index: i, Data: pics[i%uint64(len(pics))], Width: w, Height: h, Captured: time.Now()})
			time.Sleep(10 * time.Millisecond)
		}
	}()
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := hln.Addr().String()
	hln.Close()
	httpCtx, stopHTTP := context.WithCancel(ctx)
	if _, err := startHTTP(httpCtx, addr, auth, srv, codec.Selection{Codec: c, Engine: codec.EngineSoftware, Impl: "pure Go"}, nil, mj, nil, nil, func() (status.State, int) { return status.Waiting, 0 }, log); err != nil {
		t.Fatal(err)
	}
	return &mjpegRig{url: "http://" + addr, codec: c, mj: mj, stop: stopHTTP, width: w, height: h}
}

// readParts reads n parts of a multipart/x-mixed-replace response, checking each is a JPEG of
// the rig's size with the Content-Length it declares.
func (r *mjpegRig) readParts(t *testing.T, resp *http.Response, n int) {
	t.Helper()
	next, err := r.parts(resp)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := next(); err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
	}
}

// parts returns a function that reads and checks the response's next part.
func (r *mjpegRig) parts(resp *http.Response) (func() error, error) {
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" || params["boundary"] == "" {
		return nil, fmt.Errorf("Content-Type %q (%v)", resp.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	return func() error {
		part, err := mr.NextPart()
		if err != nil {
			return err
		}
		if ct := part.Header.Get("Content-Type"); ct != "image/jpeg" {
			return fmt.Errorf("Content-Type %q", ct)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			return err
		}
		if cl, _ := strconv.Atoi(part.Header.Get("Content-Length")); cl != len(body) || cl == 0 {
			return fmt.Errorf("Content-Length %q, body %d bytes", part.Header.Get("Content-Length"), len(body))
		}
		img, err := jpeg.Decode(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("does not decode as JPEG: %w", err)
		}
		if b := img.Bounds(); b.Dx() != r.width || b.Dy() != r.height {
			return fmt.Errorf("picture is %v, want %dx%d", b, r.width, r.height)
		}
		return nil
	}, nil
}

// viewers reads /api/clients' MJPEG list (and checks the NetGear list is still there, and
// that the encoder is named as in the --json line: it was left empty over HTTP).
func (r *mjpegRig) viewers(t *testing.T) []mjpegClient {
	t.Helper()
	resp, err := http.Get(r.url + "/api/clients")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		Clients []json.RawMessage `json:"clients"`
		MJPEG   []mjpegClient     `json:"mjpeg"`
		Codec   string            `json:"codec"`
		Engine  string            `json:"engine"`
		Encoder string            `json:"encoder"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || s.Clients == nil {
		t.Fatalf("/api/clients: %v, clients %v", err, s.Clients)
	}
	if s.Codec != string(r.codec) || s.Engine != "software" || s.Encoder != "pure Go" {
		t.Fatalf("/api/clients names codec %q, engine %q, encoder %q; want %q, software, pure Go", s.Codec, s.Engine, s.Encoder, r.codec)
	}
	return s.MJPEG
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("after 10 s: %s", what)
		}
	}
}

// /stream.mjpg is a multipart stream of the encoder's JPEGs, its viewer listed in
// /api/clients while it watches and gone when it leaves; /snapshot.jpg is one JPEG; stopping
// the server ends a stream that is still open.
func TestMJPEGStreamAndSnapshot(t *testing.T) {
	r := startMJPEGRig(t, av.JPEG, nil, nil)
	resp, err := http.Get(r.url + "/stream.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET /stream.mjpg: %s", resp.Status)
	}
	r.readParts(t, resp, 30)
	vs := r.viewers(t)
	if len(vs) != 1 || vs[0].Frames < 30 || vs[0].Remote == "" {
		t.Fatalf("/api/clients mjpeg = %+v, want one viewer with >= 30 frames", vs)
	}
	resp.Body.Close()
	waitFor(t, "the viewer that left is still listed", func() bool { return len(r.viewers(t)) == 0 })

	snap, err := http.Get(r.url + "/snapshot.jpg")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(snap.Body)
	snap.Body.Close()
	if snap.StatusCode != 200 || snap.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET /snapshot.jpg: %s %s", snap.Status, snap.Header.Get("Content-Type"))
	}
	if img, err := jpeg.Decode(bytes.NewReader(body)); err != nil || img.Bounds().Dx() != r.width {
		t.Fatalf("/snapshot.jpg: %v", err)
	}

	resp, err = http.Get(r.url + "/stream.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r.readParts(t, resp, 1)
	r.stop()
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, resp.Body); done <- err }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream is still open 10 s after the server stopped")
	}
	waitFor(t, "the viewer's subscription outlived the server", func() bool { return len(r.mj.clients()) == 0 })
}

// With H.264 (or raw) there is no JPEG to send: both routes answer 409 with the fix.
func TestMJPEGNeedsTheJPEGCodec(t *testing.T) {
	for _, c := range []av.Codec{av.H264, av.Raw} {
		r := startMJPEGRig(t, c, nil, nil)
		for _, path := range []string{"/stream.mjpg", "/snapshot.jpg"} {
			resp, err := http.Get(r.url + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), "--codec jpeg") {
				t.Errorf("%s with %s: %s %q; want 409 naming --codec jpeg", path, c, resp.Status, body)
			}
		}
	}
}

// Beyond the cap a viewer gets 503 with the reason; one leaving makes room.
func TestMJPEGViewerCap(t *testing.T) {
	r := startMJPEGRig(t, av.JPEG, nil, func(m *mjpegOutput) { m.maxViewers = 2 })
	var open []*http.Response
	for range 2 {
		resp, err := http.Get(r.url + "/stream.mjpg")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		r.readParts(t, resp, 1)
		open = append(open, resp)
	}
	resp, err := http.Get(r.url + "/stream.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "2 MJPEG viewers") {
		t.Fatalf("third viewer: %s %q; want 503 naming the limit", resp.Status, body)
	}
	open[0].Body.Close()
	waitFor(t, "a viewer that left still holds a place", func() bool {
		resp, err := http.Get(r.url + "/stream.mjpg")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// A viewer that stops reading is cut off after the write deadline and its subscription
// closed, while another viewer keeps getting every picture it reads.
func TestMJPEGStalledViewerIsCut(t *testing.T) {
	r := startMJPEGRig(t, av.JPEG, nil, func(m *mjpegOutput) { m.writeTimeout = 500 * time.Millisecond })
	// A raw TCP client with a small receive window that sends the request and never reads.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	stalled, err := d.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	fmt.Fprintf(stalled, "GET /stream.mjpg HTTP/1.1\r\nHost: picam\r\n\r\n")
	me := stalled.LocalAddr().String()
	listed := func() bool {
		for _, v := range r.mj.clients() {
			if v.Remote == me {
				return true
			}
		}
		return false
	}
	waitFor(t, "the stalled viewer never joined", listed)

	// The healthy viewer reads all along, counting its pictures.
	resp, err := http.Get(r.url + "/stream.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	next, err := r.parts(resp)
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Int64
	readErr := make(chan error, 1)
	go func() {
		for {
			if err := next(); err != nil {
				readErr <- err
				return
			}
			got.Add(1)
		}
	}()
	start := time.Now()
	waitFor(t, "the stalled viewer was not cut off", func() bool { return !listed() })
	cut, atCut := time.Since(start), got.Load()
	waitFor(t, "the healthy viewer got no 30 pictures after the cut", func() bool {
		select {
		case err := <-readErr:
			t.Fatalf("the healthy viewer's stream failed: %v", err)
		default:
		}
		return got.Load() >= atCut+30
	})
	t.Logf("stalled viewer cut %v after the healthy one joined, which had %d pictures by then", cut.Round(time.Millisecond), atCut)
	if atCut == 0 {
		t.Error("the healthy viewer got nothing while the other stalled")
	}
	resp.Body.Close()

	// The stalled connection is closed: draining it ends (after what the buffers held).
	stalled.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, bufio.NewReader(stalled))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the stalled viewer's connection is still open (%d bytes drained)", n)
	}
}

// With --http-token-file, MJPEG needs the token like every other path: a bearer header, or
// ?token= once in a browser, which sets an HttpOnly SameSite=Strict cookie that later GETs
// carry (but never a POST).
func TestMJPEGNeedsTheToken(t *testing.T) {
	const token = "mjpeg-test-token-0123456789"
	r := startMJPEGRig(t, av.JPEG, &httpAuth{digest: sha256.Sum256([]byte(token))}, nil)
	get := func(path string, h http.Header) (*http.Response, string) {
		req, _ := http.NewRequest("GET", r.url+path, nil)
		if h != nil {
			req.Header = h
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "multipart/") {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp, string(b)
		}
		return resp, ""
	}
	for _, c := range []struct {
		path string
		h    http.Header
	}{
		{"/stream.mjpg", nil},
		{"/snapshot.jpg", nil},
		{"/stream.mjpg?token=wrong-token-0123456789", nil},
		{"/stream.mjpg", http.Header{"Authorization": {"Bearer wrong-token-0123456789"}}},
		{"/stream.mjpg", http.Header{"Cookie": {tokenCookie + "=wrong-token-0123456789"}}},
	} {
		resp, body := get(c.path, c.h)
		resp.Body.Close()
		if resp.StatusCode != 401 || strings.Contains(body, "image/jpeg") {
			t.Errorf("GET %s %v: %s %q; want 401 and no picture", c.path, c.h, resp.Status, body)
		}
	}

	resp, _ := get("/stream.mjpg", http.Header{"Authorization": {"Bearer " + token}})
	if resp.StatusCode != 200 {
		t.Fatalf("with the bearer token: %s", resp.Status)
	}
	r.readParts(t, resp, 3)
	resp.Body.Close()

	resp, _ = get("/stream.mjpg?token="+token, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("with ?token=: %s", resp.Status)
	}
	r.readParts(t, resp, 3)
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == tokenCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("?token= set cookie %+v; want HttpOnly, SameSite=Strict", cookie)
	}
	resp, body := get("/snapshot.jpg", http.Header{"Cookie": {cookie.String()}})
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("/snapshot.jpg with the cookie: %s %q", resp.Status, body)
	}
	req, _ := http.NewRequest("POST", r.url+"/api/update", strings.NewReader("x"))
	req.AddCookie(cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("POST /api/update with the cookie: %s; want 401 (the cookie is for GET only)", resp.Status)
	}
}
