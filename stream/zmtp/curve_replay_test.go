package zmtp

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/picam-project/picam/stream/curve"
)

// Issue 16: a replayed CURVE handshake (a recorded greeting, HELLO and INITIATE sent again) was
// refused, but named as "HELLO does not open with our server key", which sends the operator
// off checking key files. The cookie in a replayed INITIATE belongs to another handshake: the
// error must say replay (curve.ErrReplay), not wrong keys (curve.ErrBadBox).
func TestCurveReplayedHandshakeIsNamed(t *testing.T) {
	k := newCurveKeys(t)
	srv := curve.NewServer(k.server, curve.IronHouse([]curve.PublicKey{k.client.Public}))
	_, rec, l, err := curvePair(t, REQ, REP, curve.NewClient(k.client, k.server.Public), srv, Options{})
	if err != nil || l.err != nil {
		t.Fatalf("dialer %v, listener %v", err, l.err)
	}
	recorded := rec.take() // greeting, HELLO, INITIATE

	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	res := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			res <- err
			return
		}
		defer nc.Close()
		_, err = Handshake(nc, Options{SocketType: REP, Curve: srv, HandshakeTimeout: 2 * time.Second})
		res <- err
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write(recorded); err != nil {
		t.Fatal(err)
	}
	err = <-res
	if !errors.Is(err, ErrProtocol) || !errors.Is(err, curve.ErrReplay) || errors.Is(err, curve.ErrBadBox) {
		t.Fatalf("replayed handshake: %v; want a replay error, not a key error", err)
	}
}
