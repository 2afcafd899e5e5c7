package rtsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/picam-project/picam/av"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// rawClient speaks RTSP over a plain socket, so tests see exactly what the server sends.
type rawClient struct {
	t    testing.TB
	nc   net.Conn
	br   *bufio.Reader
	cseq int
}

func dialRaw(t testing.TB, url string) *rawClient {
	t.Helper()
	addr := strings.TrimPrefix(url, "rtsp://")
	addr, _, _ = strings.Cut(addr, "/")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
}

type rawResponse struct {
	status int
	header textproto.MIMEHeader
	body   []byte
	// frames counts interleaved frames read before the response.
	frames int
}

// do sends a request with the given extra header lines and reads the response.
func (c *rawClient) do(method, uri string, header ...string) rawResponse {
	c.t.Helper()
	c.cseq++
	req := fmt.Sprintf("%s %s RTSP/1.0\r\nCSeq: %d\r\n", method, uri, c.cseq)
	for _, h := range header {
		req += h + "\r\n"
	}
	if _, err := io.WriteString(c.nc, req+"\r\n"); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	r, err := c.read()
	if err != nil {
		c.t.Fatalf("%s: reading the response: %v", method, err)
	}
	if got := r.header.Get("Cseq"); r.status != 400 && got != strconv.Itoa(c.cseq) {
		c.t.Errorf("%s: CSeq %q, want %d", method, got, c.cseq)
	}
	return r
}

// read reads one response, skipping interleaved frames.
func (c *rawClient) read() (rawResponse, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var r rawResponse
	for {
		b, err := c.br.Peek(1)
		if err != nil {
			return r, err
		}
		if b[0] != '$' {
			break
		}
		if _, err := readInterleaved(c.br, make([]byte, 65536)); err != nil {
			return r, err
		}
		r.frames++
	}
	tp := textproto.NewReader(c.br)
	line, err := tp.ReadLine()
	if err != nil {
		return r, err
	}
	f := strings.SplitN(line, " ", 3)
	if len(f) < 2 || f[0] != "RTSP/1.0" {
		return r, fmt.Errorf("bad status line %q", line)
	}
	r.status, _ = strconv.Atoi(f[1])
	if r.header, err = tp.ReadMIMEHeader(); err != nil {
		return r, err
	}
	if n, _ := strconv.Atoi(r.header.Get("Content-Length")); n > 0 {
		r.body = make([]byte, n)
		_, err = io.ReadFull(c.br, r.body)
	}
	return r, err
}

// countFrames reads interleaved RTP on channel 0 for d and counts complete pictures (RTP
// packets with the marker bit).
func (c *rawClient) countFrames(d time.Duration) (pictures int, err error) {
	buf := make([]byte, 65536)
	end := time.Now().Add(d)
	_ = c.nc.SetReadDeadline(end)
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return pictures, nil
			}
			return pictures, err
		}
		if hdr[0] != '$' {
			return pictures, fmt.Errorf("expected an interleaved frame, got %q", hdr[0])
		}
		n := int(binary.BigEndian.Uint16(hdr[2:]))
		if _, err := io.ReadFull(c.br, buf[:n]); err != nil {
			return pictures, err
		}
		if hdr[1] == 0 && n >= 12 && buf[1]&0x80 != 0 {
			pictures++
		}
	}
}

// play sets up and plays over TCP, returning the session id.
func (c *rawClient) play(url string) string {
	c.t.Helper()
	if r := c.do("DESCRIBE", url); r.status != 200 {
		c.t.Fatalf("DESCRIBE: %d", r.status)
	}
	r := c.do("SETUP", url+"/trackID=0", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	if r.status != 200 {
		c.t.Fatalf("SETUP: %d", r.status)
	}
	sid, _, _ := strings.Cut(r.header.Get("Session"), ";")
	if r := c.do("PLAY", url, "Session: "+sid); r.status != 200 {
		c.t.Fatalf("PLAY: %d", r.status)
	}
	return sid
}

// quietLogger keeps the server's info logs out of the test output.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func TestStatusCodes(t *testing.T) {
	ts := startServer(t, Config{Logger: quietLogger()}, jpegSource(t, 30), 30)
	c := dialRaw(t, ts.url)
	r := c.do("OPTIONS", ts.url)
	if r.status != 200 || !strings.Contains(r.header.Get("Public"), "GET_PARAMETER") {
		t.Errorf("OPTIONS: %d Public %q", r.status, r.header.Get("Public"))
	}
	for _, tc := range []struct {
		name, method, uri string
		header            []string
		want              int
	}{
		{"unknown path", "DESCRIBE", "rtsp://h/other", nil, 404},
		{"PLAY without SETUP", "PLAY", ts.url, nil, 455},
		{"PLAY with an unknown session", "PLAY", ts.url, []string{"Session: 1234"}, 454},
		{"TEARDOWN without SETUP", "TEARDOWN", ts.url, nil, 455},
		{"SETUP of an unknown track", "SETUP", ts.url + "/trackID=7", []string{"Transport: RTP/AVP/TCP;unicast;interleaved=0-1"}, 404},
		{"SETUP multicast only", "SETUP", ts.url + "/trackID=0", []string{"Transport: RTP/AVP;multicast;port=5000-5001"}, 461},
		{"SETUP without transport", "SETUP", ts.url + "/trackID=0", nil, 461},
		{"RECORD", "RECORD", ts.url, nil, 501},
		{"keep-alive before SETUP", "GET_PARAMETER", ts.url, nil, 200},
	} {
		if r := c.do(tc.method, tc.uri, tc.header...); r.status != tc.want {
			t.Errorf("%s: %s answered %d, want %d", tc.name, tc.method, r.status, tc.want)
		}
	}
	// A request without CSeq: 400, and the connection stays usable.
	if _, err := io.WriteString(c.nc, "OPTIONS * RTSP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if r, err := c.read(); err != nil || r.status != 400 {
		t.Errorf("request without CSeq: %d, %v; want 400", r.status, err)
	}
	// The same connection then plays, with RTP-Info and a session time-out.
	r = c.do("DESCRIBE", ts.url)
	if r.status != 200 || r.header.Get("Content-Type") != "application/sdp" || r.header.Get("Content-Base") != ts.url+"/" {
		t.Fatalf("DESCRIBE: %d %v", r.status, r.header)
	}
	if !bytes.Contains(r.body, []byte("m=video 0 RTP/AVP 26")) || !bytes.Contains(r.body, []byte("a=control:trackID=0")) {
		t.Errorf("SDP:\n%s", r.body)
	}
	r = c.do("SETUP", ts.url+"/trackID=0", "Transport: RTP/AVP/TCP;unicast;interleaved=4-5")
	if r.status != 200 || !strings.Contains(r.header.Get("Transport"), "interleaved=4-5") || !strings.HasSuffix(r.header.Get("Session"), ";timeout=60") {
		t.Fatalf("SETUP: %d %v", r.status, r.header)
	}
	sid, _, _ := strings.Cut(r.header.Get("Session"), ";")
	if r := c.do("SETUP", ts.url+"/trackID=0", "Transport: RTP/AVP/TCP;unicast", "Session: "+sid); r.status != 455 {
		t.Errorf("second SETUP of the track: %d, want 455", r.status)
	}
	r = c.do("PLAY", ts.url, "Session: "+sid)
	if r.status != 200 || !strings.Contains(r.header.Get("RTP-Info"), "url="+ts.url+"/trackID=0;seq=") {
		t.Fatalf("PLAY: %d %v", r.status, r.header)
	}
	time.Sleep(300 * time.Millisecond) // pictures arrive
	// PLAY while playing is fine (and, under -race, touches nothing the sender owns).
	if r := c.do("PLAY", ts.url, "Session: "+sid); r.status != 200 {
		t.Errorf("second PLAY: %d", r.status)
	}
	// PAUSE stops the pictures, PLAY resumes them.
	if r := c.do("PAUSE", ts.url, "Session: "+sid); r.status != 200 {
		t.Errorf("PAUSE: %d", r.status)
	}
	if n, err := c.countFrames(300 * time.Millisecond); err != nil || n > 12 {
		// Only what was in flight before PAUSE (at most the socket buffers' worth).
		t.Logf("after PAUSE: %d pictures, %v", n, err)
	}
	if n, err := c.countFrames(300 * time.Millisecond); err != nil || n != 0 {
		t.Errorf("pictures while paused: %d, %v", n, err)
	}
	if r := c.do("PLAY", ts.url, "Session: "+sid); r.status != 200 || !strings.Contains(r.header.Get("RTP-Info"), "seq=") {
		t.Errorf("PLAY after PAUSE: %d %v", r.status, r.header)
	}
	time.Sleep(300 * time.Millisecond)
	r = c.do("GET_PARAMETER", ts.url, "Session: "+sid)
	if r.status != 200 || r.frames == 0 {
		t.Errorf("GET_PARAMETER while playing: %d after %d interleaved frames", r.status, r.frames)
	}
	if ss := ts.Sessions(); len(ss) != 1 || ss[0].ID != sid || !ss[0].Playing || ss[0].Transport != "tcp" || ss[0].Frames == 0 || ss[0].Bytes == 0 {
		t.Errorf("Sessions: %+v", ss)
	}
	if r := c.do("TEARDOWN", ts.url, "Session: "+sid); r.status != 200 {
		t.Errorf("TEARDOWN: %d", r.status)
	}
	waitFor(t, "the feed to close after TEARDOWN", func() bool { return ts.b.feeds() == 0 })
	if ss := ts.Sessions(); len(ss) != 0 {
		t.Errorf("Sessions after TEARDOWN: %+v", ss)
	}
}

// TestSlowRequest: a client that starts a request and trickles the rest is cut off.
func TestSlowRequest(t *testing.T) {
	ts := startServer(t, Config{Logger: quietLogger()}, jpegSource(t, 30), 30,
		func(s *Server) { s.requestTimeout = 300 * time.Millisecond })
	c := dialRaw(t, ts.url)
	start := time.Now()
	if _, err := io.WriteString(c.nc, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, c.br); err != nil && !isReset(err) {
		t.Fatalf("the connection was not closed: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("closed after %v", d)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOversizedRequests: an endless request line, 10 MB of headers and an oversized body each
// get their status, the connection is closed, and the server serves the next client.
func TestOversizedRequests(t *testing.T) {
	ts := startServer(t, Config{Logger: quietLogger()}, jpegSource(t, 30), 30)
	for _, tc := range []struct {
		name string
		data func(w io.Writer) error
		want int
	}{
		{"endless request line", func(w io.Writer) error {
			if _, err := io.WriteString(w, "DESCRIBE rtsp://h/"); err != nil {
				return err
			}
			_, err := io.Copy(w, io.LimitReader(repeatReader('a'), 10<<20))
			return err
		}, 414},
		{"10 MB of headers", func(w io.Writer) error {
			if _, err := io.WriteString(w, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n"); err != nil {
				return err
			}
			line := []byte("X-Filler: " + strings.Repeat("b", 100) + "\r\n")
			for i := 0; i < 10<<20/len(line); i++ {
				if _, err := w.Write(line); err != nil {
					return err
				}
			}
			return nil
		}, 431},
		{"one huge header line", func(w io.Writer) error {
			_, err := io.WriteString(w, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: "+strings.Repeat("c", 1<<20)+"\r\n\r\n")
			return err
		}, 431},
		{"a 1 GB body", func(w io.Writer) error {
			_, err := io.WriteString(w, "SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 1000000000\r\n\r\n")
			return err
		}, 413},
		{"HTTP", func(w io.Writer) error {
			_, err := io.WriteString(w, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			return err
		}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, ts.url)
			go func() { _ = tc.data(c.nc) }() // fails once the server hangs up
			r, err := c.read()
			if err != nil || r.status != tc.want {
				t.Fatalf("status %d, %v; want %d", r.status, err, tc.want)
			}
			_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.Copy(io.Discard, c.br); err != nil && !isReset(err) {
				t.Errorf("the server did not close the connection: %v", err)
			}
			d := dialRaw(t, ts.url)
			if r := d.do("OPTIONS", "*"); r.status != 200 {
				t.Errorf("the next client got %d", r.status)
			}
		})
	}
}

func isReset(err error) bool { return err != nil && errors.Is(err, syscall.ECONNRESET) }

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestStalledClientIsDropped: a client that stops reading is dropped after WriteTimeout,
// while another client keeps getting every frame.
func TestStalledClientIsDropped(t *testing.T) {
	ts := startServer(t, Config{Logger: quietLogger(), WriteTimeout: 500 * time.Millisecond}, jpegSource(t, 30), 30)
	// A small receive buffer, set before connecting so that the window stays small.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	nc, err := d.Dial("tcp", ts.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	stalled := &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
	stalled.play(ts.url)
	healthy := dialRaw(t, ts.url)
	healthy.play(ts.url)
	start := time.Now()
	// The stalled client's session ends: one feed is left.
	waitFor(t, "the stalled client to be dropped", func() bool { return ts.b.feeds() == 1 })
	dropped := time.Since(start)
	n, err := healthy.countFrames(2 * time.Second)
	t.Logf("stalled client dropped after %v; the other got %d pictures in the next 2 s", dropped.Round(time.Millisecond), n)
	if err != nil || n < 50 {
		t.Errorf("the healthy client got %d pictures in 2 s at 30 fps (%v)", n, err)
	}
}

// TestSessionTimeout: a UDP session whose client goes quiet ends after SessionTimeout; one
// that sends keep-alives lives on.
func TestSessionTimeout(t *testing.T) {
	ts := startServer(t, Config{Logger: quietLogger(), SessionTimeout: time.Second}, jpegSource(t, 30), 30)
	udp := func(c *rawClient) string {
		c.do("DESCRIBE", ts.url)
		r := c.do("SETUP", ts.url+"/trackID=0", "Transport: RTP/AVP;unicast;client_port=40000-40001")
		if r.status != 200 || !strings.Contains(r.header.Get("Transport"), "server_port=") {
			t.Fatalf("SETUP: %d %v", r.status, r.header)
		}
		sid, _, _ := strings.Cut(r.header.Get("Session"), ";")
		if r := c.do("PLAY", ts.url, "Session: "+sid); r.status != 200 {
			t.Fatalf("PLAY: %d", r.status)
		}
		return sid
	}
	quiet, pinging := dialRaw(t, ts.url), dialRaw(t, ts.url)
	udp(quiet)
	sid := udp(pinging)
	start := time.Now()
	for time.Since(start) < 2500*time.Millisecond {
		time.Sleep(300 * time.Millisecond)
		if r := pinging.do("GET_PARAMETER", ts.url, "Session: "+sid); r.status != 200 {
			t.Fatalf("keep-alive after %v: %d", time.Since(start), r.status)
		}
	}
	_ = quiet.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, quiet.br); err != nil && !isReset(err) {
		t.Errorf("the quiet client's connection was not closed: %v", err)
	}
	if n := ts.b.feeds(); n != 1 {
		t.Errorf("%d feeds open, want 1 (the pinging client's)", n)
	}
}

func TestLimits(t *testing.T) {
	ts := startServer(t, Config{Logger: quietLogger(), MaxSessions: 1, MaxConns: 2}, jpegSource(t, 30), 30)
	a, b := dialRaw(t, ts.url), dialRaw(t, ts.url)
	a.play(ts.url)
	if r := b.do("SETUP", ts.url+"/trackID=0", "Transport: RTP/AVP/TCP;unicast"); r.status != 453 {
		t.Errorf("SETUP beyond MaxSessions: %d, want 453", r.status)
	}
	c := dialRaw(t, ts.url)
	if r := c.do("OPTIONS", "*"); r.status != 503 {
		t.Errorf("a connection beyond MaxConns: %d, want 503", r.status)
	}
}

func TestServeEndsWithContext(t *testing.T) {
	b := newBroadcaster()
	s, err := New(Config{Subscribe: b.Subscribe, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Serve(ctx, ln) }()
	go b.run(ctx, jpegSource(t, 30).packets, 30)
	c := dialRaw(t, "rtsp://"+ln.Addr().String()+"/cam")
	c.play("rtsp://" + ln.Addr().String() + "/cam")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if n := b.feeds(); n != 0 {
		t.Errorf("%d feeds open after Serve returned", n)
	}
}

// TestSenderReports: a playing session sends an RTCP sender report with its first packet,
// with the session's SSRC, tying an RTP timestamp of the stream to wall-clock time.
func TestSenderReports(t *testing.T) {
	ts := startServer(t, Config{Logger: quietLogger()}, jpegSource(t, 30), 30)
	c := dialRaw(t, ts.url)
	c.do("DESCRIBE", ts.url)
	r := c.do("SETUP", ts.url+"/trackID=0", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	_, ssrcHex, _ := strings.Cut(r.header.Get("Transport"), "ssrc=")
	ssrc, _ := strconv.ParseUint(ssrcHex, 16, 32)
	sid, _, _ := strings.Cut(r.header.Get("Session"), ";")
	c.do("PLAY", ts.url, "Session: "+sid)
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var rtpTS []uint32
	for range 20 {
		var hdr [4]byte
		if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, binary.BigEndian.Uint16(hdr[2:]))
		if _, err := io.ReadFull(c.br, b); err != nil {
			t.Fatal(err)
		}
		if hdr[1] == 0 {
			var p rtp.Packet
			if err := p.Unmarshal(b); err != nil || p.SSRC != uint32(ssrc) || p.PayloadType != 26 {
				t.Fatalf("RTP packet: %v, SSRC %08X PT %d", err, p.SSRC, p.PayloadType)
			}
			rtpTS = append(rtpTS, p.Timestamp)
			continue
		}
		pkts, err := rtcp.Unmarshal(b)
		if err != nil {
			t.Fatalf("RTCP on channel %d: %v", hdr[1], err)
		}
		sr, ok := pkts[0].(*rtcp.SenderReport)
		if !ok || sr.SSRC != uint32(ssrc) || len(rtpTS) == 0 || sr.RTPTime != rtpTS[len(rtpTS)-1] || sr.PacketCount != uint32(len(rtpTS)) {
			t.Fatalf("sender report %+v after RTP timestamps %v", pkts[0], rtpTS)
		}
		ntp := time.Unix(int64(sr.NTPTime>>32)-2208988800, int64((sr.NTPTime&0xffffffff)*1e9>>32))
		if d := time.Since(ntp); d < 0 || d > 2*time.Second {
			t.Errorf("sender report's NTP time is %v from now", d)
		}
		return
	}
	t.Fatal("no sender report with the first picture")
}

// Pictures stamped within the same millisecond (a burst from a pipe, stamped on arrival) get
// RTP timestamps at least a millisecond apart: a receiver reads pictures that share a
// timestamp as one picture. A picture stamped before the last one still goes forward.
func TestRTPTimestampsIncreaseInABurst(t *testing.T) {
	s := newRTPSender(av.H264)
	t0 := time.Now()
	idr := []byte{0, 0, 0, 1, 0x65, 0x88, 0x84}
	var got []uint32
	for _, at := range []time.Duration{0, 10 * time.Microsecond, 20 * time.Microsecond, -time.Millisecond, 100 * time.Millisecond} {
		pkts, err := s.packetize(av.Packet{Codec: av.H264, Data: idr, Keyframe: true, Captured: t0.Add(at)})
		if err != nil || len(pkts) == 0 {
			t.Fatalf("packetize: %d packets, %v", len(pkts), err)
		}
		got = append(got, binary.BigEndian.Uint32(pkts[0].hdr[4:]))
	}
	for i := 1; i < len(got); i++ {
		if d := int32(got[i] - got[i-1]); d < clockRate/1000 {
			t.Errorf("picture %d: RTP timestamp %d after the last, want ≥ %d (1 ms): %v", i, d, clockRate/1000, got)
		}
	}
	// The capture clock still rules when pictures are far enough apart.
	if d := got[4] - got[0]; d != 100*clockRate/1000 {
		t.Errorf("100 ms after the first picture: %d RTP ticks, want %d", d, 100*clockRate/1000)
	}
}
