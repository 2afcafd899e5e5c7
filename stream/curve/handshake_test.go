package curve

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestHandshakeAndMessages(t *testing.T) {
	ck, sk := mustKeys(t, 1), mustKeys(t, 2)
	srv := NewServer(sk, IronHouse([]PublicKey{ck.Public}))
	c, s := runHandshake(t, NewClient(ck, sk.Public), srv, loopback)
	if c.err != nil || s.err != nil {
		t.Fatalf("client %v, server %v", c.err, s.err)
	}
	if !bytes.Equal(c.meta, encodeMeta("Socket-Type", "REP")) || !bytes.Equal(s.meta, encodeMeta("Socket-Type", "REQ", "X-Picam", "1")) {
		t.Fatalf("metadata: client got %q, server got %q", c.meta, s.meta)
	}
	if c.s.PeerKey() != sk.Public || s.s.PeerKey() != ck.Public {
		t.Fatal("peer keys not reported")
	}
	// Both directions, with flags inside the box and an empty frame.
	for i, m := range []struct {
		from, to *Session
		flags    byte
		payload  []byte
	}{
		{c.s, s.s, FlagMore, []byte("header")},
		{c.s, s.s, 0, bytes.Repeat([]byte{0xAB}, 100000)},
		{s.s, c.s, 0, nil},
		{s.s, c.s, FlagCommand, []byte("\x04PING\x00\x1e")},
	} {
		wire, err := m.from.Seal([]byte("hdr"), m.flags, m.payload)
		if err != nil {
			t.Fatal(err)
		}
		body := wire[3:]
		if len(body) != len(m.payload)+Overhead || !bytes.HasPrefix(body, []byte("\x07MESSAGE")) {
			t.Fatalf("message %d: %d bytes on the wire for %d", i, len(body), len(m.payload))
		}
		if len(m.payload) > 16 && bytes.Contains(body, m.payload[:16]) {
			t.Fatalf("message %d: plaintext visible on the wire", i)
		}
		plain, err := m.to.Open([]byte{9}, body)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if plain[0] != 9 || plain[1] != m.flags || !bytes.Equal(plain[2:], m.payload) {
			t.Fatalf("message %d: got flags %x and %d bytes", i, plain[1], len(plain)-2)
		}
	}
}

// Message sizes measured against libzmq: HELLO 200 bytes, WELCOME 168, INITIATE 257 + metadata
// (all counted with the name and its length byte).
func TestCommandSizes(t *testing.T) {
	ck, sk := mustKeys(t, 1), mustKeys(t, 2)
	cl, srv := NewClient(ck, sk.Public), NewServer(sk, nil)
	ch, err := cl.start()
	if err != nil {
		t.Fatal(err)
	}
	hello, _ := ch.hello()
	sh := srv.start()
	if err := sh.hello(hello); err != nil {
		t.Fatal(err)
	}
	welcome, err := sh.welcome()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.welcome(welcome); err != nil {
		t.Fatal(err)
	}
	meta := encodeMeta("Socket-Type", "PUB")
	initiate, err := ch.initiate(meta)
	if err != nil {
		t.Fatal(err)
	}
	if n := 6 + len(hello); n != 200 {
		t.Errorf("HELLO is %d bytes", n)
	}
	if n := 8 + len(welcome); n != 168 {
		t.Errorf("WELCOME is %d bytes", n)
	}
	if n := 9 + len(initiate); n != 257+len(meta) {
		t.Errorf("INITIATE is %d bytes, want %d", n, 257+len(meta))
	}
	if !bytes.Equal(hello[2:74], make([]byte, 72)) || hello[0] != 1 || hello[1] != 0 {
		t.Error("HELLO version or padding wrong")
	}
}

func TestTamperedBoxes(t *testing.T) {
	ck, sk := mustKeys(t, 1), mustKeys(t, 2)
	c, s := runHandshake(t, NewClient(ck, sk.Public), NewServer(sk, nil), loopback)
	if c.err != nil || s.err != nil {
		t.Fatal(c.err, s.err)
	}
	wire, err := c.s.Seal(nil, 0, []byte("frame"))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{16, 17, 31, len(wire) - 1} { // MAC, ciphertext
		bad := append([]byte(nil), wire...)
		bad[i] ^= 0x01
		if _, err := s.s.Open(nil, bad); !errors.Is(err, ErrBadBox) || !errors.Is(err, ErrSecurity) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
	bad := append([]byte(nil), wire...)
	bad[1] = 'm'
	if _, err := s.s.Open(nil, bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("not a MESSAGE: %v", err)
	}
	if _, err := s.s.Open(nil, wire[:Overhead-1]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short MESSAGE: %v", err)
	}
	// The untouched message still opens: failed attempts must not advance the nonce.
	if _, err := s.s.Open(nil, wire); err != nil {
		t.Fatalf("genuine message after tampered copies: %v", err)
	}
	// A message the server sealed does not open as if the client had sent it (other prefix).
	var back []byte
	for i := 0; i < 5; i++ { // get past the client's nonce so only the key prefix differs
		back, _ = s.s.Seal(nil, 0, []byte("x"))
	}
	if _, err := s.s.Open(nil, back); !errors.Is(err, ErrBadBox) {
		t.Fatalf("reflected message: %v", err)
	}
}

func TestReplayedAndDecreasingNonces(t *testing.T) {
	ck, sk := mustKeys(t, 1), mustKeys(t, 2)
	c, s := runHandshake(t, NewClient(ck, sk.Public), NewServer(sk, nil), loopback)
	if c.err != nil || s.err != nil {
		t.Fatal(c.err, s.err)
	}
	m1, _ := c.s.Seal(nil, 0, []byte("one"))
	m2, _ := c.s.Seal(nil, 0, []byte("two"))
	m3, _ := c.s.Seal(nil, 0, []byte("three"))
	if _, err := s.s.Open(nil, m2); err != nil { // a gap is fine: nonces only have to grow
		t.Fatal(err)
	}
	if _, err := s.s.Open(nil, m2); !errors.Is(err, ErrReplay) {
		t.Fatalf("replayed: %v", err)
	}
	if _, err := s.s.Open(nil, m1); !errors.Is(err, ErrReplay) {
		t.Fatalf("decreasing: %v", err)
	}
	if p, err := s.s.Open(nil, m3); err != nil || string(p[1:]) != "three" {
		t.Fatalf("next: %q %v", p, err)
	}
	// The client's first MESSAGE nonce is 3 (HELLO 1, INITIATE 2), the server's 2 (READY 1).
	if n := m1[15]; n != 3 {
		t.Fatalf("first client MESSAGE nonce %d", n)
	}
	sm, _ := s.s.Seal(nil, 0, nil)
	if n := sm[15]; n != 2 {
		t.Fatalf("first server MESSAGE nonce %d", n)
	}
}

func TestHelloWrongLengthOrVersion(t *testing.T) {
	ck, sk := mustKeys(t, 1), mustKeys(t, 2)
	ch, _ := NewClient(ck, sk.Public).start()
	hello, _ := ch.hello()
	srv := NewServer(sk, nil)
	for name, body := range map[string][]byte{
		"short":   hello[:len(hello)-1],
		"long":    append(append([]byte(nil), hello...), 0),
		"empty":   nil,
		"version": append([]byte{2, 0}, hello[2:]...),
	} {
		if err := srv.start().hello(body); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s HELLO: %v", name, err)
		}
	}
	// A HELLO boxed for another server key.
	other := mustKeys(t, 3)
	ch2, _ := NewClient(ck, other.Public).start()
	hello2, _ := ch2.hello()
	if err := srv.start().hello(hello2); !errors.Is(err, ErrBadBox) {
		t.Errorf("HELLO for another server: %v", err)
	}
	// A low-order transient key (all zeros) gives a known shared key; refuse it.
	zero := append([]byte(nil), hello...)
	copy(zero[74:106], make([]byte, 32))
	if err := srv.start().hello(zero); !errors.Is(err, ErrBadKey) {
		t.Errorf("zero transient key: %v", err)
	}
}

// forgedInitiate builds an INITIATE like the client's but with a vouch the test chooses:
// signed with vouchSigner's secret while naming claimed as the client key, and vouching for
// vouchTx and vouchServer.
func forgedInitiate(t *testing.T, h *clientHandshake, claimed PublicKey, vouchSigner SecretKey, vouchTx, vouchServer PublicKey) []byte {
	t.Helper()
	saved := h.cfg
	forger := *saved
	forger.keys = KeyPair{Public: claimed, Secret: vouchSigner}
	h.cfg = &forger
	savedTx := h.tx.Public
	h.tx.Public = vouchTx
	forger.server = vouchServer
	b, err := h.initiate(nil)
	h.cfg, h.tx.Public = saved, savedTx
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInitiateVouchMismatch(t *testing.T) {
	ck, sk, mallory := mustKeys(t, 1), mustKeys(t, 2), mustKeys(t, 4)
	srv := NewServer(sk, nil)
	step := func() (*clientHandshake, *serverHandshake) {
		ch, _ := NewClient(ck, sk.Public).start()
		sh := srv.start()
		hello, _ := ch.hello()
		if err := sh.hello(hello); err != nil {
			t.Fatal(err)
		}
		w, err := sh.welcome()
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.welcome(w); err != nil {
			t.Fatal(err)
		}
		return ch, sh
	}
	cases := []struct {
		name string
		make func(*clientHandshake) []byte
		want string
	}{
		{"vouch signed by another key than the one named", func(h *clientHandshake) []byte {
			return forgedInitiate(t, h, ck.Public, mallory.Secret, h.tx.Public, sk.Public)
		}, "does not open"},
		{"vouch for another transient key", func(h *clientHandshake) []byte {
			return forgedInitiate(t, h, ck.Public, ck.Secret, mallory.Public, sk.Public)
		}, "another session"},
		{"vouch for another server", func(h *clientHandshake) []byte {
			return forgedInitiate(t, h, ck.Public, ck.Secret, h.tx.Public, mallory.Public)
		}, "another server"},
	}
	for _, tc := range cases {
		ch, sh := step()
		_, err := sh.initiate(tc.make(ch))
		if !errors.Is(err, ErrBadBox) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// The genuine INITIATE passes, but not with a cookie from another handshake.
	ch1, sh1 := step()
	ch2, _ := step()
	good, _ := ch1.initiate(nil)
	if _, err := sh1.initiate(good); err != nil {
		t.Fatalf("genuine INITIATE: %v", err)
	}
	_, sh3 := step()
	other, _ := ch2.initiate(nil)
	if _, err := sh3.initiate(other); !errors.Is(err, ErrReplay) || errors.Is(err, ErrBadBox) { // named a replay, not wrong keys (issue 16)
		t.Fatalf("INITIATE from another handshake: %v", err)
	}
	if _, err := sh3.initiate(good[:initiateMinLen-1]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short INITIATE: %v", err)
	}
}

func TestIronHouseUnknownKey(t *testing.T) {
	ck, sk, known := mustKeys(t, 1), mustKeys(t, 2), mustKeys(t, 5)
	c, s := runHandshake(t, NewClient(ck, sk.Public), NewServer(sk, IronHouse([]PublicKey{known.Public})), loopback)
	if !errors.Is(s.err, ErrKeyNotAllowed) || !strings.Contains(s.err.Error(), ck.Public.String()) {
		t.Fatalf("server: %v", s.err)
	}
	if !errors.Is(c.err, ErrRefused) || !strings.Contains(c.err.Error(), `"400"`) || !strings.Contains(c.err.Error(), "client.key") {
		t.Fatalf("client: %v", c.err)
	}
	// StoneHouse lets the same stranger in.
	c, s = runHandshake(t, NewClient(ck, sk.Public), NewServer(sk, StoneHouse()), loopback)
	if c.err != nil || s.err != nil {
		t.Fatalf("StoneHouse: %v %v", c.err, s.err)
	}
}

func TestAddressNotAllowed(t *testing.T) {
	ck, sk := mustKeys(t, 1), mustKeys(t, 2)
	allow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, auth := range []Authorizer{StoneHouse(allow...), IronHouse([]PublicKey{ck.Public}, allow...)} {
		c, s := runHandshake(t, NewClient(ck, sk.Public), NewServer(sk, auth), loopback)
		if !errors.Is(s.err, ErrAddressNotAllowed) || !strings.Contains(s.err.Error(), "127.0.0.1") {
			t.Fatalf("server: %v", s.err)
		}
		if !errors.Is(c.err, ErrRefused) {
			t.Fatalf("client: %v", c.err)
		}
	}
	// An unknown address is refused when an allow-list exists.
	if err := StoneHouse(allow...).Authorize(nil, ck.Public); !errors.Is(err, ErrAddressNotAllowed) {
		t.Fatalf("nil address: %v", err)
	}
	if err := StoneHouse(netip.MustParsePrefix("127.0.0.1/32")).Authorize(loopback, ck.Public); err != nil {
		t.Fatalf("allowed address: %v", err)
	}
}

func TestWrongServerKey(t *testing.T) {
	ck, sk, other := mustKeys(t, 1), mustKeys(t, 2), mustKeys(t, 3)
	c, s := runHandshake(t, NewClient(ck, other.Public), NewServer(sk, nil), loopback)
	if !errors.Is(s.err, ErrBadBox) {
		t.Fatalf("server: %v", s.err)
	}
	if !errors.Is(c.err, ErrNoWelcome) || !strings.Contains(c.err.Error(), "server.key") {
		t.Fatalf("client: %v", c.err)
	}
}

func TestPeerStopsMidHandshake(t *testing.T) {
	ck, sk := mustKeys(t, 1), mustKeys(t, 2)
	// The client hangs up right after HELLO.
	a, b, aOut, bOut := memPair()
	ch, _ := NewClient(ck, sk.Public).start()
	hello, _ := ch.hello()
	if err := a.WriteCommand("HELLO", hello); err != nil {
		t.Fatal(err)
	}
	close(aOut)
	_, _, err := NewServer(sk, nil).Handshake(b, loopback, nil)
	if err == nil || errors.Is(err, ErrSecurity) || !strings.Contains(err.Error(), "INITIATE") {
		t.Fatalf("server after a client hang-up: %v", err)
	}
	close(bOut)
	// The server hangs up after WELCOME.
	a, b, aOut, bOut = memPair()
	go func() {
		_, body, err := b.ReadCommand()
		if err == nil {
			sh := NewServer(sk, nil).start()
			if sh.hello(body) == nil {
				w, _ := sh.welcome()
				b.WriteCommand("WELCOME", w)
			}
		}
		close(bOut)
	}()
	_, _, err = NewClient(ck, sk.Public).Handshake(a, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "READY") {
		t.Fatalf("client after a server hang-up: %v", err)
	}
	close(aOut)
	// A server that answers HELLO with something else.
	a, b, aOut, bOut = memPair()
	go func() {
		b.ReadCommand()
		b.WriteCommand("READY", nil)
		close(bOut)
	}()
	if _, _, err = NewClient(ck, sk.Public).Handshake(a, nil, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("READY instead of WELCOME: %v", err)
	}
	close(aOut)
}

func TestCookieKeyRotation(t *testing.T) {
	ck, sk := mustKeys(t, 1), mustKeys(t, 2)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := NewServer(sk, nil)
	srv.now = func() time.Time { return now }
	try := func(advance time.Duration) error {
		ch, _ := NewClient(ck, sk.Public).start()
		sh := srv.start()
		hello, _ := ch.hello()
		if err := sh.hello(hello); err != nil {
			return err
		}
		w, err := sh.welcome()
		if err != nil {
			return err
		}
		if err := ch.welcome(w); err != nil {
			return err
		}
		now = now.Add(advance)
		init, _ := ch.initiate(nil)
		_, err = sh.initiate(init)
		return err
	}
	if err := try(time.Second); err != nil {
		t.Fatalf("fresh cookie: %v", err)
	}
	if err := try(61 * time.Second); err != nil { // the key rotated once: the previous one still opens
		t.Fatalf("cookie across one rotation: %v", err)
	}
	if err := try(3 * time.Minute); !errors.Is(err, ErrReplay) || !strings.Contains(err.Error(), "cookie") {
		t.Fatalf("stale cookie: %v", err)
	}
}

// A server ERROR with a non-standard body is still shown.
func TestErrorReasons(t *testing.T) {
	if got := errorReason(errorBody("400")); got != "400" {
		t.Fatal(got)
	}
	if got := errorReason([]byte{9, 'x'}); got != "\tx" {
		t.Fatalf("malformed ERROR body shown as %q", got)
	}
	if long := errorBody(strings.Repeat("x", 300)); len(long) != 256 || long[0] != 255 {
		t.Fatalf("long reason: %d bytes", len(long))
	}
}
