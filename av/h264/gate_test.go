package h264

import (
	"bytes"
	"sync"
	"testing"
)

// stream is a synthetic encoder output: an IDR with SPS/PPS every gop units,
// P slices between, and an IDR on request, like a real encoder.
type stream struct {
	gop       int
	n         uint64
	sinceIDR  int
	requested bool
	bareIDR   bool // send IDRs without parameter sets
}

func (s *stream) next() (uint64, []byte) {
	idx := s.n
	s.n++
	if s.n == 1 || s.requested || s.sinceIDR >= s.gop {
		s.requested, s.sinceIDR = false, 1
		if s.bareIDR && idx > 0 {
			return idx, annexB(idrNAL)
		}
		return idx, annexB(audNAL, spsNAL, ppsNAL, idrNAL)
	}
	s.sinceIDR++
	return idx, annexB(audNAL, sliceNAL)
}

func TestGateJoinMidStream(t *testing.T) {
	s := &stream{gop: 10}
	for range 4 { // the client joins at the fifth unit, a P slice
		s.next()
	}
	requests := 0
	g := NewGate(GateConfig{RequestKeyframe: func() { requests++; s.requested = true }})
	g.Join()
	if requests != 1 {
		t.Fatalf("Join made %d requests, want 1", requests)
	}
	var delivered [][]byte
	for range 20 {
		idx, au := s.next()
		if out, ok := g.Admit(idx, au); ok {
			delivered = append(delivered, out)
		}
	}
	if len(delivered) != 20 {
		t.Fatalf("delivered %d of 20 units; the requested IDR came next, so none should be dropped", len(delivered))
	}
	if !IsRandomAccess(delivered[0]) {
		t.Errorf("first unit delivered is not a decodable IDR: %+v", Inspect(delivered[0]))
	}
	if st := g.Stats(); st.Delivered != 20 || st.Dropped != 0 || st.Requests != 1 || st.Resyncs != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestGateWaitsForPeriodicIDRWithoutRequests(t *testing.T) {
	s := &stream{gop: 8}
	s.next()
	s.next()
	g := NewGate(GateConfig{}) // no way to ask: the legacy camera
	g.Join()
	var first []byte
	dropped := 0
	for range 12 {
		idx, au := s.next()
		out, ok := g.Admit(idx, au)
		if !ok {
			dropped++
			continue
		}
		if first == nil {
			first = out
		}
	}
	if dropped != 6 || !IsRandomAccess(first) {
		t.Errorf("dropped %d (want 6, up to the IDR at index 8); first delivered %+v", dropped, Inspect(first))
	}
	if st := g.Stats(); st.Requests != 0 {
		t.Errorf("requests %d without a callback", st.Requests)
	}
}

func TestGateGapResyncs(t *testing.T) {
	s := &stream{gop: 100}
	requests := 0
	g := NewGate(GateConfig{RequestKeyframe: func() { requests++ }})
	g.Join()
	for range 5 {
		idx, au := s.next()
		if _, ok := g.Admit(idx, au); !ok {
			t.Fatalf("unit %d dropped while in sync", idx)
		}
	}
	s.next() // the client's mailbox skipped index 5
	for range 3 {
		idx, au := s.next()
		if _, ok := g.Admit(idx, au); ok {
			t.Fatalf("P slice %d after a gap was delivered", idx)
		}
	}
	if g.Synced() {
		t.Error("still synced after a gap")
	}
	if requests != 2 {
		t.Errorf("%d requests; want one on Join and one after the gap", requests)
	}
	s.requested = true
	idx, au := s.next()
	if out, ok := g.Admit(idx, au); !ok || !IsRandomAccess(out) {
		t.Fatalf("requested IDR %d not delivered", idx)
	}
	if !g.Synced() {
		t.Error("not synced after the IDR")
	}
	if st := g.Stats(); st.Resyncs != 1 || st.Dropped != 3 || st.Delivered != 6 {
		t.Errorf("stats %+v", st)
	}
}

func TestGateGapAtAnIDRNeedsNoRequest(t *testing.T) {
	s := &stream{gop: 3}
	requests := 0
	g := NewGate(GateConfig{RequestKeyframe: func() { requests++ }})
	g.Join()
	for range 2 {
		idx, au := s.next()
		g.Admit(idx, au)
	}
	s.next() // skip index 2; index 3 is an IDR
	idx, au := s.next()
	if _, ok := g.Admit(idx, au); !ok {
		t.Fatal("IDR right after a gap was dropped")
	}
	if requests != 1 {
		t.Errorf("%d requests, want only the one from Join", requests)
	}
}

func TestGateRetries(t *testing.T) {
	s := &stream{gop: 1000}
	s.next()
	requests := 0
	g := NewGate(GateConfig{RequestKeyframe: func() { requests++ }, RetryAfter: 5})
	g.Join()
	for range 12 {
		idx, au := s.next() // the encoder ignores the requests
		if _, ok := g.Admit(idx, au); ok {
			t.Fatal("P slice delivered")
		}
	}
	if requests != 3 {
		t.Errorf("%d requests after 12 drops with RetryAfter 5, want 3 (join, 5, 10)", requests)
	}
	never := NewGate(GateConfig{RequestKeyframe: func() { requests++ }, RetryAfter: -1})
	requests = 0
	for range 40 {
		idx, au := s.next()
		never.Admit(idx, au)
	}
	if requests != 0 {
		t.Errorf("RetryAfter -1 made %d requests", requests)
	}
}

func TestGateCompletesBareIDR(t *testing.T) {
	var params ParamSets
	s := &stream{gop: 4, bareIDR: true}
	// The encoder's first IDR carried the parameter sets; the server saw it
	// before this client joined.
	_, head := s.next()
	params.Observe(head)
	s.next()
	withCache := NewGate(GateConfig{Params: &params})
	without := NewGate(GateConfig{})
	withCache.Join()
	without.Join()
	var first []byte
	for range 8 {
		idx, au := s.next()
		orig := bytes.Clone(au)
		out, ok := withCache.Admit(idx, au)
		if ok && first == nil {
			first = out
		}
		if ok && !withCache.Synced() {
			t.Error("delivered while not synced")
		}
		if _, ok2 := without.Admit(idx, au); ok2 {
			t.Errorf("unit %d delivered without parameter sets available", idx)
		}
		if !bytes.Equal(au, orig) {
			t.Fatal("Admit modified the shared unit")
		}
	}
	// Later bare IDRs may pass as they are: the client has the sets by then.
	if !IsRandomAccess(first) {
		t.Errorf("first unit delivered is not decodable on its own: %+v", Inspect(first))
	}
	if !withCache.Synced() {
		t.Error("gate with a parameter cache never synced on a bare IDR")
	}
}

func TestGateRejoinAndRestart(t *testing.T) {
	s := &stream{gop: 50}
	g := NewGate(GateConfig{RequestKeyframe: func() { s.requested = true }})
	g.Join()
	for range 3 {
		idx, au := s.next()
		g.Admit(idx, au)
	}
	g.Join() // the client reconnected
	if g.Synced() {
		t.Fatal("synced right after Join")
	}
	idx, au := s.next()
	if out, ok := g.Admit(idx, au); !ok || !IsRandomAccess(out) {
		t.Fatal("rejoined client did not start at the requested IDR")
	}
	// The encoder restarted: indexes start again from 0 with an IDR.
	s2 := &stream{gop: 50}
	idx, au = s2.next()
	if _, ok := g.Admit(idx, au); !ok {
		t.Error("restarted stream's first IDR dropped")
	}
	idx, au = s2.next()
	if _, ok := g.Admit(idx, au); !ok {
		t.Error("restarted stream's P slice after its IDR dropped")
	}
}

func TestGateConcurrentJoin(t *testing.T) {
	var mu sync.Mutex
	s := &stream{gop: 5}
	g := NewGate(GateConfig{RequestKeyframe: func() { mu.Lock(); s.requested = true; mu.Unlock() }})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 200 {
			g.Join()
		}
	}()
	for range 500 {
		mu.Lock()
		idx, au := s.next()
		mu.Unlock()
		if out, ok := g.Admit(idx, au); ok && IsIDR(out) && !IsRandomAccess(out) {
			t.Fatal("incomplete IDR delivered")
		}
	}
	wg.Wait()
}
