package curve

import (
	"testing"
)

// A 100 KB frame is a typical 720p JPEG; seal and open are what CURVE adds per frame and per
// client (session keys differ per connection, so ciphertext cannot be shared).
func BenchmarkSeal100KB(b *testing.B) {
	d := newDetSteps(b, "")
	payload := make([]byte, 100<<10)
	buf := make([]byte, 0, len(payload)+Overhead)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = d.clientSession.Seal(buf[:0], 0, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen100KB(b *testing.B) {
	d := newDetSteps(b, "")
	payload := make([]byte, 100<<10)
	// Seal enough messages up front; each may be opened once.
	msgs := make([][]byte, 0, 256)
	for range 256 {
		m, err := d.clientSession.Seal(nil, 0, payload)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	out := make([]byte, 0, len(payload)+1)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(msgs) {
			b.StopTimer()
			d = newDetSteps(b, "")
			for j := range msgs {
				msgs[j], _ = d.clientSession.Seal(msgs[j][:0], 0, payload)
			}
			i = 0
			b.StartTimer()
		}
		var err error
		if out, err = d.serverSession.Open(out[:0], msgs[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkHandshake is the CPU cost of one complete HELLO..READY exchange, both sides.
func BenchmarkHandshake(b *testing.B) {
	ck, sk := mustKeys(b, 1), mustKeys(b, 2)
	cl, srv := NewClient(ck, sk.Public), NewServer(sk, nil)
	for b.Loop() {
		ch, _ := cl.start()
		sh := srv.start()
		hello, _ := ch.hello()
		if err := sh.hello(hello); err != nil {
			b.Fatal(err)
		}
		w, _ := sh.welcome()
		if err := ch.welcome(w); err != nil {
			b.Fatal(err)
		}
		init, _ := ch.initiate(nil)
		if _, err := sh.initiate(init); err != nil {
			b.Fatal(err)
		}
		r, _ := sh.ready(nil)
		if _, err := ch.ready(r); err != nil {
			b.Fatal(err)
		}
	}
}
