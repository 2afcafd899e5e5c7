package fanout

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
)

// h264 is inter-coded packet n of a synthetic stream (Seq carries n); key marks a keyframe.
func h264(n uint64, key bool) av.Packet { return av.Packet{Codec: av.H264, Seq: n, Keyframe: key} }

// The gate's decisions on their own.
func TestGateAdmit(t *testing.T) {
	var g gate
	steps := []struct {
		index  uint64
		key    bool
		busy   bool
		want   verdict
		wantAs bool
	}{
		{1, false, false, hold, true},     // joined: hold, ask
		{2, false, false, hold, false},    // asked already
		{3, true, false, accept, false},   // keyframe
		{4, false, false, accept, false},  // consecutive
		{5, false, true, overflow, true},  // mailbox full: lose sync, ask
		{6, false, false, hold, false},    // waiting
		{7, true, true, accept, false},    // a keyframe goes in even when busy
		{9, false, false, hold, true},     // index 8 missing (a Gap)
		{10, true, false, accept, false},  // keyframe
		{11, false, false, accept, false}, // consecutive again
	}
	for i, st := range steps {
		v, ask := g.admit(st.index, st.key, st.busy, true, DefaultRetryAfter)
		if v != st.want || ask != st.wantAs {
			t.Fatalf("step %d (index %d key %v busy %v): verdict %d ask %v, want %d %v", i, st.index, st.key, st.busy, v, ask, st.want, st.wantAs)
		}
	}
}

// A joiner starts at a keyframe, asked for at once; raw and JPEG are never held; a slow
// consumer of an intra-coded stream gets the newest packet.
func TestSubscribeJoinAndNewest(t *testing.T) {
	var asks atomic.Int64
	h := New(Config{RequestKeyframe: func() { asks.Add(1) }})
	s := h.Subscribe("rtsp 1")
	h.Publish(h264(0, false))
	if _, ok := s.TryNext(); ok || asks.Load() != 1 {
		t.Fatalf("a P-frame reached a joiner, or %d keyframe requests (want 1)", asks.Load())
	}
	h.Publish(h264(1, true))
	h.Publish(h264(2, false))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if p, err := s.Next(ctx); err != nil || p.Seq != 1 {
		t.Fatalf("Next: %d %v, want the keyframe 1 (the P-frame after it overflowed)", p.Seq, err)
	}
	st := s.Stats()
	if st.Delivered != 1 || st.Held != 1 || st.Dropped != 1 {
		t.Fatalf("stats %+v, want 1 delivered, 1 held, 1 dropped", st)
	}

	// One that joins while the inter-coded stream flows asks at once, not at its first held
	// packet, and only once.
	before := asks.Load()
	late := h.Subscribe("rtsp 2")
	if n := asks.Load() - before; n != 1 {
		t.Fatalf("a joiner of a running H.264 stream made %d requests, want 1", n)
	}
	h.Publish(h264(3, false))
	if _, ok := late.TryNext(); ok || asks.Load()-before != 1 {
		t.Fatalf("the late joiner was handed a P-frame, or asked again (%d requests)", asks.Load()-before)
	}

	j := h.Subscribe("mjpeg")
	for i := range uint64(3) {
		h.Publish(av.Packet{Codec: av.JPEG, Seq: 10 + i, Keyframe: true})
	}
	if p, ok := j.TryNext(); !ok || p.Seq != 12 {
		t.Fatalf("JPEG consumer got %d %v, want the newest, 12", p.Seq, ok)
	}
	if h.Published() != 7 {
		t.Fatalf("published %d, want 7", h.Published())
	}
}

// Next returns ctx's error, ErrClosed after Close, and the waiting packet before ErrClosed
// when the hub closes; nothing is published after the hub's Close.
func TestNextAndClose(t *testing.T) {
	h := New(Config{})
	s := h.Subscribe("a")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on an empty mailbox: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := s.Next(context.Background())
		got <- err
	}()
	s.Close()
	if err := <-got; !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Sub.Close: %v", err)
	}
	h.Publish(av.Packet{Codec: av.Raw, Seq: 1})

	b := h.Subscribe("b")
	h.Publish(av.Packet{Codec: av.Raw, Seq: 2})
	h.Close()
	h.Publish(av.Packet{Codec: av.Raw, Seq: 3})
	if p, err := b.Next(context.Background()); err != nil || p.Seq != 2 {
		t.Fatalf("Next after the hub closed: %d %v, want the waiting packet 2", p.Seq, err)
	}
	if _, err := b.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Next after the hub closed: %v", err)
	}
	if _, err := h.Subscribe("late").Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next on a Sub of a closed hub: %v", err)
	}
	b.Close() // a second close of either is harmless
	h.Close()
}

// A group shares the packets: each goes to one present member, in turn.
func TestGroupRoundRobin(t *testing.T) {
	h := New(Config{})
	var present [3]atomic.Bool
	var subs [3]*Sub
	for i := range subs {
		present[i].Store(true)
		subs[i] = h.SubscribeWith("rr", Options{Group: "g", Present: present[i].Load})
	}
	all := h.Subscribe("everything")
	present[2].Store(false)
	for i := range uint64(4) {
		h.Publish(av.Packet{Codec: av.JPEG, Seq: i, Keyframe: true})
		for k, s := range subs {
			if p, ok := s.TryNext(); ok && uint64(k) != []uint64{1, 0, 1, 0}[i] {
				t.Fatalf("packet %d went to member %d", p.Seq, k)
			}
		}
	}
	if st := all.Stats(); st.Dropped != 3 {
		t.Fatalf("the plain consumer: %+v, want every packet offered (3 replaced)", st)
	}
	present[0].Store(false)
	present[1].Store(false)
	h.Publish(av.Packet{Codec: av.JPEG, Seq: 9, Keyframe: true})
	if h.Unrouted() != 1 {
		t.Fatalf("unrouted %d, want 1", h.Unrouted())
	}
}

// checkDecodable fails when a consumer was handed a sequence a decoder could not follow: the
// first packet after a (re)join is not a keyframe, or a P-frame does not follow the packet
// before it. Seq numbers the published packets 1, 2, ... with a skip where a Gap is.
type decodeChecker struct {
	synced bool
	last   uint64
}

func (c *decodeChecker) check(p av.Packet) error {
	switch {
	case p.Keyframe:
	case !c.synced:
		return fmt.Errorf("P-frame %d handed to a consumer with no keyframe", p.Seq)
	case p.Seq != c.last+1:
		return fmt.Errorf("P-frame %d after %d: a reference is missing", p.Seq, c.last)
	}
	c.synced, c.last = true, p.Seq
	return nil
}

func (c *decodeChecker) take(t *testing.T, p av.Packet) {
	t.Helper()
	if err := c.check(p); err != nil {
		t.Fatal(err)
	}
}

// A random pattern of publishing, taking (or not: a slow consumer), gaps and rejoins never
// hands a consumer a P-frame it cannot decode, and every packet is accounted for.
func FuzzGateNeverUndecodable(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{7, 7, 7, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3})
	f.Add([]byte{255, 128, 64, 32, 16, 8, 4, 2, 1})
	f.Add([]byte{3, 5, 0, 5, 4, 5, 0, 5}) // a gap while in sync
	f.Fuzz(func(t *testing.T, ops []byte) {
		var asks int
		h := New(Config{RequestKeyframe: func() { asks++ }})
		s := h.Subscribe("fuzz")
		var c decodeChecker
		var seq uint64
		published := uint64(0)
		for _, op := range ops {
			switch op % 8 {
			case 0, 1, 2: // publish a P-frame
				seq++
				h.Publish(h264(seq, false))
				published++
			case 3: // publish a keyframe
				seq++
				h.Publish(h264(seq, true))
				published++
			case 4: // a packet lost before Publish
				seq += 2
				p := h264(seq, op&0x10 != 0)
				p.Gap = true
				h.Publish(p)
				published++
			case 5, 6: // the consumer takes what waits
				if p, ok := s.TryNext(); ok {
					c.take(t, p)
				}
			case 7: // the consumer reconnects
				s.Rejoin()
				c.synced = false
			}
		}
		if p, ok := s.TryNext(); ok {
			c.take(t, p)
		}
		st := s.Stats()
		if st.Delivered+st.Dropped+st.Held != published {
			t.Fatalf("%d published, but %+v", published, st)
		}
	})
}

// Many consumers, some slow, one producer: under the race detector, Publish never blocks on
// a consumer and every consumer only ever gets decodable sequences.
func TestConcurrentConsumers(t *testing.T) {
	var asks atomic.Int64
	h := New(Config{RequestKeyframe: func() { asks.Add(1) }})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 4 {
		s := h.Subscribe("c")
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c decodeChecker
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for {
				p, err := s.Next(ctx)
				if err != nil {
					return
				}
				if err := c.check(p); err != nil {
					t.Error(err)
					return
				}
				if r.IntN(4) == 0 {
					time.Sleep(time.Duration(r.IntN(300)) * time.Microsecond) // slow now and then
				}
			}
		}()
	}
	for n := uint64(1); n <= 3000; n++ {
		h.Publish(h264(n, n%50 == 1))
	}
	h.Close()
	wg.Wait()
	cancel()
}

// TestWanted: the hub wants packets while some consumer is present, and not with none, or
// with only absent ones.
func TestWanted(t *testing.T) {
	h := New(Config{})
	defer h.Close()
	if h.Wanted() {
		t.Error("a hub without consumers wants packets")
	}
	var here atomic.Bool
	absent := h.SubscribeWith("netgear", Options{Present: here.Load})
	if h.Wanted() {
		t.Error("wanted with only an absent consumer")
	}
	here.Store(true)
	if !h.Wanted() {
		t.Error("not wanted with a present consumer")
	}
	here.Store(false)
	always := h.Subscribe("rtsp") // no Present: always there
	if !h.Wanted() {
		t.Error("not wanted with a consumer that has no Present")
	}
	always.Close()
	if h.Wanted() {
		t.Error("wanted after the present consumer closed")
	}
	absent.Close()
}
