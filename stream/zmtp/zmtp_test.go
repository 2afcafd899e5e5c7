package zmtp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// pair returns two handshaken connections over real loopback TCP.
func pair(t *testing.T, dialType, listenType string) (dialer, listener *Conn) {
	t.Helper()
	ctx := context.Background()
	ln, err := Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   *Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			ch <- res{nil, err}
			return
		}
		c, err := Handshake(nc, Options{SocketType: listenType, Picam: true})
		ch <- res{c, err}
	}()
	d, err := Dial(ctx, ln.Addr().String(), time.Second, Options{SocketType: dialType})
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { d.Close(); r.c.Close() })
	return d, r.c
}

func TestRoundTripAndBufferReuse(t *testing.T) {
	d, l := pair(t, REQ, REP)
	if l.PeerType != REQ || d.PeerType != REP {
		t.Fatalf("peer types %q %q", l.PeerType, d.PeerType)
	}
	if !d.IsPicam() || l.IsPicam() {
		t.Fatalf("X-Picam property not carried: dialer sees %v, listener sees %v", d.IsPicam(), l.IsPicam())
	}
	payload := bytes.Repeat([]byte{7}, 300000)
	var m Msg
	for i := 0; i < 3; i++ {
		payload[0] = byte(i)
		if err := d.WriteMsg(nil, []byte(`{"a": 1}`), payload); err != nil {
			t.Fatal(err)
		}
		// The caller may scribble on its buffer as soon as WriteMsg returns.
		payload[1] = 99
		if err := l.ReadMsg(&m, nil); err != nil {
			t.Fatal(err)
		}
		if len(m.Parts) != 3 || len(m.Parts[0]) != 0 || string(m.Parts[1]) != `{"a": 1}` || len(m.Parts[2]) != len(payload) {
			t.Fatalf("bad message: %d parts", len(m.Parts))
		}
		if m.Parts[2][0] != byte(i) {
			t.Fatalf("frame %d: payload[0]=%d", i, m.Parts[2][0])
		}
		payload[1] = 7
	}
}

func TestSocketTypeMismatchRefused(t *testing.T) {
	ctx := context.Background()
	ln, err := Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			c, err := Handshake(nc, Options{SocketType: SUB})
			if err == nil {
				c.Close()
			}
			nc.Close()
		}
	}()
	_, err = Dial(ctx, ln.Addr().String(), time.Second, Options{SocketType: REQ})
	if err == nil || !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "SUB") {
		t.Fatalf("REQ to SUB should be refused naming the peer type, got %v", err)
	}
}

// A peer announcing a huge frame is refused before anything is allocated (W8): zmq4 v0.17.0
// calls make([]byte, size) here and the runtime kills the process.
func TestHugeFrameRefusedBeforeAllocation(t *testing.T) {
	d, l := pair(t, PUB, SUB)
	var hdr [9]byte
	hdr[0] = flagLong
	binary.BigEndian.PutUint64(hdr[1:], 1<<40)
	if _, err := d.nc.Write(hdr[:]); err != nil {
		t.Fatal(err)
	}
	var m Msg
	err := l.ReadMsg(&m, nil)
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("want ErrFrameTooLarge, got %v", err)
	}
}

func TestHandshakeDeadlineOnSilentPeer(t *testing.T) {
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_, err = Handshake(nc, Options{SocketType: SUB, HandshakeTimeout: 200 * time.Millisecond})
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a timeout from a silent peer, got %v", err)
	}
}

func TestPingAnsweredAndReported(t *testing.T) {
	d, l := pair(t, PUB, SUB)
	if err := d.Ping(30); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteMsg([]byte("x")); err != nil {
		t.Fatal(err)
	}
	var cmds []string
	var m Msg
	if err := l.ReadMsg(&m, func(n string) { cmds = append(cmds, n) }); err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 1 || cmds[0] != "PING" || string(m.Parts[0]) != "x" {
		t.Fatalf("cmds %v msg %q", cmds, m.Parts)
	}
	// The PONG comes back to the dialer as a command before the next message.
	if err := l.WriteMsg([]byte{1}); err != nil {
		t.Fatal(err)
	}
	cmds = nil
	if err := d.ReadMsg(&m, func(n string) { cmds = append(cmds, n) }); err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 1 || cmds[0] != "PONG" {
		t.Fatalf("want PONG, got %v", cmds)
	}
}

// TestLibzmqInterop talks to pyzmq (libzmq 4.3) in both directions: our REQ to its REP with a
// REQ_CORRELATE-style id, our PUB to its SUB (HWM 1, as NetGear), its PUB to our SUB.
func TestLibzmqInterop(t *testing.T) {
	py := requirePyzmq(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("REQ to pyzmq REP", func(t *testing.T) {
		port := freePort(t)
		cmd := exec.CommandContext(ctx, py, "-c", `
import zmq, sys
s = zmq.Context().socket(zmq.REP); s.bind("tcp://127.0.0.1:`+port+`")
for i in range(3):
    m = s.recv_multipart(); s.send_multipart([b"ok" + m[-1][:1]])
`)
		cmd.Stderr = testWriter{t}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		c := dialRetry(t, ctx, "127.0.0.1:"+port, REQ)
		var m Msg
		for i := 0; i < 3; i++ {
			id := []byte{byte(i), 0, 0, 0}
			if err := c.WriteMsg(id, nil, []byte(`{"h": 1}`), []byte{byte('a' + i)}); err != nil {
				t.Fatal(err)
			}
			if err := c.ReadMsg(&m, nil); err != nil {
				t.Fatal(err)
			}
			if len(m.Parts) != 3 || !bytes.Equal(m.Parts[0], id) || len(m.Parts[1]) != 0 || string(m.Parts[2]) != "ok"+string(rune('a'+i)) {
				t.Fatalf("reply %d: %q", i, m.Parts)
			}
		}
	})

	t.Run("PUB to pyzmq SUB", func(t *testing.T) {
		port := freePort(t)
		cmd := exec.CommandContext(ctx, py, "-c", `
import zmq
s = zmq.Context().socket(zmq.SUB); s.set_hwm(1); s.setsockopt(zmq.SUBSCRIBE, b""); s.bind("tcp://127.0.0.1:`+port+`")
h = s.recv_json(); p = s.recv(); print(h["n"], len(p))
`)
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = testWriter{t}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := dialRetry(t, ctx, "127.0.0.1:"+port, PUB)
		// libzmq's SUB announces its subscription as a message [0x01 + topic].
		var m Msg
		if err := c.ReadMsg(&m, nil); err != nil {
			t.Fatal(err)
		}
		if len(m.Parts) != 1 || !bytes.Equal(m.Parts[0], []byte{1}) {
			t.Fatalf("subscription message %q", m.Parts)
		}
		if err := c.WriteMsg([]byte(`{"n": 42}`), make([]byte, 100000)); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(out.String()); got != "42 100000" {
			t.Fatalf("pyzmq SUB printed %q", got)
		}
	})

	t.Run("pyzmq PUB to our SUB", func(t *testing.T) {
		ln, err := Listen(ctx, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:")
		cmd := exec.CommandContext(ctx, py, "-c", `
import zmq, time
s = zmq.Context().socket(zmq.PUB); s.connect("tcp://127.0.0.1:`+port+`")
for i in range(100):
    s.send_multipart([b'{"i": %d}' % i, b"x" * 1000]); time.sleep(0.02)
`)
		cmd.Stderr = testWriter{t}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		nc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		c, err := Handshake(nc, Options{SocketType: SUB})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.WriteMsg([]byte{1}); err != nil {
			t.Fatal(err)
		}
		var m Msg
		if err := c.ReadMsg(&m, nil); err != nil {
			t.Fatal(err)
		}
		if len(m.Parts) != 2 || len(m.Parts[1]) != 1000 || !bytes.HasPrefix(m.Parts[0], []byte(`{"i": `)) {
			t.Fatalf("got %q", m.Parts)
		}
	})
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func requirePyzmq(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import zmq").Run(); err != nil {
		t.Fatalf("the libzmq interop tests need Debian's python3-zmq (%v); run `make deps` or `apt-get install python3-zmq`", err)
	}
	return py
}

func freePort(t *testing.T) string { t.Helper(); return strconv.Itoa(testkit.Port(t)) }

func dialRetry(t *testing.T, ctx context.Context, addr, typ string) *Conn {
	t.Helper()
	for {
		c, err := Dial(ctx, addr, time.Second, Options{SocketType: typ})
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c
		}
		select {
		case <-ctx.Done():
			t.Fatalf("dial %s: %v", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// NetGear's pattern 0 is PAIR/PAIR: a PAIR talks only to a PAIR, in both directions.
func TestPairHandshake(t *testing.T) {
	d, l := pair(t, PAIR, PAIR)
	if d.PeerType != PAIR || l.PeerType != PAIR {
		t.Fatalf("peer types %q %q", d.PeerType, l.PeerType)
	}
	var m Msg
	if err := d.WriteMsg([]byte(`{"h": 0}`), []byte("frame")); err != nil {
		t.Fatal(err)
	}
	if err := l.ReadMsg(&m, nil); err != nil || len(m.Parts) != 2 || string(m.Parts[1]) != "frame" {
		t.Fatalf("dialer to listener: %q %v", m.Parts, err)
	}
	if err := l.WriteMsg([]byte("reply")); err != nil {
		t.Fatal(err)
	}
	if err := d.ReadMsg(&m, nil); err != nil || len(m.Parts) != 1 || string(m.Parts[0]) != "reply" {
		t.Fatalf("listener to dialer: %q %v", m.Parts, err)
	}
	for _, other := range []string{REQ, REP, PUB, SUB} {
		if compatible(PAIR, other) || compatible(other, PAIR) {
			t.Errorf("PAIR accepted a %s peer", other)
		}
	}
}

// Our PAIR against libzmq's PAIR, both ways round, as NetGear's pattern 0 uses it: the side
// that binds (the receiver) answers each 2-part frame with one message.
func TestLibzmqPairInterop(t *testing.T) {
	py := requirePyzmq(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("PAIR to pyzmq PAIR", func(t *testing.T) {
		port := freePort(t)
		cmd := exec.CommandContext(ctx, py, "-c", `
import zmq
s = zmq.Context().socket(zmq.PAIR); s.bind("tcp://127.0.0.1:`+port+`")
for i in range(3):
    h = s.recv_json(); p = s.recv(); s.send_string("got %d %d" % (h["n"], len(p)))
`)
		cmd.Stderr = testWriter{t}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		c := dialRetry(t, ctx, "127.0.0.1:"+port, PAIR)
		var m Msg
		for i := 0; i < 3; i++ {
			if err := c.WriteMsg([]byte(`{"n": `+string(rune('0'+i))+`}`), make([]byte, 1000+i)); err != nil {
				t.Fatal(err)
			}
			if err := c.ReadMsg(&m, nil); err != nil {
				t.Fatal(err)
			}
			want := "got " + string(rune('0'+i)) + " 100" + string(rune('0'+i))
			if len(m.Parts) != 1 || string(m.Parts[0]) != want {
				t.Fatalf("reply %d: %q, want %q", i, m.Parts, want)
			}
		}
	})

	t.Run("pyzmq PAIR to our PAIR", func(t *testing.T) {
		ln, err := Listen(ctx, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:")
		cmd := exec.CommandContext(ctx, py, "-c", `
import zmq
s = zmq.Context().socket(zmq.PAIR); s.connect("tcp://127.0.0.1:`+port+`")
s.send_multipart([b'{"i": 7}', b"x" * 500]); print(s.recv().decode())
`)
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = testWriter{t}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		nc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		c, err := Handshake(nc, Options{SocketType: PAIR})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var m Msg
		if err := c.ReadMsg(&m, nil); err != nil {
			t.Fatal(err)
		}
		if len(m.Parts) != 2 || string(m.Parts[0]) != `{"i": 7}` || len(m.Parts[1]) != 500 {
			t.Fatalf("got %q", m.Parts)
		}
		if err := c.WriteMsg([]byte("ack")); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(out.String()); got != "ack" {
			t.Fatalf("pyzmq PAIR printed %q", got)
		}
	})
}
