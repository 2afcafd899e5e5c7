//go:build openh264 && cgo

package openh264

import (
	"math"
	"testing"

	"github.com/picam-project/picam/av/h264"
)

// movingI420 is a picture with smooth gradients and a square that moves
// with n, so P-frames carry real motion.
func movingI420(w, h, n int) []byte {
	out := make([]byte, w*h*3/2)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 40 + (x+2*n)%160 + y/8
			if x >= 4*n%w && x < 4*n%w+32 && y >= h/3 && y < h/3+32 {
				v = 230
			}
			out[y*w+x] = byte(v)
		}
	}
	for i := w * h; i < len(out); i++ {
		out[i] = byte(100 + (i/7)%50)
	}
	return out
}

func psnr(a, b []byte) float64 {
	var se float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(len(a))/se)
}

func TestEncodeDecode(t *testing.T) {
	const w, h = 320, 240
	enc, err := NewEncoder(Config{Width: w, Height: h, FPS: 30, Bitrate: 1_000_000, IntraPeriod: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for i := 0; i < 25; i++ {
		src := movingI420(w, h, i)
		au, err := enc.Encode(src, i == 13)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		// A forced IDR restarts the period: IDRs at 0, 10, 13, 23.
		wantIDR := i == 0 || i == 10 || i == 13 || i == 23
		if h264.IsIDR(au) != wantIDR || (wantIDR && !h264.IsRandomAccess(au)) {
			t.Errorf("frame %d: IDR %v, random access %v; want IDR %v with SPS/PPS", i, h264.IsIDR(au), h264.IsRandomAccess(au), wantIDR)
		}
		if i == 0 {
			for nal := range h264.NALUnits(au) {
				if h264.TypeOf(nal) == h264.NALSPS {
					s, err := h264.ParseSPS(nal)
					if err != nil || s.Width != w || s.Height != h || s.ProfileIDC != 66 {
						t.Errorf("SPS %+v, %v", s, err)
					}
				}
			}
		}
		pic, ok, err := dec.Decode(au)
		if err != nil || !ok {
			t.Fatalf("frame %d: decoded %v, %v", i, ok, err)
		}
		if pic.Width != w || pic.Height != h {
			t.Fatalf("frame %d: %dx%d", i, pic.Width, pic.Height)
		}
		if q := psnr(pic.I420(), src); q < 30 {
			t.Errorf("frame %d: %.1f dB", i, q)
		}
	}
}

// A decoder that starts at a P-frame fails; one that starts at an IDR
// with parameter sets does not.
func TestDecoderNeedsIDR(t *testing.T) {
	const w, h = 160, 128
	enc, err := NewEncoder(Config{Width: w, Height: h, IntraPeriod: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var aus [][]byte
	for i := 0; i < 4; i++ {
		au, err := enc.Encode(movingI420(w, h, i), false)
		if err != nil {
			t.Fatal(err)
		}
		aus = append(aus, au)
	}
	late, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	if _, ok, err := late.Decode(aus[2]); err == nil && ok {
		t.Error("a P-frame decoded without its IDR: the decoder check proves nothing")
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := NewEncoder(Config{Width: 321, Height: 240}); err == nil {
		t.Error("odd width accepted")
	}
	enc, err := NewEncoder(Config{Width: 64, Height: 64})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode(make([]byte, 10), false); err == nil {
		t.Error("short picture accepted")
	}
	enc.Close()
	enc.Close()
	if _, err := enc.Encode(make([]byte, 64*64*3/2), false); err == nil {
		t.Error("encode after Close")
	}
}
