package h264

import (
	"bytes"
	"sync"
	"testing"
)

func TestParamSetsComplete(t *testing.T) {
	var p ParamSets
	bare := annexB(idrNAL)
	if got := p.Complete(bare); !bytes.Equal(got, bare) {
		t.Errorf("with nothing cached, Complete changed the unit: % x", got)
	}
	if p.Ready() {
		t.Error("Ready before anything was observed")
	}
	p.Observe(annexB(audNAL, spsNAL, ppsNAL, idrNAL))
	if !p.Ready() || len(p.SPS()) != 1 || len(p.PPS()) != 1 || !bytes.Equal(p.SPS()[0], spsNAL) || !bytes.Equal(p.PPS()[0], ppsNAL) {
		t.Fatalf("cache after Observe: SPS % x PPS % x", p.SPS(), p.PPS())
	}

	orig := bytes.Clone(bare)
	got := p.Complete(bare)
	if !bytes.Equal(bare, orig) {
		t.Fatal("Complete modified its input")
	}
	if !IsRandomAccess(got) {
		t.Fatalf("completed IDR is not a random access point: % x", got)
	}
	want := [][]byte{spsNAL, ppsNAL, idrNAL}
	if units := Split(got); len(units) != 3 || !bytes.Equal(units[0], want[0]) || !bytes.Equal(units[1], want[1]) || !bytes.Equal(units[2], want[2]) {
		t.Errorf("completed IDR units % x, want % x", units, want)
	}

	// A delimiter stays first.
	delimited := annexB(audNAL, seiNAL, idrNAL)
	units := Split(p.Complete(delimited))
	types := []NALType{NALAUD, NALSPS, NALPPS, NALSEI, NALIDR}
	if len(units) != len(types) {
		t.Fatalf("completed delimited IDR has %d units: % x", len(units), units)
	}
	for i, u := range units {
		if TypeOf(u) != types[i] {
			t.Errorf("unit %d is %s, want %s", i, TypeOf(u), types[i])
		}
	}

	// Garbage before the first start code is dropped, not glued to the PPS.
	junk := append([]byte{0xff, 0xee}, annexB(idrNAL)...)
	if units := Split(p.Complete(junk)); len(units) != 3 || !bytes.Equal(units[1], ppsNAL) {
		t.Errorf("junk-prefixed IDR completed to % x", units)
	}

	// Non-IDR units and complete IDRs are returned as they are.
	for _, au := range [][]byte{annexB(sliceNAL), annexB(spsNAL, ppsNAL, idrNAL)} {
		if got := p.Complete(au); &got[0] != &au[0] {
			t.Errorf("Complete copied a unit it did not need to change: % x", au)
		}
	}
}

func TestParamSetsFollowChanges(t *testing.T) {
	var p ParamSets
	p.Observe(annexB(spsNAL, ppsNAL, idrNAL))
	sps2 := []byte{0x67, 0x64, 0x00, 0x28, 0xac, 0x80}
	p.Observe(annexB(sps2, idrNAL)) // new SPS, PPS unchanged
	if !bytes.Equal(p.SPS()[0], sps2) || !bytes.Equal(p.PPS()[0], ppsNAL) {
		t.Errorf("after a new SPS: SPS % x PPS % x", p.SPS(), p.PPS())
	}
	p.Observe(annexB(sliceNAL, spsNAL)) // after a slice: ignored
	if !bytes.Equal(p.SPS()[0], sps2) {
		t.Error("an SPS after the first slice replaced the cache")
	}
	// The cache holds copies.
	au := annexB(spsNAL, ppsNAL, idrNAL)
	p.Observe(au)
	for i := range au {
		au[i] = 0xff
	}
	if !bytes.Equal(p.SPS()[0], spsNAL) {
		t.Error("the cache aliases the observed unit")
	}
}

func TestParamSetsConcurrent(t *testing.T) {
	var p ParamSets
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 500 {
			p.Observe(annexB(spsNAL, ppsNAL, idrNAL))
		}
	}()
	go func() {
		defer wg.Done()
		bare := annexB(idrNAL)
		for range 500 {
			// Either nothing was cached yet, or the unit is complete.
			if got := p.Complete(bare); !bytes.Equal(got, bare) && !IsRandomAccess(got) {
				t.Errorf("half-completed unit % x", got)
				return
			}
		}
	}()
	wg.Wait()
	if !IsRandomAccess(p.Complete(annexB(idrNAL))) {
		t.Error("IDR not completed after concurrent observes")
	}
}
