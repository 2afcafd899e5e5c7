package stream

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/stream/wire"
	"github.com/picam-project/picam/stream/zmtp"
)

// Synthetic H.264 access units: only the NAL unit types matter to the gate. The last eight
// bytes of every unit carry its frame number, so a test can tell which frame arrived.
var (
	testSPS = []byte{0x67, 0x42, 0xc0, 0x1e, 0xd9}
	testPPS = []byte{0x68, 0xce, 0x3c, 0x80}
)

func annexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = h264.AppendNAL(b, n)
	}
	return b
}

func slice(typ byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{typ, 0x88, 0x80}, seq)
}

// idrAU is an IDR with SPS and PPS in front; bareIDR one without; pAU a P-frame.
func idrAU(seq uint64) []byte     { return annexB(testSPS, testPPS, slice(0x65, seq)) }
func bareIDRAU(seq uint64) []byte { return annexB(slice(0x65, seq)) }
func pAU(seq uint64) []byte       { return annexB(slice(0x41, seq)) }

// h264Packet makes the packet of frame seq as an H.264 producer does (h264.Packager): it
// decides Keyframe, completes a bare IDR from the cached parameter sets and carries them.
func h264Packet(k *h264.Packager, seq uint64, au []byte) av.Packet {
	p := k.Packet(au)
	p.Width, p.Height, p.Seq, p.Captured = 64, 48, seq, time.Now()
	return p
}

// frameSeq reads the frame number back from a unit's last slice.
func frameSeq(au []byte) uint64 {
	return binary.BigEndian.Uint64(au[len(au)-8:])
}

// mailboxPeer is a connected picam client's peer with no connection behind it, so offer and
// take can be driven step by step; requests counts keyframe requests.
func mailboxPeer(t *testing.T, requests *atomic.Int64) (*Server, *peer) {
	t.Helper()
	s := &Server{
		log:    slog.New(slog.DiscardHandler),
		demand: make(chan struct{}, 1),
		hub:    fanout.New(fanout.Config{RequestKeyframe: func() { requests.Add(1) }}),
		ownHub: true,
		ready:  make(chan struct{}),
	}
	close(s.ready) // the Wait policy is met
	s.runCtx = context.Background()
	p := newPeer(&peerEnv{log: s.log, runCtx: s.runCtx, requestKeyframe: s.cfg.RequestKeyframe, demand: s.signalDemand, prepare: s.prepare},
		endpoint{addr: "127.0.0.1:5577", port: 5577})
	p.picam.Store(true)
	s.subscribe(p)
	p.join()
	p.state.Store(stateConnected)
	return s, p
}

// The mailbox of one client through join, overflow, gap and resync, step by step.
func TestGateMailbox(t *testing.T) {
	var requests atomic.Int64
	s, p := mailboxPeer(t, &requests)
	send := func(pkt av.Packet) { s.hub.Publish(pkt) }
	var k h264.Packager
	takeSeq := func() (uint64, bool) {
		o := p.take()
		if o == nil {
			return 0, false
		}
		return frameSeq(o.payload), true
	}
	wantTake := func(step string, want uint64, key bool) {
		t.Helper()
		o := p.take()
		if o == nil {
			t.Fatalf("%s: mailbox empty, want frame %d", step, want)
		}
		if got := frameSeq(o.payload); got != want || o.key != key || h264.IsRandomAccess(o.payload) != key {
			t.Fatalf("%s: took frame %d key=%v (random access %v), want frame %d key=%v", step, got, o.key, h264.IsRandomAccess(o.payload), want, key)
		}
		if !strings.Contains(string(o.header), fmt.Sprintf(`"key": %v`, key)) {
			t.Fatalf("%s: header %s does not say key %v", step, o.header, key)
		}
	}
	wantEmpty := func(step string) {
		t.Helper()
		if seq, ok := takeSeq(); ok {
			t.Fatalf("%s: the client was handed frame %d, which it cannot decode", step, seq)
		}
	}

	// Joined mid-stream: P-frames are held, and the first one asks for a keyframe, once.
	send(h264Packet(&k, 0, pAU(0)))
	send(h264Packet(&k, 1, pAU(1)))
	wantEmpty("after join")
	if n := requests.Load(); n != 1 {
		t.Fatalf("joining made %d keyframe requests, want 1", n)
	}
	// The keyframe starts the client; the P-frames after it follow.
	send(h264Packet(&k, 2, idrAU(2)))
	wantTake("keyframe after join", 2, true)
	send(h264Packet(&k, 3, pAU(3)))
	wantTake("next P-frame", 3, false)

	// A slow client: frame 4 still waits when 5 comes. 5 is dropped, 4 (decodable) is kept,
	// and everything after 5 is held until the next keyframe, which is asked for.
	send(h264Packet(&k, 4, pAU(4)))
	send(h264Packet(&k, 5, pAU(5)))
	wantTake("overflow keeps the waiting frame", 4, false)
	send(h264Packet(&k, 6, pAU(6)))
	wantEmpty("after the overflow")
	if n := requests.Load(); n != 2 {
		t.Fatalf("the overflow made %d requests in all, want 2", n)
	}
	// Still waiting: no request per frame, but again after fanout.DefaultRetryAfter held frames.
	for i := range uint64(fanout.DefaultRetryAfter - 2) {
		send(h264Packet(&k, 7+i, pAU(7+i)))
	}
	if n := requests.Load(); n != 2 {
		t.Fatalf("%d requests while waiting, want 2 until the retry", n)
	}
	send(h264Packet(&k, 100, pAU(100)))
	if n := requests.Load(); n != 3 {
		t.Fatalf("%d requests after %d held frames, want the retry (3)", n, fanout.DefaultRetryAfter)
	}
	wantEmpty("while waiting")

	// An IDR that comes without SPS/PPS gets the cached ones and resyncs the client.
	send(h264Packet(&k, 101, bareIDRAU(101)))
	wantTake("bare IDR completed from the cache", 101, true)
	send(h264Packet(&k, 102, pAU(102)))
	wantTake("after resync", 102, false)

	// A keyframe replaces a P-frame still waiting, since it serves the client better.
	send(h264Packet(&k, 103, pAU(103)))
	send(h264Packet(&k, 104, idrAU(104)))
	wantTake("keyframe replaces", 104, true)

	// Packets lost before Send (Gap): the next P-frame is held.
	gap := h264Packet(&k, 106, pAU(106))
	gap.Gap = true
	send(gap)
	wantEmpty("after a gap")
	send(h264Packet(&k, 107, idrAU(107)))
	wantTake("keyframe after the gap", 107, true)

	// Raw and JPEG frames are never gated.
	p.join()
	send(packet(1))
	if o := p.take(); o == nil || o.codec != av.Raw {
		t.Fatalf("a raw frame after join was held: %+v", o)
	}
	st := p.status()
	if st.Held < fanout.DefaultRetryAfter || st.Dropped < 2 {
		t.Fatalf("status %+v: want held ≥ %d and dropped ≥ 2", st, fanout.DefaultRetryAfter)
	}
}

// A reconnecting client is not handed the inter-coded frame left in its mailbox, and a client
// that is not connected never makes the encoder send keyframes.
func TestGateJoinAndDisconnected(t *testing.T) {
	var requests atomic.Int64
	s, p := mailboxPeer(t, &requests)
	send := func(pkt av.Packet) { s.hub.Publish(pkt) }
	var k h264.Packager
	send(h264Packet(&k, 0, idrAU(0)))
	p.join() // the client reconnected before taking it
	if o := p.take(); o != nil {
		t.Fatalf("frame %d from before the connection handed to the new one", frameSeq(o.payload))
	}
	p.state.Store(stateGone)
	for i := range uint64(3 * fanout.DefaultRetryAfter) {
		send(h264Packet(&k, 1+i, pAU(1+i)))
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("a disconnected client made %d keyframe requests", n)
	}
}

// gopEncoder is a synthetic encoder for the network tests: an IDR at the start, every gop
// frames, and right after RequestKeyframe; P-frames otherwise.
type gopEncoder struct {
	gop       uint64
	requested atomic.Bool
	requests  atomic.Int64
	since     uint64
	n         atomic.Uint64 // frames made; read by the test while the producer runs
	k         h264.Packager
}

func (e *gopEncoder) RequestKeyframe() {
	e.requests.Add(1)
	e.requested.Store(true)
}

func (e *gopEncoder) next() av.Packet {
	seq := e.n.Add(1) - 1
	if seq == 0 || e.since+1 >= e.gop || e.requested.Swap(false) {
		e.since = 0
		return h264Packet(&e.k, seq, idrAU(seq))
	}
	e.since++
	return h264Packet(&e.k, seq, pAU(seq))
}

// checkDecodable receives until n frames arrived and checks what an H.264 decoder needs: the
// first frame is an IDR with SPS and PPS (by parsing), and every later one is a keyframe or
// the frame right after the previous one. A gap the client itself made (its receive queue
// dropped a frame because this goroutine was slow) is not the server's doing and is let
// pass.
func checkDecodable(t *testing.T, name string, c *Client, n int) error {
	var prev uint64
	dropped := c.Stats().Dropped
	for i := range n {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		f, err := c.Recv(ctx)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: frame %d: %w", name, i, err)
		}
		seq := f.Header.Picam.Seq
		key := h264.IsRandomAccess(f.Payload)
		if key != f.Header.Picam.Keyframe || frameSeq(f.Payload) != seq {
			f.Release()
			return fmt.Errorf("%s: frame %d: header says seq %d key %v, payload is frame %d, random access %v",
				name, i, seq, f.Header.Picam.Keyframe, frameSeq(f.Payload), key)
		}
		f.Release()
		selfDropped := c.Stats().Dropped != dropped
		dropped = c.Stats().Dropped
		switch {
		case selfDropped:
		case i == 0 && !key:
			return fmt.Errorf("%s: the first frame (seq %d) is not an IDR with SPS and PPS", name, seq)
		case i > 0 && !key && seq != prev+1:
			return fmt.Errorf("%s: P-frame %d after frame %d: the client missed a reference", name, seq, prev)
		}
		prev = seq
	}
	return nil
}

// A picam client that connects while the server is already streaming H.264 to another one
// gets an IDR with SPS and PPS first, asked for on its behalf (the stream's own IDRs are
// further apart than the test runs), and never a P-frame it cannot decode; the client that
// was there all along is not disturbed beyond the extra IDR.
func TestJoinMidStreamStartsAtKeyframe(t *testing.T) {
	for _, pat := range []Pattern{ReqRep, PubSub} {
		t.Run("pattern"+pat.String(), func(t *testing.T) {
			early, ports := startClients(t, 1, ClientConfig{Pattern: pat})
			latePort := freePort(t)
			enc := &gopEncoder{gop: 1 << 20}
			s := newServer(t, ServerConfig{Ports: []int{ports[0], latePort}, Pattern: pat, Wait: WaitAny,
				RequestKeyframe: enc.RequestKeyframe})
			waitReady(t, s)

			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // the camera: 100 frames/s until the test has seen enough
				defer wg.Done()
				for range 20000 {
					select {
					case <-ctx.Done():
						return
					case <-time.After(10 * time.Millisecond):
					}
					s.Send(enc.next())
				}
			}()
			defer func() { stop(); wg.Wait() }()

			earlyErr := make(chan error, 1)
			go func() { earlyErr <- checkDecodable(t, "early client", early[0], 100) }()
			// Join once the early client is well into the stream, past its first IDR.
			for enc.n.Load() < 50 {
				select {
				case err := <-earlyErr:
					t.Fatalf("early client ended before the late one joined: %v", err)
				case <-time.After(5 * time.Millisecond):
				}
			}
			before := enc.requests.Load()
			late, err := NewClient(ClientConfig{Address: "127.0.0.1", Port: latePort, Pattern: pat})
			if err != nil {
				t.Fatal(err)
			}
			if err := late.Start(); err != nil {
				t.Fatal(err)
			}
			defer late.Close()
			if err := checkDecodable(t, "late client", late, 30); err != nil {
				t.Fatal(err)
			}
			if err := <-earlyErr; err != nil {
				t.Fatal(err)
			}
			if enc.requests.Load() <= before {
				t.Fatalf("no keyframe was requested when the late client joined (%d before, %d after)", before, enc.requests.Load())
			}
		})
	}
}

// syncLog collects log output from several goroutines.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// netgearPeer binds a port and behaves as a NetGear receiver (a ZMTP peer that does not
// announce picam) for one connection: it returns every message it gets, answering requests in
// pattern 1, until the connection ends.
func netgearPeer(t *testing.T, pat Pattern) (int, <-chan [][]byte) {
	t.Helper()
	ln, err := zmtp.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	msgs := make(chan [][]byte, 64)
	go func() {
		defer close(msgs)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		typ := zmtp.SUB
		if pat == ReqRep {
			typ = zmtp.REP
		}
		c, err := zmtp.Handshake(nc, zmtp.Options{SocketType: typ})
		if err != nil {
			nc.Close()
			return
		}
		defer c.Close()
		if typ == zmtp.SUB && c.WriteMsg([]byte{1}) != nil {
			return
		}
		var m zmtp.Msg
		for range 64 {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if err := c.ReadMsg(&m, nil); err != nil {
				return
			}
			parts := make([][]byte, len(m.Parts))
			for i, p := range m.Parts {
				parts[i] = bytes.Clone(p)
			}
			if typ == zmtp.REP {
				if len(parts) < 2 || c.WriteMsg(parts[0], nil, []byte(`{"return_type": "NoneType", "return_data": null}`)) != nil {
					msgs <- parts
					return
				}
				parts = parts[2:] // the envelope
			}
			msgs <- parts
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, msgs
}

// A NetGear client cannot decode H.264: it is sent NetGear's terminate (so the Python program
// ends) instead of any frame, and the log names its port and the fix; a picam client of the
// same server gets the stream.
func TestNetGearClientRefusedInterCoded(t *testing.T) {
	for _, pat := range []Pattern{ReqRep, PubSub} {
		t.Run("pattern"+pat.String(), func(t *testing.T) {
			pc, ports := startClients(t, 1, ClientConfig{Pattern: pat})
			ngPort, msgs := netgearPeer(t, pat)
			var logs syncLog
			enc := &gopEncoder{gop: 10}
			cfg := ServerConfig{Address: "127.0.0.1", Ports: []int{ports[0], ngPort}, Pattern: pat,
				RequestKeyframe: enc.RequestKeyframe, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			s, err := NewServer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			waitReady(t, s)
			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20000 {
					select {
					case <-ctx.Done():
						return
					case <-time.After(10 * time.Millisecond):
					}
					s.Send(enc.next())
				}
			}()
			defer func() { stop(); wg.Wait() }()

			var first [][]byte
			select {
			case first = <-msgs:
			case <-time.After(20 * time.Second):
				t.Fatalf("the NetGear peer got nothing; clients %+v", s.Clients())
			}
			if len(first) != 1 || !bytes.Equal(first[0], wire.Terminate) {
				t.Fatalf("the NetGear peer's first message is %q, want only NetGear's terminate", first)
			}
			if err := checkDecodable(t, "picam client", pc[0], 20); err != nil {
				t.Fatal(err)
			}
			waitCond(t, "the refusal in the log and the status", func() bool {
				for _, c := range s.Clients() {
					if c.Port == ngPort {
						return strings.Contains(c.Refused, "cannot decode h264") && strings.Contains(logs.String(), "level=ERROR")
					}
				}
				return false
			})
			log := logs.String()
			for _, want := range []string{fmt.Sprintf("client at port %d is a NetGear", ngPort), "Stream jpeg or raw to NetGear clients"} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
			for _, c := range s.Clients() {
				if c.Port == ports[0] && (c.Refused != "" || c.FramesSent == 0) {
					t.Errorf("the picam client: %+v", c)
				}
			}
		})
	}
}

// waitCond polls cond for up to 10 s (a bounded wait, not a timing assertion).
func waitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// The per-client cost of an H.264 packet between the fan-out and the wire: rendering the
// header (no parsing: the producer decided Keyframe and the parameter sets), for a 20 KB
// P-frame and an IDR with SPS/PPS.
func BenchmarkPrepareH264(b *testing.B) {
	s := &Server{}
	body := make([]byte, 20000)
	for i := range body {
		body[i] = byte(i%251) | 1 // no start codes inside
	}
	for _, c := range []struct {
		name string
		au   []byte
	}{
		{"P", annexB(append([]byte{0x41}, body...))},
		{"IDR", annexB(testSPS, testPPS, append([]byte{0x65}, body...))},
	} {
		b.Run(c.name, func(b *testing.B) {
			var k h264.Packager
			pkt := h264Packet(&k, 1, c.au)
			b.SetBytes(int64(len(c.au)))
			for b.Loop() {
				s.prepare(&pkt)
			}
		})
	}
}
