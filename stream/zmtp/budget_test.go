package zmtp

import (
	"encoding/binary"
	"errors"
	"sync"
	"testing"
)

// testBudget is a Budget with a fixed limit that records the most ever held.
type testBudget struct {
	mu               sync.Mutex
	limit, used, top int64
}

func (b *testBudget) Acquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	b.top = max(b.top, b.used)
	return true
}

func (b *testBudget) Release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// Every data frame is reserved before it is allocated and given back when ReadMsg returns; a
// frame that does not fit ends ReadMsg with ErrOverBudget.
func TestReadMsgBudget(t *testing.T) {
	d, l := pair(t, PUB, SUB)
	b := &testBudget{limit: 1000}
	l.opts.Budget = b
	var m Msg
	if err := d.WriteMsg(make([]byte, 400), make([]byte, 500)); err != nil {
		t.Fatal(err)
	}
	if err := l.ReadMsg(&m, nil); err != nil {
		t.Fatal(err)
	}
	if b.top != 900 || b.used != 0 {
		t.Fatalf("reserved at most %d, %d still held after ReadMsg", b.top, b.used)
	}
	if err := d.WriteMsg(make([]byte, 600), make([]byte, 600)); err != nil {
		t.Fatal(err)
	}
	if err := l.ReadMsg(&m, nil); !errors.Is(err, ErrOverBudget) || b.used != 0 {
		t.Fatalf("over the budget: %v, %d still held", err, b.used)
	}
}

// A peer that announces a large frame and sends little of it costs what it sent: the buffer
// grows as the bytes arrive.
func TestAnnouncedFrameAllocatedAsItArrives(t *testing.T) {
	d, l := pair(t, PUB, SUB)
	var hdr [9]byte
	hdr[0] = flagLong
	binary.BigEndian.PutUint64(hdr[1:], 60<<20)
	nc := d.NetConn()
	nc.Write(hdr[:])
	nc.Write(make([]byte, 1000))
	nc.Close()
	var m Msg
	if err := l.ReadMsg(&m, nil); err == nil {
		t.Fatal("a truncated frame was read")
	}
	if c := cap(m.bufs[0]); c > growStep {
		t.Fatalf("allocated %d bytes for 1000 received", c)
	}
}
