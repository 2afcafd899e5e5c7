package stream

import (
	"context"
	"encoding/json"
	"net"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/picam-project/picam/stream/wire"
	"github.com/picam-project/picam/stream/zmtp"
)

// recvOne receives one frame or fails the test.
func recvOne(t *testing.T, c *Client) *Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := c.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// nextReply takes the server's next reply or fails the test.
func nextReply(t *testing.T, s *Server) Reply {
	t.Helper()
	select {
	case r := <-s.Replies():
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("no reply; clients %+v", s.Clients())
	}
	return Reply{}
}

// Pattern 0 (PAIR), NetGear's default: one server, one client; every frame arrives, and every
// frame is answered with NetGear's plain device string, or with the return data in
// bidirectional mode (where the server's message arrives too). The terminate ends the client.
func TestPairPattern(t *testing.T) {
	for _, bidi := range []bool{false, true} {
		t.Run("bidirectional="+strconv.FormatBool(bidi), func(t *testing.T) {
			clients, ports := startClients(t, 1, ClientConfig{Pattern: Pair, Bidirectional: bidi})
			c := clients[0]
			if bidi {
				c.SetReturn(json.RawMessage(`"pair back"`))
			}
			s := newServer(t, ServerConfig{Ports: ports, Pattern: Pair, Bidirectional: bidi})
			if bidi {
				s.SetMessage(json.RawMessage(`"pair hello"`))
			}
			waitReady(t, s)
			device := regexp.MustCompile(`^Data received on device: [A-Z0-9]{8} !$`)
			const n = 20
			for i := uint64(0); i < n; i++ {
				if !s.Send(packet(i)) {
					t.Fatal("send refused")
				}
				f := recvOne(t, c)
				if f.Header.Picam.Seq != i || f.Header.Pattern != "0" || len(f.Header.Port) != 0 {
					t.Fatalf("frame %d: header %+v", i, f.Header)
				}
				if bidi != (string(f.Header.Message) == `"pair hello"`) {
					t.Fatalf("frame %d: message %s", i, f.Header.Message)
				}
				f.Release()
				r := nextReply(t, s)
				if r.Port != ports[0] || r.Seq != i || len(r.Reply.Port) != 0 {
					t.Fatalf("reply %d: %+v", i, r)
				}
				if bidi && r.DataString() != "pair back" {
					t.Fatalf("reply %d: data %q", i, r.DataString())
				}
				if !bidi && !device.MatchString(r.DataString()) {
					t.Fatalf("reply %d: %q is not NetGear's device string", i, r.DataString())
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Recv(ctx); err != ErrTerminated {
				t.Fatalf("after close: %v, want ErrTerminated", err)
			}
			if st := c.Stats(); st.Frames != n || st.DecodeErrors != 0 || st.Rejected != 0 {
				t.Fatalf("client stats %+v", st)
			}
		})
	}
}

// A PAIR keeps one peer: a second server that connects while the first is there is hung up on
// (and counted), and the first keeps streaming.
func TestPairClientKeepsOneServer(t *testing.T) {
	clients, ports := startClients(t, 1, ClientConfig{Pattern: Pair})
	c := clients[0]
	s := newServer(t, ServerConfig{Ports: ports, Pattern: Pair})
	waitReady(t, s)
	s.Send(packet(1))
	recvOne(t, c).Release()
	intruder, err := zmtp.Dial(context.Background(), net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])), time.Second, zmtp.Options{SocketType: zmtp.PAIR})
	if err != nil {
		t.Fatal(err)
	}
	defer intruder.Close()
	intruder.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m zmtp.Msg
	if err := intruder.ReadMsg(&m, nil); err == nil {
		t.Fatalf("second server was not hung up on: got %q", m.Parts)
	}
	if st := c.Stats(); st.Rejected != 1 || st.Connections != 1 {
		t.Fatalf("client stats %+v", st)
	}
	s.Send(packet(2))
	if f := recvOne(t, c); f.Header.Picam.Seq != 2 {
		t.Fatalf("first server's next frame: %+v", f.Header)
	}
}

// Multi-Server mode on the sending side: every header, and the terminate, carries "port": the
// client's port as a string, by which a NetGear multiserver receiver tells its servers apart.
func TestMultiServerHeaderPort(t *testing.T) {
	for _, p := range []Pattern{ReqRep, PubSub} {
		t.Run(p.String(), func(t *testing.T) {
			port := freePort(t)
			ln, err := zmtp.Listen(context.Background(), net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			s := newServer(t, ServerConfig{Ports: []int{port}, Pattern: p, MultiServer: true})
			nc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			typ := zmtp.SUB
			if p == ReqRep {
				typ = zmtp.REP
			}
			conn, err := zmtp.Handshake(nc, zmtp.Options{SocketType: typ})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if p == PubSub {
				conn.WriteMsg([]byte{1})
			}
			waitReady(t, s)
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			body := func(m *zmtp.Msg) [][]byte {
				if p == ReqRep {
					return m.Parts[2:] // [id, "", ...]
				}
				return m.Parts
			}
			s.Send(packet(7))
			var m zmtp.Msg
			if err := conn.ReadMsg(&m, nil); err != nil {
				t.Fatal(err)
			}
			h, err := wire.ParseHeader(body(&m)[0])
			if err != nil {
				t.Fatal(err)
			}
			want := strconv.Quote(strconv.Itoa(port))
			if string(h.Port) != want {
				t.Fatalf("header port %s, want %s", h.Port, want)
			}
			if p == ReqRep {
				reply := append(append([][]byte{}, m.Parts[:2]...), []byte("Data received on device: ABCDEFGH !"))
				if err := conn.WriteMsg(reply...); err != nil {
					t.Fatal(err)
				}
			}
			closed := make(chan error, 1)
			go func() { closed <- s.Close() }()
			if err := conn.ReadMsg(&m, nil); err != nil {
				t.Fatal(err)
			}
			if got, want := string(body(&m)[0]), `{"terminate_flag": true, "port": `+want+`}`; got != want {
				t.Fatalf("terminate %s, want %s", got, want)
			}
			if p == ReqRep {
				conn.WriteMsg(m.Parts[0], nil, []byte("Termination signal successfully received at client!"))
			}
			if err := <-closed; err != nil {
				t.Fatal(err)
			}
		})
	}
}
