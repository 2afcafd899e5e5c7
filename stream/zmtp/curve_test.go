package zmtp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picam-project/picam/stream/curve"
)

// curveKeys are one test's long-term keys: the receiver's (server) and the sender's (client).
type curveKeys struct{ server, client curve.KeyPair }

func newCurveKeys(t *testing.T) curveKeys {
	t.Helper()
	s, err := curve.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	c, err := curve.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return curveKeys{server: s, client: c}
}

// recConn records everything written, so tests can replay or inspect wire bytes.
type recConn struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (r *recConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.out.Write(p)
	r.mu.Unlock()
	return r.Conn.Write(p)
}

func (r *recConn) take() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := append([]byte(nil), r.out.Bytes()...)
	r.out.Reset()
	return b
}

type hsResult struct {
	c   *Conn
	err error
}

// curvePair handshakes a dialer (CURVE client, dialType) with a listener (CURVE server,
// listenType) over loopback TCP. The dialer's writes are recorded.
func curvePair(t *testing.T, dialType, listenType string, cl, srv curve.Handshaker, srvOpts Options) (d *Conn, dRec *recConn, l hsResult, dErr error) {
	t.Helper()
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan hsResult, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			ch <- hsResult{nil, err}
			return
		}
		srvOpts.SocketType, srvOpts.Curve = listenType, srv
		c, err := Handshake(nc, srvOpts)
		if err != nil {
			nc.Close()
		}
		ch <- hsResult{c, err}
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	dRec = &recConn{Conn: nc}
	d, dErr = Handshake(dRec, Options{SocketType: dialType, Curve: cl, Picam: true, HandshakeTimeout: 2 * time.Second})
	if dErr != nil {
		nc.Close()
	}
	l = <-ch
	t.Cleanup(func() {
		nc.Close()
		if l.c != nil {
			l.c.Close()
		}
	})
	return d, dRec, l, dErr
}

func TestNullGreetingUnchanged(t *testing.T) {
	want := make([]byte, 64)
	want[0], want[9], want[10] = 0xFF, 0x7F, 3
	copy(want[12:], "NULL")
	if !bytes.Equal(greeting("NULL", false), want) {
		t.Fatal("the NULL greeting changed")
	}
	g := greeting("CURVE", true)
	if string(g[12:17]) != "CURVE" || g[17] != 0 || g[32] != 1 {
		t.Fatalf("CURVE server greeting % x", g)
	}
}

func TestCurveRoundTrip(t *testing.T) {
	k := newCurveKeys(t)
	srv := curve.NewServer(k.server, curve.IronHouse([]curve.PublicKey{k.client.Public}))
	d, rec, l, err := curvePair(t, REQ, REP, curve.NewClient(k.client, k.server.Public), srv, Options{})
	if err != nil || l.err != nil {
		t.Fatalf("dialer %v, listener %v", err, l.err)
	}
	if d.PeerType != REP || l.c.PeerType != REQ || !l.c.IsPicam() || d.IsPicam() {
		t.Fatalf("metadata: %q %q picam %v %v", d.PeerType, l.c.PeerType, l.c.IsPicam(), d.IsPicam())
	}
	if key, ok := l.c.PeerKey(); !ok || key != k.client.Public {
		t.Fatal("server does not report the client's key")
	}
	if key, ok := d.PeerKey(); !ok || key != k.server.Public {
		t.Fatal("client does not report the server's key")
	}
	rec.take()
	payload := bytes.Repeat([]byte("picam-frame!"), 30000)
	var m Msg
	for i := 0; i < 3; i++ {
		payload[0] = byte(i)
		if err := d.WriteMsg([]byte{byte(i), 0, 0, 0}, nil, []byte(`{"a": 1}`), payload); err != nil {
			t.Fatal(err)
		}
		payload[1] = 'X' // the caller may reuse its buffer at once
		if err := l.c.ReadMsg(&m, nil); err != nil {
			t.Fatal(err)
		}
		if len(m.Parts) != 4 || m.Parts[0][0] != byte(i) || len(m.Parts[1]) != 0 || string(m.Parts[2]) != `{"a": 1}` || len(m.Parts[3]) != len(payload) || m.Parts[3][0] != byte(i) || m.Parts[3][1] != 'i' {
			t.Fatalf("message %d: %d parts", i, len(m.Parts))
		}
		payload[1] = 'i'
		if err := l.c.WriteMsg(m.Parts[0], nil, []byte("ok")); err != nil {
			t.Fatal(err)
		}
		if err := d.ReadMsg(&m, nil); err != nil {
			t.Fatal(err)
		}
		if len(m.Parts) != 3 || string(m.Parts[2]) != "ok" {
			t.Fatalf("reply %d: %q", i, m.Parts)
		}
	}
	// On the wire: one data frame per part, outer flags 0x00 or 0x02 (long) only, every body a
	// MESSAGE, and no plaintext.
	wire := rec.take()
	if bytes.Contains(wire, []byte("picam-frame!")) || bytes.Contains(wire, []byte(`{"a": 1}`)) {
		t.Fatal("plaintext on the wire")
	}
	frames := 0
	for len(wire) > 0 {
		flags := wire[0]
		var size, hdr int
		if flags&flagLong != 0 {
			size, hdr = int(binary.BigEndian.Uint64(wire[1:9])), 9
		} else {
			size, hdr = int(wire[1]), 2
		}
		if flags&^flagLong != 0 {
			t.Fatalf("frame %d: outer flags 0x%02x", frames, flags)
		}
		if !bytes.HasPrefix(wire[hdr:], []byte("\x07MESSAGE")) {
			t.Fatalf("frame %d is not a MESSAGE", frames)
		}
		wire = wire[hdr+size:]
		frames++
	}
	if frames != 12 {
		t.Fatalf("%d frames for 3 four-part messages", frames)
	}
}

func TestCurvePubSubAndPing(t *testing.T) {
	k := newCurveKeys(t)
	d, _, l, err := curvePair(t, PUB, SUB, curve.NewClient(k.client, k.server.Public), curve.NewServer(k.server, nil), Options{})
	if err != nil || l.err != nil {
		t.Fatalf("dialer %v, listener %v", err, l.err)
	}
	if err := l.c.WriteMsg([]byte{1}); err != nil {
		t.Fatal(err)
	}
	var m Msg
	if err := d.ReadMsg(&m, nil); err != nil || !bytes.Equal(m.Parts[0], []byte{1}) {
		t.Fatalf("subscription: %q %v", m.Parts, err)
	}
	if err := d.Ping(30); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteMsg([]byte("h"), []byte("p")); err != nil {
		t.Fatal(err)
	}
	var cmds []string
	if err := l.c.ReadMsg(&m, func(n string) { cmds = append(cmds, n) }); err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 1 || cmds[0] != "PING" || len(m.Parts) != 2 || string(m.Parts[1]) != "p" {
		t.Fatalf("cmds %v parts %q", cmds, m.Parts)
	}
	// The PONG is sealed too and arrives before the next message.
	if err := l.c.WriteMsg([]byte{1}); err != nil {
		t.Fatal(err)
	}
	cmds = nil
	if err := d.ReadMsg(&m, func(n string) { cmds = append(cmds, n) }); err != nil || len(cmds) != 1 || cmds[0] != "PONG" {
		t.Fatalf("want a PONG, got %v %v", cmds, err)
	}
}

func TestCurveFrameCapBeforeAllocation(t *testing.T) {
	k := newCurveKeys(t)
	d, _, l, err := curvePair(t, PUB, SUB, curve.NewClient(k.client, k.server.Public), curve.NewServer(k.server, nil), Options{MaxFrameSize: 1000})
	if err != nil || l.err != nil {
		t.Fatalf("dialer %v, listener %v", err, l.err)
	}
	var m Msg
	// Exactly at the cap passes; the cap counts the caller's bytes, not the sealed ones.
	if err := d.WriteMsg(make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := l.c.ReadMsg(&m, nil); err != nil || len(m.Parts[0]) != 1000 {
		t.Fatalf("1000-byte frame: %v", err)
	}
	if err := d.WriteMsg(make([]byte, 600), make([]byte, 401)); err != nil {
		t.Fatal(err)
	}
	if err := l.c.ReadMsg(&m, nil); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("1001-byte message: %v", err)
	}
	// A frame announcing 1 TiB is refused from its header.
	d2, _, l2, err := curvePair(t, PUB, SUB, curve.NewClient(k.client, k.server.Public), curve.NewServer(k.server, nil), Options{})
	if err != nil || l2.err != nil {
		t.Fatal(err, l2.err)
	}
	var hdr [9]byte
	hdr[0] = flagLong
	binary.BigEndian.PutUint64(hdr[1:], 1<<40)
	if _, err := d2.NetConn().Write(hdr[:]); err != nil {
		t.Fatal(err)
	}
	if err := l2.c.ReadMsg(&m, nil); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("1 TiB frame: %v", err)
	}
}

func TestCurveTamperedAndReplayedFrames(t *testing.T) {
	k := newCurveKeys(t)
	cases := map[string]func(frame []byte) []byte{
		"tampered": func(f []byte) []byte { f[len(f)-1] ^= 1; return f },
		"replayed": func(f []byte) []byte { return f },
		"plaintext": func([]byte) []byte {
			return []byte{0, 5, 'h', 'e', 'l', 'l', 'o'}
		},
		"NULL command": func([]byte) []byte { return append([]byte{flagCommand, 5}, "\x04PING"...) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			d, rec, l, err := curvePair(t, PUB, SUB, curve.NewClient(k.client, k.server.Public), curve.NewServer(k.server, nil), Options{})
			if err != nil || l.err != nil {
				t.Fatal(err, l.err)
			}
			rec.take()
			if err := d.WriteMsg([]byte("genuine")); err != nil {
				t.Fatal(err)
			}
			frame := rec.take()
			var m Msg
			if err := l.c.ReadMsg(&m, nil); err != nil || string(m.Parts[0]) != "genuine" {
				t.Fatalf("genuine frame: %v", err)
			}
			if _, err := d.NetConn().Write(mutate(frame)); err != nil {
				t.Fatal(err)
			}
			err = l.c.ReadMsg(&m, nil)
			if !errors.Is(err, ErrProtocol) || !errors.Is(err, curve.ErrSecurity) {
				t.Fatalf("want a CURVE protocol error, got %v", err)
			}
			if name == "replayed" && !errors.Is(err, curve.ErrReplay) {
				t.Fatalf("replay not named: %v", err)
			}
		})
	}
}

func TestCurveHandshakeRefusals(t *testing.T) {
	k := newCurveKeys(t)
	stranger := newCurveKeys(t)
	cl := curve.NewClient(k.client, k.server.Public)
	t.Run("unknown client key in IronHouse", func(t *testing.T) {
		_, _, l, err := curvePair(t, REQ, REP, cl, curve.NewServer(k.server, curve.IronHouse([]curve.PublicKey{stranger.client.Public})), Options{})
		if !errors.Is(err, ErrProtocol) || !errors.Is(err, curve.ErrRefused) || !strings.Contains(err.Error(), "400") {
			t.Fatalf("client: %v", err)
		}
		if !errors.Is(l.err, ErrProtocol) || !errors.Is(l.err, curve.ErrKeyNotAllowed) {
			t.Fatalf("server: %v", l.err)
		}
	})
	t.Run("wrong server key", func(t *testing.T) {
		_, _, l, err := curvePair(t, REQ, REP, curve.NewClient(k.client, stranger.server.Public), curve.NewServer(k.server, nil), Options{})
		if !errors.Is(err, ErrProtocol) || !errors.Is(err, curve.ErrNoWelcome) {
			t.Fatalf("client: %v", err)
		}
		if !errors.Is(l.err, curve.ErrBadBox) {
			t.Fatalf("server: %v", l.err)
		}
	})
	t.Run("address not allowed", func(t *testing.T) {
		allow := []netip.Prefix{netip.MustParsePrefix("127.0.0.9/32")}
		_, _, l, err := curvePair(t, REQ, REP, cl, curve.NewServer(k.server, curve.StoneHouse(allow...)), Options{})
		if !errors.Is(err, curve.ErrRefused) || !errors.Is(l.err, curve.ErrAddressNotAllowed) {
			t.Fatalf("client %v, server %v", err, l.err)
		}
	})
	t.Run("NULL against CURVE", func(t *testing.T) {
		_, _, l, err := curvePair(t, REQ, REP, nil, curve.NewServer(k.server, nil), Options{})
		if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), `"CURVE"`) || !errors.Is(l.err, ErrProtocol) {
			t.Fatalf("client %v, server %v", err, l.err)
		}
	})
	t.Run("two CURVE clients", func(t *testing.T) {
		_, _, l, err := curvePair(t, REQ, REP, cl, curve.NewClient(k.client, k.server.Public), Options{})
		if !errors.Is(err, ErrProtocol) || !errors.Is(err, curve.ErrMalformed) || !strings.Contains(err.Error(), "also a CURVE client") || l.err == nil {
			t.Fatalf("client %v, server %v", err, l.err)
		}
	})
	t.Run("two CURVE servers", func(t *testing.T) {
		_, _, l, err := curvePair(t, REQ, REP, curve.NewServer(k.client, nil), curve.NewServer(k.server, nil), Options{})
		if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "both sides are CURVE servers") || !errors.Is(l.err, ErrProtocol) {
			t.Fatalf("client %v, server %v", err, l.err)
		}
	})
	t.Run("socket type mismatch", func(t *testing.T) {
		_, _, l, err := curvePair(t, REQ, SUB, cl, curve.NewServer(k.server, nil), Options{})
		if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "SUB") || !errors.Is(l.err, ErrProtocol) {
			t.Fatalf("client %v, server %v", err, l.err)
		}
	})
}

// A peer that stops in the middle of the handshake is cut off by the handshake deadline, and
// one that hangs up is reported as I/O, not as a CURVE failure.
func TestCurvePeerStopsMidHandshake(t *testing.T) {
	k := newCurveKeys(t)
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, hangUp := range []bool{false, true} {
		raw, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		nc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := Handshake(nc, Options{SocketType: SUB, Curve: curve.NewServer(k.server, nil), HandshakeTimeout: 300 * time.Millisecond})
			done <- err
		}()
		// A client that sends its greeting and a genuine HELLO, then nothing.
		raw.Write(greeting("CURVE", false))
		if _, err := io.ReadFull(raw, make([]byte, 64)); err != nil {
			t.Fatal(err)
		}
		client := &Conn{nc: raw, br: nil, opts: Options{SocketType: PUB}.withDefaults()}
		helloOnly := &helloSender{c: client}
		curve.NewClient(k.client, k.server.Public).Handshake(helloOnly, nil, nil)
		if hangUp {
			raw.Close()
		}
		err = <-done
		var ne net.Error
		switch {
		case !hangUp && !(errors.As(err, &ne) && ne.Timeout()):
			t.Fatalf("silent client: want a timeout, got %v", err)
		case hangUp && (err == nil || errors.Is(err, curve.ErrSecurity) || errors.Is(err, ErrProtocol)):
			t.Fatalf("client hang-up: want an I/O error, got %v", err)
		}
		raw.Close()
		nc.Close()
	}
}

// helloSender lets a real curve.Client write its HELLO and then stops the handshake.
type helloSender struct{ c *Conn }

func (h *helloSender) WriteCommand(name string, body []byte) error {
	return h.c.writeRawCommand(name, body)
}

func (h *helloSender) ReadCommand() (string, []byte, error) {
	return "", nil, errors.New("test: stop after HELLO")
}

// FuzzCurveReadMsg feeds arbitrary bytes to a CURVE connection after a real handshake: every
// input must end in an error (nothing forged opens), never in a panic or a huge allocation.
func FuzzCurveReadMsg(f *testing.F) {
	f.Add([]byte{0, 5, 'h', 'e', 'l', 'l', 'o'})
	f.Add(append([]byte{0, 33}, "\x07MESSAGE\x00\x00\x00\x00\x00\x00\x00\x09"+strings.Repeat("\x00", 17)...))
	f.Add([]byte{flagLong, 0, 0, 0, 0, 0, 0, 1, 0})
	f.Add([]byte{flagCommand, 5, 4, 'P', 'I', 'N', 'G'})
	srvKeys, err := curve.GenerateKeyPair()
	if err != nil {
		f.Fatal(err)
	}
	cliKeys, err := curve.GenerateKeyPair()
	if err != nil {
		f.Fatal(err)
	}
	srv := curve.NewServer(srvKeys, nil)
	cl := curve.NewClient(cliKeys, srvKeys.Public)
	// Loopback TCP rather than net.Pipe: both sides send their greeting before reading, which
	// needs a buffered transport.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer ln.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		done := make(chan error, 1)
		go func() {
			_, err := Handshake(a, Options{SocketType: PUB, Curve: cl})
			done <- err
		}()
		l, err := Handshake(b, Options{SocketType: SUB, Curve: srv, MaxFrameSize: 1 << 16})
		if derr := <-done; err != nil || derr != nil {
			t.Fatalf("handshake: %v, %v", err, derr)
		}
		go func() {
			a.Write(data)
			a.Close()
		}()
		var m Msg
		if err := l.ReadMsg(&m, nil); err == nil {
			t.Fatalf("forged bytes read as a message: %q", m.Parts)
		}
	})
}
