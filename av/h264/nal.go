package h264

import (
	"bytes"
	"fmt"
	"iter"
)

// NALType is the nal_unit_type of a NAL unit header (H.264 table 7-1).
type NALType uint8

// The NAL unit types picam meets in encoder output.
const (
	NALSlice     NALType = 1  // coded slice of a non-IDR picture (P or B)
	NALSliceA    NALType = 2  // slice data partition A
	NALSliceB    NALType = 3  // slice data partition B
	NALSliceC    NALType = 4  // slice data partition C
	NALIDR       NALType = 5  // coded slice of an IDR picture: decoding can start here
	NALSEI       NALType = 6  // supplemental enhancement information
	NALSPS       NALType = 7  // sequence parameter set
	NALPPS       NALType = 8  // picture parameter set
	NALAUD       NALType = 9  // access unit delimiter
	NALEndSeq    NALType = 10 // end of sequence
	NALEndStream NALType = 11 // end of stream
	NALFiller    NALType = 12 // filler data
)

// String returns a short name for logs ("IDR", "SPS", "slice").
func (t NALType) String() string {
	if s, ok := nalNames[t]; ok {
		return s
	}
	if t >= NALSliceA && t <= NALSliceC {
		return fmt.Sprintf("slice-partition-%c", 'A'+rune(t-NALSliceA))
	}
	return fmt.Sprintf("nal-%d", uint8(t))
}

var nalNames = map[NALType]string{
	NALSlice: "slice", NALIDR: "IDR", NALSEI: "SEI", NALSPS: "SPS", NALPPS: "PPS", NALAUD: "AUD",
	NALEndSeq: "end-of-seq", NALEndStream: "end-of-stream", NALFiller: "filler",
}

// IsSlice reports whether units of this type carry picture data (VCL NAL
// units), as opposed to parameter sets and other side information.
func (t NALType) IsSlice() bool { return t >= NALSlice && t <= NALIDR }

// TypeOf returns the type of a NAL unit given without its start code. An
// empty unit has type 0 (unspecified).
func TypeOf(nal []byte) NALType {
	if len(nal) == 0 {
		return 0
	}
	return NALType(nal[0] & 0x1f)
}

// startCode is the Annex-B prefix; a four-byte start code is a zero byte
// followed by it.
var startCode = []byte{0, 0, 1}

// longStartCode is what this package writes in front of the NAL units it
// adds: the four-byte form, which every decoder accepts at any position.
var longStartCode = []byte{0, 0, 0, 1}

// NALUnits iterates over the NAL units of an Annex-B byte stream (typically
// one access unit), without their start codes and without the zero bytes
// that pad between units. Bytes before the first start code are ignored,
// so a stream that is not Annex-B at all (AVCC length prefixes, garbage)
// yields nothing. The yielded slices alias b.
func NALUnits(b []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		spans(b, func(start, end int) bool { return yield(b[start:end]) })
	}
}

// spans calls fn with the offsets of each NAL unit's payload in b (after its
// start code, before the next one) until fn returns false.
func spans(b []byte, fn func(start, end int) bool) {
	i := bytes.Index(b, startCode)
	if i < 0 {
		return
	}
	start := i + 3
	for {
		j := bytes.Index(b[start:], startCode)
		end := len(b)
		if j >= 0 {
			end = start + j
		}
		// A NAL unit never ends in a zero byte (its RBSP ends with a stop
		// bit), so trailing zeros are the next four-byte start code's
		// leading zero or trailing_zero_8bits.
		stop := end
		for stop > start && b[stop-1] == 0 {
			stop--
		}
		if stop > start && !fn(start, stop) {
			return
		}
		if j < 0 {
			return
		}
		start = end + 3
	}
}

// Split returns the NAL units of an Annex-B byte stream as NALUnits yields
// them, for callers that want a slice.
func Split(b []byte) [][]byte {
	var out [][]byte
	for nal := range NALUnits(b) {
		out = append(out, nal)
	}
	return out
}

// AppendNAL appends one NAL unit to an Annex-B stream with a four-byte start
// code in front.
func AppendNAL(dst, nal []byte) []byte {
	dst = append(dst, longStartCode...)
	return append(dst, nal...)
}
