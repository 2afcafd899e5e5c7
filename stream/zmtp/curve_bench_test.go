package zmtp

import (
	"testing"
	"time"

	"github.com/picam-project/picam/stream/curve"
)

// BenchmarkLoopback100KB sends [header, 100 KB] messages PUB to SUB over loopback TCP, with NULL
// and with CURVE, so the cost of secure mode per frame shows next to the plain path. Both
// sides run on this machine, so the CURVE figure includes one seal and one open.
func BenchmarkLoopback100KB(b *testing.B) {
	k := curveKeys{}
	var err error
	if k.server, err = curve.GenerateKeyPair(); err != nil {
		b.Fatal(err)
	}
	if k.client, err = curve.GenerateKeyPair(); err != nil {
		b.Fatal(err)
	}
	for _, mech := range []string{"NULL", "CURVE"} {
		b.Run(mech, func(b *testing.B) {
			var cl, srv curve.Handshaker
			if mech == "CURVE" {
				cl, srv = curve.NewClient(k.client, k.server.Public), curve.NewServer(k.server, nil)
			}
			d, l := benchPair(b, cl, srv)
			header := []byte(`{"n": 1, "codec": "jpeg"}`)
			payload := make([]byte, 100<<10)
			errc := make(chan error, 1)
			n := b.N
			go func() {
				var m Msg
				for i := 0; i < n; i++ {
					if err := l.ReadMsg(&m, nil); err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
			b.SetBytes(int64(len(payload) + len(header)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < n; i++ {
				if err := d.WriteMsg(header, payload); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-errc; err != nil {
				b.Fatal(err)
			}
		})
	}
}

func benchPair(b *testing.B, cl, srv curve.Handshaker) (d, l *Conn) {
	b.Helper()
	ln, port := listenLoopbackTB(b)
	ch := make(chan hsResult, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			ch <- hsResult{nil, err}
			return
		}
		c, err := Handshake(nc, Options{SocketType: SUB, Curve: srv})
		ch <- hsResult{c, err}
	}()
	d, err := dialCurve(b.Context(), "", port, PUB, cl)
	if err != nil {
		b.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		b.Fatal(r.err)
	}
	d.nc.SetDeadline(time.Time{})
	b.Cleanup(func() { d.Close(); r.c.Close() })
	return d, r.c
}
