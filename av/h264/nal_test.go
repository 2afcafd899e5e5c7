package h264

import (
	"bytes"
	"testing"
)

// Synthetic NAL units: a header byte and a little payload that ends in a
// stop bit, as real units do.
var (
	audNAL   = []byte{0x09, 0xf0}
	spsNAL   = []byte{0x67, 0x42, 0xc0, 0x1e, 0xaa, 0x01}
	ppsNAL   = []byte{0x68, 0xce, 0x3c, 0x80}
	seiNAL   = []byte{0x06, 0x05, 0x01, 0x80}
	idrNAL   = []byte{0x65, 0x88, 0x84, 0x00, 0x00, 0x03, 0x00, 0x21}
	sliceNAL = []byte{0x41, 0x9a, 0x02, 0x01}
)

// annexB joins units with start codes, alternating the 4- and 3-byte forms.
func annexB(nals ...[]byte) []byte {
	var b []byte
	for i, n := range nals {
		if i%2 == 0 {
			b = append(b, 0, 0, 0, 1)
		} else {
			b = append(b, 0, 0, 1)
		}
		b = append(b, n...)
	}
	return b
}

func TestNALUnits(t *testing.T) {
	au := annexB(audNAL, spsNAL, ppsNAL, seiNAL, idrNAL)
	got := Split(au)
	want := [][]byte{audNAL, spsNAL, ppsNAL, seiNAL, idrNAL}
	if len(got) != len(want) {
		t.Fatalf("Split gave %d units, want %d: %x", len(got), len(want), got)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("unit %d = % x, want % x", i, got[i], want[i])
		}
	}
	types := []NALType{NALAUD, NALSPS, NALPPS, NALSEI, NALIDR}
	for i, n := range got {
		if TypeOf(n) != types[i] {
			t.Errorf("unit %d type %s, want %s", i, TypeOf(n), types[i])
		}
	}
}

func TestNALUnitsEdges(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want int
	}{
		{"empty", nil, 0},
		{"no start code (AVCC)", []byte{0, 0, 0, 4, 0x65, 1, 2, 3}, 0},
		{"only a start code", []byte{0, 0, 1}, 0},
		{"start codes only", []byte{0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1}, 0},
		{"garbage before the first start code", append([]byte{0xde, 0xad}, annexB(idrNAL)...), 1},
		{"trailing zero bytes", append(annexB(spsNAL, idrNAL), 0, 0, 0, 0), 2},
		{"emulation prevention kept inside a unit", annexB(idrNAL), 1},
	} {
		got := Split(tc.in)
		if len(got) != tc.want {
			t.Errorf("%s: %d units (% x), want %d", tc.name, len(got), got, tc.want)
		}
		for _, n := range got {
			if len(n) == 0 || n[len(n)-1] == 0 {
				t.Errorf("%s: unit % x is empty or ends in zero", tc.name, n)
			}
		}
	}
	// Stopping early must stop.
	n := 0
	for range NALUnits(annexB(spsNAL, ppsNAL, idrNAL)) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("iteration went on after break: %d", n)
	}
}

func TestNALTypeNames(t *testing.T) {
	for typ, want := range map[NALType]string{
		NALSlice: "slice", NALIDR: "IDR", NALSPS: "SPS", NALPPS: "PPS", NALAUD: "AUD",
		NALSEI: "SEI", NALSliceB: "slice-partition-B", 0: "nal-0", 24: "nal-24",
	} {
		if typ.String() != want {
			t.Errorf("NALType(%d).String() = %q, want %q", uint8(typ), typ.String(), want)
		}
	}
	if !NALIDR.IsSlice() || !NALSlice.IsSlice() || NALSPS.IsSlice() || NALAUD.IsSlice() {
		t.Error("IsSlice is wrong")
	}
	if TypeOf(nil) != 0 {
		t.Error("TypeOf(nil) != 0")
	}
}

func TestInspect(t *testing.T) {
	for _, tc := range []struct {
		name   string
		au     []byte
		want   AccessUnit
		random bool
	}{
		{"IDR with parameter sets", annexB(spsNAL, ppsNAL, idrNAL), AccessUnit{SPS: 1, PPS: 1, IDR: true, Slices: 1}, true},
		{"delimited IDR with SEI", annexB(audNAL, spsNAL, ppsNAL, seiNAL, idrNAL), AccessUnit{SPS: 1, PPS: 1, IDR: true, Slices: 1, AUD: true}, true},
		{"bare IDR", annexB(idrNAL), AccessUnit{IDR: true, Slices: 1}, false},
		{"IDR without PPS", annexB(spsNAL, idrNAL), AccessUnit{SPS: 1, IDR: true, Slices: 1}, false},
		{"P slice with parameter sets", annexB(spsNAL, ppsNAL, sliceNAL), AccessUnit{SPS: 1, PPS: 1, Slices: 1}, false},
		{"parameter sets after the slice do not count", annexB(idrNAL, spsNAL, ppsNAL), AccessUnit{IDR: true, Slices: 1}, false},
		{"parameter sets only", annexB(spsNAL, ppsNAL), AccessUnit{SPS: 1, PPS: 1}, false},
	} {
		got := Inspect(tc.au)
		if got != tc.want {
			t.Errorf("%s: Inspect = %+v, want %+v", tc.name, got, tc.want)
		}
		if IsRandomAccess(tc.au) != tc.random {
			t.Errorf("%s: IsRandomAccess = %v", tc.name, !tc.random)
		}
		if IsIDR(tc.au) != tc.want.IDR {
			t.Errorf("%s: IsIDR = %v", tc.name, !tc.want.IDR)
		}
	}
}
