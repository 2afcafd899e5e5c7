package h264

import (
	"errors"
	"fmt"
)

// SPS is the part of a sequence parameter set picam uses: which profile and
// level a decoder needs, and the picture size, so a client can size its
// window before the first picture is decoded and tests can check that an
// encoder produced what was asked.
type SPS struct {
	ProfileIDC uint8 // 66 Baseline, 77 Main, 100 High, …
	// Constraints holds constraint_set0..5 flags in bits 7..2 (bit 6 set
	// with Baseline means Constrained Baseline).
	Constraints uint8
	LevelIDC    uint8 // level × 10: 40 is level 4.0
	ID          uint32
	// ChromaFormat is chroma_format_idc: 1 is 4:2:0 (the default).
	ChromaFormat uint32
	// Width and Height are the displayed size in pixels, after cropping.
	Width, Height int
	// FrameMBsOnly is false for interlaced-capable streams.
	FrameMBsOnly bool
}

// ErrBadSPS is wrapped by ParseSPS errors.
var ErrBadSPS = errors.New("h264: malformed sequence parameter set")

// maxMBs bounds the width and height in macroblocks a parsed SPS may
// claim; level 6.2's largest frame is 139264 macroblocks, far below
// 1024×1024.
const maxMBs = 1024

// ParseSPS parses an SPS NAL unit (without its start code; emulation
// prevention bytes are handled) up to the frame cropping fields. VUI is
// not read.
func ParseSPS(nal []byte) (SPS, error) {
	if TypeOf(nal) != NALSPS {
		return SPS{}, fmt.Errorf("%w: NAL unit type %s, want SPS", ErrBadSPS, TypeOf(nal))
	}
	r := bitReader{b: unescape(nal[1:])}
	var s SPS
	s.ProfileIDC = uint8(r.bits(8))
	s.Constraints = uint8(r.bits(8))
	s.LevelIDC = uint8(r.bits(8))
	s.ID = r.ue()
	s.ChromaFormat = 1
	separateColourPlane := false
	switch s.ProfileIDC {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		s.ChromaFormat = r.ue()
		if s.ChromaFormat > 3 {
			return SPS{}, fmt.Errorf("%w: chroma_format_idc %d", ErrBadSPS, s.ChromaFormat)
		}
		if s.ChromaFormat == 3 {
			separateColourPlane = r.bits(1) == 1
		}
		r.ue() // bit_depth_luma_minus8
		r.ue() // bit_depth_chroma_minus8
		r.bits(1)
		if r.bits(1) == 1 { // seq_scaling_matrix_present_flag
			lists := 8
			if s.ChromaFormat == 3 {
				lists = 12
			}
			for i := 0; i < lists && r.err == nil; i++ {
				if r.bits(1) == 1 {
					size := 16
					if i >= 6 {
						size = 64
					}
					r.skipScalingList(size)
				}
			}
		}
	}
	r.ue() // log2_max_frame_num_minus4
	switch r.ue() {
	case 0:
		r.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		r.bits(1)
		r.se()
		r.se()
		n := r.ue()
		if n > 255 {
			return SPS{}, fmt.Errorf("%w: %d reference frames in the POC cycle", ErrBadSPS, n)
		}
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.se()
		}
	}
	r.ue()    // max_num_ref_frames
	r.bits(1) // gaps_in_frame_num_value_allowed_flag
	wMBs := int(min(r.ue(), maxMBs)) + 1
	hUnits := int(min(r.ue(), maxMBs)) + 1
	s.FrameMBsOnly = r.bits(1) == 1
	if !s.FrameMBsOnly {
		r.bits(1) // mb_adaptive_frame_field_flag
	}
	r.bits(1) // direct_8x8_inference_flag
	var cl, cr, ct, cb int
	if r.bits(1) == 1 {
		// Bounded so the arithmetic below cannot overflow a 32-bit int;
		// any offset this large fails the size check anyway.
		const most = 16 * maxMBs
		cl, cr = int(min(r.ue(), most)), int(min(r.ue(), most))
		ct, cb = int(min(r.ue(), most)), int(min(r.ue(), most))
	}
	if r.err != nil {
		return SPS{}, fmt.Errorf("%w: %v", ErrBadSPS, r.err)
	}
	frameFactor := 1
	if !s.FrameMBsOnly {
		frameFactor = 2
	}
	if wMBs > maxMBs || hUnits*frameFactor > maxMBs {
		return SPS{}, fmt.Errorf("%w: %dx%d macroblocks", ErrBadSPS, wMBs, hUnits*frameFactor)
	}
	cropX, cropY := 1, frameFactor
	if !separateColourPlane && s.ChromaFormat != 0 {
		subW, subH := 2, 2
		switch s.ChromaFormat {
		case 2:
			subH = 1
		case 3:
			subW, subH = 1, 1
		}
		cropX, cropY = subW, subH*frameFactor
	}
	s.Width = wMBs*16 - cropX*(cl+cr)
	s.Height = hUnits*frameFactor*16 - cropY*(ct+cb)
	if s.Width <= 0 || s.Height <= 0 {
		return SPS{}, fmt.Errorf("%w: cropping leaves %dx%d", ErrBadSPS, s.Width, s.Height)
	}
	return s, nil
}

// ProfileName names the profile for logs and flags ("constrained-baseline",
// "main", "high").
func (s SPS) ProfileName() string {
	switch s.ProfileIDC {
	case 66:
		if s.Constraints&0x40 != 0 {
			return "constrained-baseline"
		}
		return "baseline"
	case 77:
		return "main"
	case 88:
		return "extended"
	case 100:
		return "high"
	}
	return fmt.Sprintf("profile-%d", s.ProfileIDC)
}

// Level returns the level as people write it ("4", "3.1").
func (s SPS) Level() string {
	if s.LevelIDC%10 == 0 {
		return fmt.Sprintf("%d", s.LevelIDC/10)
	}
	return fmt.Sprintf("%d.%d", s.LevelIDC/10, s.LevelIDC%10)
}

// unescape removes emulation prevention bytes (the 0x03 in 00 00 03) from a
// NAL unit's payload, giving its raw byte sequence payload.
func unescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}

// errShort is reported when a parameter set ends before its fields do.
var errShort = errors.New("data ends early")

// bitReader reads big-endian bits and Exp-Golomb codes. The first error
// sticks, and reads after it return 0, so parsing code can check once.
type bitReader struct {
	b   []byte
	pos int // in bits
	err error
}

func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for range n {
		if r.pos >= 8*len(r.b) {
			if r.err == nil {
				r.err = errShort
			}
			return 0
		}
		v = v<<1 | uint32(r.b[r.pos/8]>>(7-r.pos%8))&1
		r.pos++
	}
	return v
}

// ue reads an unsigned Exp-Golomb code.
func (r *bitReader) ue() uint32 {
	zeros := 0
	for r.bits(1) == 0 {
		if r.err != nil {
			return 0
		}
		zeros++
		if zeros > 31 {
			r.err = errors.New("Exp-Golomb code longer than 32 bits")
			return 0
		}
	}
	return uint32((uint64(1)<<zeros)-1) + r.bits(zeros)
}

// se reads a signed Exp-Golomb code.
func (r *bitReader) se() int32 {
	k := r.ue()
	if k&1 == 1 {
		return int32((k + 1) / 2)
	}
	return -int32(k / 2)
}

// skipScalingList reads past one scaling_list() (H.264 7.3.2.1.1.1).
func (r *bitReader) skipScalingList(size int) {
	last, next := int32(8), int32(8)
	for j := 0; j < size && r.err == nil; j++ {
		if next != 0 {
			next = (last + r.se() + 256) % 256
		}
		if next != 0 {
			last = next
		}
	}
}
