package zmtp

import (
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/picam-project/picam/stream/curve"
)

// curveSub is a CURVE PUB dialer and SUB listener whose reads are counted by b.
func curveSub(t *testing.T, b *testBudget) (pub, sub *Conn) {
	t.Helper()
	k := newCurveKeys(t)
	d, _, l, err := curvePair(t, PUB, SUB, curve.NewClient(k.client, k.server.Public), curve.NewServer(k.server, nil), Options{Budget: b})
	if err != nil || l.err != nil {
		t.Fatalf("dialer %v, listener %v", err, l.err)
	}
	return d, l.c
}

// Issue 16: under CURVE a frame is held twice while it is read, sealed and opened, and the
// budget (picam-client's MaxMemory) counted only the sealed copy. Both count now, so a message
// that fits the budget sealed but not twice is refused.
func TestCurveBudgetCountsBothCopies(t *testing.T) {
	b := &testBudget{limit: 4000}
	d, l := curveSub(t, b)
	var m Msg
	if err := d.WriteMsg(make([]byte, 400), make([]byte, 500)); err != nil {
		t.Fatal(err)
	}
	if err := l.ReadMsg(&m, nil); err != nil {
		t.Fatal(err)
	}
	want := int64(400+curve.Overhead+400+1) + int64(500+curve.Overhead+500+1)
	if b.top != want || b.used != 0 {
		t.Fatalf("reserved at most %d, want %d (both copies); %d still held", b.top, want, b.used)
	}
	// A 1500-byte frame: its sealed copy fits the limit, both copies do not.
	b.limit = int64(1500 + curve.Overhead + 750)
	if err := d.WriteMsg(make([]byte, 1500)); err != nil {
		t.Fatal(err)
	}
	if err := l.ReadMsg(&m, nil); !errors.Is(err, ErrOverBudget) || b.used != 0 {
		t.Fatalf("over the budget: %v, %d still held", err, b.used)
	}
}

// Issue 16: a CURVE connection kept its sealed-frame buffer at the size of the largest frame
// it ever got (64 MiB per connection), and allocated an announced frame whole before its bytes
// arrived. Now it keeps at most keepSealed between messages, and a large frame's buffer grows
// as the bytes arrive.
func TestCurveLargeFrameBufferIsNotKept(t *testing.T) {
	b := &testBudget{limit: 1 << 40}
	d, l := curveSub(t, b)
	var m Msg
	const big = 10 << 20
	go d.WriteMsg(make([]byte, big))
	if err := l.ReadMsg(&m, nil); err != nil || len(m.Parts[0]) != big {
		t.Fatalf("10 MiB frame: %v", err)
	}
	if c := cap(l.cv.rbuf); c > keepSealed {
		t.Fatalf("the connection keeps a %d-byte sealed buffer after a 10 MiB frame, want ≤ %d", c, keepSealed)
	}
	// A small frame after it still reads, and reuses a buffer of its own size.
	if err := d.WriteMsg(make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := l.ReadMsg(&m, nil); err != nil || len(m.Parts[0]) != 1000 {
		t.Fatalf("1000-byte frame: %v", err)
	}

	// A frame announced at 60 MiB of which 1000 bytes arrive costs a few MiB, not 60.
	d2, l2 := curveSub(t, b)
	var hdr [9]byte
	hdr[0] = flagLong
	binary.BigEndian.PutUint64(hdr[1:], 60<<20)
	nc := d2.NetConn()
	nc.Write(hdr[:])
	nc.Write(make([]byte, 1000))
	nc.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := l2.ReadMsg(&m, nil); err == nil {
		t.Fatal("a truncated frame was read")
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 2*growStep {
		t.Fatalf("allocated %d bytes for 1000 received of a 60 MiB frame", n)
	}
}
