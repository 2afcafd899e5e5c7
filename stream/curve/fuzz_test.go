package curve

import (
	"bytes"
	"testing"
	"time"
)

// detSteps runs a reproducible handshake step by step and returns both states and every
// command body, so fuzz targets can replace one body and feed it to the real parser.
type detSteps struct {
	ch                              *clientHandshake
	sh                              *serverHandshake
	hello, welcome, initiate, ready []byte
	clientSession, serverSession    *Session
}

func newDetSteps(t testing.TB, upTo string) *detSteps {
	ck, sk := mustKeys(t, 1), mustKeys(t, 2)
	cl := NewClient(ck, sk.Public)
	cl.rand = detRand(10)
	srv := NewServer(sk, nil)
	srv.rand = detRand(20)
	fixed := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	srv.now = func() time.Time { return fixed }
	d := &detSteps{sh: srv.start()}
	var err error
	if d.ch, err = cl.start(); err != nil {
		t.Fatal(err)
	}
	d.hello, _ = d.ch.hello()
	if upTo == "hello" {
		return d
	}
	if err := d.sh.hello(d.hello); err != nil {
		t.Fatal(err)
	}
	if d.welcome, err = d.sh.welcome(); err != nil {
		t.Fatal(err)
	}
	if upTo == "welcome" {
		return d
	}
	if err := d.ch.welcome(d.welcome); err != nil {
		t.Fatal(err)
	}
	if d.initiate, err = d.ch.initiate(encodeMeta("Socket-Type", "PUB")); err != nil {
		t.Fatal(err)
	}
	if upTo == "initiate" {
		return d
	}
	if _, err := d.sh.initiate(d.initiate); err != nil {
		t.Fatal(err)
	}
	d.ready, _ = d.sh.ready(encodeMeta("Socket-Type", "SUB"))
	if upTo == "ready" {
		return d
	}
	if _, err := d.ch.ready(d.ready); err != nil {
		t.Fatal(err)
	}
	d.clientSession, d.serverSession = d.ch.session(), d.sh.session()
	return d
}

func FuzzZ85Decode(f *testing.F) {
	f.Add("HelloWorld")
	f.Add("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
	f.Add("%%%%%")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Z85Decode(s)
		if err != nil {
			return
		}
		back, err := Z85Encode(b)
		if err != nil || back != s {
			t.Fatalf("%q decodes to %x which encodes to %q (%v)", s, b, back, err)
		}
	})
}

func FuzzParseCert(f *testing.F) {
	f.Add([]byte(pyzmqSecret))
	f.Add([]byte("curve\n    public-key = 'b1:I3njd4=Ui<wDG!8ENCpM@6S2&Sy=N-gS7thD6' # c\n"))
	f.Add([]byte("metadata\n    a = b\n        c = d\ncurve\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := ParseCert(text)
		if err != nil || !c.HasSecret {
			return
		}
		kp, err := KeyPairFromSecret(c.Secret)
		if err != nil || kp.Public != c.Public {
			t.Fatal("accepted a certificate whose keys do not belong together")
		}
	})
}

func FuzzServerHello(f *testing.F) {
	d := newDetSteps(f, "hello")
	f.Add(d.hello)
	f.Add(d.hello[:100])
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newDetSteps(t, "hello")
		if err := d.sh.hello(body); err == nil && !bytes.Equal(body[74:], d.hello[74:]) {
			t.Fatal("a HELLO with another key, nonce or box was accepted")
		}
	})
}

func FuzzClientWelcome(f *testing.F) {
	d := newDetSteps(f, "welcome")
	f.Add(d.welcome)
	f.Add(d.welcome[:40])
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newDetSteps(t, "welcome")
		if err := d.ch.welcome(body); err == nil && !bytes.Equal(body, d.welcome) {
			t.Fatal("a forged WELCOME was accepted")
		}
	})
}

func FuzzServerInitiate(f *testing.F) {
	d := newDetSteps(f, "initiate")
	f.Add(d.initiate)
	f.Add(d.initiate[:cookieLen+8])
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newDetSteps(t, "initiate")
		if _, err := d.sh.initiate(body); err == nil && !bytes.Equal(body, d.initiate) {
			t.Fatal("a forged INITIATE was accepted")
		}
	})
}

func FuzzClientReady(f *testing.F) {
	d := newDetSteps(f, "ready")
	f.Add(d.ready)
	f.Add(d.ready[:readyMinLen])
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newDetSteps(t, "ready")
		if _, err := d.ch.ready(body); err == nil && !bytes.Equal(body, d.ready) {
			t.Fatal("a forged READY was accepted")
		}
	})
}

func FuzzSessionOpen(f *testing.F) {
	d := newDetSteps(f, "")
	m1, _ := d.clientSession.Seal(nil, FlagMore, []byte("header"))
	m2, _ := d.clientSession.Seal(nil, 0, bytes.Repeat([]byte{1}, 300))
	f.Add(m1)
	f.Add(m2)
	f.Add(m1[:Overhead])
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newDetSteps(t, "")
		g1, _ := d.clientSession.Seal(nil, FlagMore, []byte("header"))
		g2, _ := d.clientSession.Seal(nil, 0, bytes.Repeat([]byte{1}, 300))
		plain, err := d.serverSession.Open(nil, body)
		if err != nil {
			return
		}
		if !bytes.Equal(body, g1) && !bytes.Equal(body, g2) {
			t.Fatalf("a forged MESSAGE opened to %q", plain)
		}
	})
}
