package h264

import (
	"errors"
	"testing"
)

// bitWriter builds test SPSs field by field, independently of the parser.
type bitWriter struct {
	b []byte
	n int // bits written
}

func (w *bitWriter) bits(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte((v>>i)&1) << (7 - w.n%8)
		w.n++
	}
}

func (w *bitWriter) ue(v uint32) {
	x := uint64(v) + 1
	n := 0
	for t := x; t > 1; t >>= 1 {
		n++
	}
	w.bits(0, n)
	w.bits(uint32(x), n+1)
}

func (w *bitWriter) se(v int32) {
	if v > 0 {
		w.ue(uint32(2*v - 1))
	} else {
		w.ue(uint32(-2 * v))
	}
}

// escape inserts emulation prevention bytes, as an encoder does.
func escape(rbsp []byte) []byte {
	var out []byte
	zeros := 0
	for _, c := range rbsp {
		if zeros >= 2 && c <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

type spsSpec struct {
	profile, constraints, level uint8
	id                          uint32
	chroma                      uint32 // high profiles only
	scaling                     bool   // high profiles only: one 4x4 and one 8x8 list
	pocType                     uint32
	wMBs, hUnits                uint32
	frameMBsOnly                bool
	crop                        [4]uint32 // left right top bottom
}

func buildSPS(s spsSpec) []byte {
	var w bitWriter
	w.bits(uint32(s.profile), 8)
	w.bits(uint32(s.constraints), 8)
	w.bits(uint32(s.level), 8)
	w.ue(s.id)
	if s.profile == 100 {
		w.ue(s.chroma)
		if s.chroma == 3 {
			w.bits(0, 1)
		}
		w.ue(0)
		w.ue(0)
		w.bits(0, 1)
		if s.scaling {
			w.bits(1, 1)
			for i := 0; i < 8; i++ {
				if i == 0 || i == 6 {
					w.bits(1, 1)
					size := 16
					if i == 6 {
						size = 64
					}
					for j := 0; j < size; j++ {
						w.se(int32(j%5) - 2)
					}
				} else {
					w.bits(0, 1)
				}
			}
		} else {
			w.bits(0, 1)
		}
	}
	w.ue(0) // log2_max_frame_num_minus4
	w.ue(s.pocType)
	switch s.pocType {
	case 0:
		w.ue(2)
	case 1:
		w.bits(0, 1)
		w.se(-1)
		w.se(3)
		w.ue(2)
		w.se(1)
		w.se(-2)
	}
	w.ue(1)
	w.bits(0, 1)
	w.ue(s.wMBs - 1)
	w.ue(s.hUnits - 1)
	if s.frameMBsOnly {
		w.bits(1, 1)
	} else {
		w.bits(0, 1)
		w.bits(1, 1)
	}
	w.bits(1, 1)
	if s.crop != [4]uint32{} {
		w.bits(1, 1)
		for _, c := range s.crop {
			w.ue(c)
		}
	} else {
		w.bits(0, 1)
	}
	w.bits(0, 1) // vui_parameters_present_flag
	w.bits(1, 1) // rbsp_stop_one_bit
	return append([]byte{0x67}, escape(w.b)...)
}

func TestParseSPS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spec    spsSpec
		w, h    int
		profile string
		level   string
	}{
		{"1080p high, cropped to 1080 lines", spsSpec{profile: 100, level: 40, chroma: 1, wMBs: 120, hUnits: 68, frameMBsOnly: true, crop: [4]uint32{0, 0, 0, 4}}, 1920, 1080, "high", "4"},
		{"640x480 constrained baseline", spsSpec{profile: 66, constraints: 0xc0, level: 30, wMBs: 40, hUnits: 30, frameMBsOnly: true}, 640, 480, "constrained-baseline", "3"},
		{"720p main, POC type 1", spsSpec{profile: 77, level: 31, pocType: 1, wMBs: 80, hUnits: 45, frameMBsOnly: true}, 1280, 720, "main", "3.1"},
		{"interlaced field pairs", spsSpec{profile: 77, level: 30, wMBs: 45, hUnits: 18, crop: [4]uint32{0, 0, 0, 0}}, 720, 576, "main", "3"},
		{"high with scaling lists and id 3", spsSpec{profile: 100, level: 42, id: 3, chroma: 1, scaling: true, pocType: 2, wMBs: 20, hUnits: 15, frameMBsOnly: true, crop: [4]uint32{1, 1, 1, 1}}, 316, 236, "high", "4.2"},
		{"4:4:4 cropping in luma samples", spsSpec{profile: 100, level: 50, chroma: 3, wMBs: 4, hUnits: 4, frameMBsOnly: true, crop: [4]uint32{0, 3, 0, 1}}, 61, 63, "high", "5"},
	} {
		nal := buildSPS(tc.spec)
		s, err := ParseSPS(nal)
		if err != nil {
			t.Errorf("%s: %v (% x)", tc.name, err, nal)
			continue
		}
		if s.Width != tc.w || s.Height != tc.h || s.ProfileName() != tc.profile || s.Level() != tc.level || s.ID != tc.spec.id {
			t.Errorf("%s: got %dx%d %s level %s id %d, want %dx%d %s level %s id %d", tc.name,
				s.Width, s.Height, s.ProfileName(), s.Level(), s.ID, tc.w, tc.h, tc.profile, tc.level, tc.spec.id)
		}
		if s.FrameMBsOnly != tc.spec.frameMBsOnly {
			t.Errorf("%s: FrameMBsOnly = %v", tc.name, s.FrameMBsOnly)
		}
	}
}

// SPSs from a real encoder (Debian's libx264 0.164 through ffmpeg 5.1,
// yuv420p; sizes and profiles confirmed with ffprobe), so the parser is not
// only checked against its twin writer above.
var realSPS = []struct {
	name    string
	nal     []byte
	w, h    int
	profile string
	level   string
}{
	{"x264 ultrafast 640x480", []byte{0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xf6, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x58, 0xba, 0x80},
		640, 480, "constrained-baseline", "3"},
	{"x264 ultrafast 1280x720", []byte{0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xec, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0f, 0x03, 0xc6, 0x0c, 0xa8},
		1280, 720, "constrained-baseline", "3.1"},
	{"x264 ultrafast 1920x1080", []byte{0x67, 0x42, 0xc0, 0x28, 0xda, 0x01, 0xe0, 0x08, 0x9f, 0x97, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x2a},
		1920, 1080, "constrained-baseline", "4"},
	{"x264 medium 1920x1080", []byte{0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x60, 0xc6, 0x58},
		1920, 1080, "high", "4"},
}

func TestParseRealSPS(t *testing.T) {
	for _, tc := range realSPS {
		s, err := ParseSPS(tc.nal)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if s.Width != tc.w || s.Height != tc.h || s.ProfileName() != tc.profile || s.Level() != tc.level {
			t.Errorf("%s: got %dx%d %s %s, want %dx%d %s %s", tc.name, s.Width, s.Height, s.ProfileName(), s.Level(),
				tc.w, tc.h, tc.profile, tc.level)
		}
	}
}

func TestParseSPSErrors(t *testing.T) {
	good := buildSPS(spsSpec{profile: 66, level: 30, wMBs: 40, hUnits: 30, frameMBsOnly: true})
	for _, tc := range []struct {
		name string
		nal  []byte
	}{
		{"not an SPS", ppsNAL},
		{"empty", nil},
		{"truncated", good[:5]},
		{"huge width", buildSPS(spsSpec{profile: 66, level: 30, wMBs: 5000, hUnits: 30, frameMBsOnly: true})},
		{"cropped to nothing", buildSPS(spsSpec{profile: 66, level: 30, wMBs: 2, hUnits: 2, frameMBsOnly: true, crop: [4]uint32{8, 8, 0, 0}})},
		{"bad chroma format", buildSPS(spsSpec{profile: 100, level: 30, chroma: 7, wMBs: 2, hUnits: 2, frameMBsOnly: true})},
		{"endless Exp-Golomb", []byte{0x67, 0x42, 0, 0x1e, 0, 0, 0, 0, 0, 0, 0, 0x01}},
	} {
		if _, err := ParseSPS(tc.nal); !errors.Is(err, ErrBadSPS) {
			t.Errorf("%s: err = %v, want ErrBadSPS", tc.name, err)
		}
	}
}

func TestUnescape(t *testing.T) {
	in := []byte{1, 0, 0, 3, 0, 0, 0, 3, 1, 0, 0, 3}
	want := []byte{1, 0, 0, 0, 0, 0, 1, 0, 0}
	if got := unescape(in); string(got) != string(want) {
		t.Errorf("unescape(% x) = % x, want % x", in, got, want)
	}
}
