package fwht

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/picam-project/picam/codec/fwht/fwhttest"
	picimage "github.com/picam-project/picam/image"
)

// testEncoder writes FWHT frames the simple way: every block transformed
// and run-length coded (no quantisation threshold), optionally against the
// previous picture, with runs of identical blocks collapsed. It is a test
// of the decoder's reading of the format, so it is written from the format
// description, independently of the decoder's code.
type testEncoder struct {
	ref   [][]byte // previous reconstructed picture's padded planes
	recon *Picture
}

type testPlane struct {
	w, h int
	pix  []byte // padded to multiples of 8, stride roundUp8(w)
}

func forwardWHT(in [64]int32) [64]int32 {
	var tmp, out [64]int32
	for i := 0; i < 8; i++ {
		var v [8]int32
		copy(v[:], in[i*8:i*8+8])
		s := butterfly(v)
		copy(tmp[i*8:], s[:])
	}
	for i := 0; i < 8; i++ {
		var v [8]int32
		for k := range v {
			v[k] = tmp[k*8+i]
		}
		s := butterfly(v)
		for k := range s {
			out[k*8+i] = s[k]
		}
	}
	return out
}

func (e *testEncoder) frame(planes []testPlane, flags uint32, inter bool, rawPlane int) []byte {
	var payload []byte
	word := func(w uint16) { payload = binary.BigEndian.AppendUint16(payload, w) }
	for pi, p := range planes {
		stride := roundUp8(p.w)
		if pi == rawPlane {
			payload = append(payload, p.pix...)
			continue
		}
		var prevWords []uint16
		dupIdx := -1 // index in payload of the status word of the last coded block
		for by := 0; by < roundUp8(p.h)/8; by++ {
			for bx := 0; bx < stride/8; bx++ {
				var in [64]int32
				for y := 0; y < 8; y++ {
					for x := 0; x < 8; x++ {
						v := int32(p.pix[(by*8+y)*stride+bx*8+x])
						if inter {
							v -= int32(e.ref[pi][(by*8+y)*stride+bx*8+x])
						} else {
							v -= 128
						}
						in[y*8+x] = v
					}
				}
				c := forwardWHT(in)
				q := &quantIntra
				if inter {
					q = &quantInter
				}
				var words []uint16
				run := 0
				last := 0
				var scan [64]int32
				for i := range 64 {
					scan[i] = c[zigzag[i]] >> q[zigzag[i]]
					scan[i] = min(max(scan[i], -2048), 2047)
					if scan[i] != 0 {
						last = i + 1
					}
				}
				for i := 0; i < last; i++ {
					if scan[i] == 0 && run < 14 {
						run++
						continue
					}
					words = append(words, uint16(scan[i]<<4)|uint16(run))
					run = 0
				}
				if last < 64 {
					words = append(words, allZeros)
				}
				stat := uint16(0)
				if inter {
					stat = pFrameBit
				}
				if dupIdx >= 0 && equalWords(words, prevWords) {
					s := binary.BigEndian.Uint16(payload[dupIdx:])
					if n := (s&dupsMask)>>1 + 1; n < 0xfff {
						binary.BigEndian.PutUint16(payload[dupIdx:], s&^dupsMask|n<<1)
						continue
					}
				}
				dupIdx = len(payload)
				word(stat)
				for _, w := range words {
					word(w)
				}
				prevWords = words
			}
		}
	}
	if !inter {
		flags |= FlagIFrame
	}
	h := make([]byte, HeaderSize, HeaderSize+len(payload))
	copy(h, magic[:])
	be := binary.BigEndian
	be.PutUint32(h[8:], Version)
	be.PutUint32(h[12:], uint32(planes[0].w))
	be.PutUint32(h[16:], uint32(planes[0].h))
	be.PutUint32(h[20:], flags)
	be.PutUint32(h[40:], uint32(len(payload)))
	frame := append(h, payload...)
	// Predict the next frame from what a decoder reconstructs, as a real
	// encoder does, so quantisation errors do not add up.
	var d Decoder
	if inter {
		d.ref = e.recon
	}
	pic, err := d.Decode(frame)
	if err != nil {
		panic("test encoder wrote an undecodable frame: " + err.Error())
	}
	e.recon = pic
	e.ref = nil
	for _, p := range pic.Planes {
		e.ref = append(e.ref, p.Pix)
	}
	return frame
}

func equalWords(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// yuv420 makes padded planes of a smooth picture with some noise and a
// flat region (so blocks repeat).
func yuv420(w, h int, seed uint64) []testPlane {
	r := rand.New(rand.NewPCG(seed, 1))
	mk := func(pw, ph int, base float64) testPlane {
		s := roundUp8(pw)
		p := testPlane{w: pw, h: ph, pix: make([]byte, s*roundUp8(ph))}
		for y := 0; y < roundUp8(ph); y++ {
			for x := 0; x < s; x++ {
				v := base
				if y < ph/2 {
					v += 60*math.Sin(float64(x+int(seed))/9) + 30*math.Cos(float64(y)/7) + float64(r.IntN(9)-4)
				}
				p.pix[y*s+x] = byte(min(max(v, 0), 255))
			}
		}
		return p
	}
	return []testPlane{mk(w, h, 120), mk(w/2, h/2, 110), mk(w/2, h/2, 140)}
}

const flags420 = 2<<componentsShift | PixEncYUV<<pixEncShift

// psnr compares the visible parts of a decoded plane and a source plane.
func psnr(t *testing.T, got Plane, want testPlane) float64 {
	t.Helper()
	if got.Width != want.w || got.Height != want.h {
		t.Fatalf("plane %dx%d, want %dx%d", got.Width, got.Height, want.w, want.h)
	}
	var se float64
	for y := 0; y < want.h; y++ {
		for x := 0; x < want.w; x++ {
			d := float64(got.At(x, y)) - float64(want.pix[y*roundUp8(want.w)+x])
			se += d * d
		}
	}
	mse := se / float64(want.w*want.h)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

func TestDecodeIntraAndInter(t *testing.T) {
	var enc testEncoder
	var dec Decoder
	for i := range 4 {
		src := yuv420(64, 36, uint64(i))
		frame := enc.frame(src, flags420, i > 0, -1)
		pic, err := dec.Decode(frame)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if pic.Header.IsIntra() != (i == 0) || len(pic.Planes) != 3 {
			t.Errorf("frame %d: intra %v, %d planes", i, pic.Header.IsIntra(), len(pic.Planes))
		}
		for p := range src {
			// Quantisation loses a little (inter blocks more: their table
			// is coarser); 25 dB is a clearly recognisable picture,
			// garbage is below 15.
			floor := 30.0
			if i > 0 {
				floor = 25
			}
			if q := psnr(t, pic.Planes[p], src[p]); q < floor {
				t.Errorf("frame %d plane %d: PSNR %.1f dB", i, p, q)
			}
		}
		if i == 0 && pic.Planes[1].Stride != 32 || pic.Planes[1].Height != 18 || len(pic.Planes[1].Pix) != 32*24 {
			t.Errorf("chroma plane layout %+v", pic.Planes[1])
		}
	}
	// Identical blocks are coded once with a repeat count.
	flat := func(v byte) testPlane { return testPlane{w: 64, h: 32, pix: bytes.Repeat([]byte{v}, 64*32)} }
	frame := enc.frame([]testPlane{flat(50), {w: 32, h: 16, pix: bytes.Repeat([]byte{128}, 32*16)}, {w: 32, h: 16, pix: bytes.Repeat([]byte{200}, 32*16)}}, flags420, false, -1)
	if n := len(frame) - HeaderSize; n > 3*6 {
		t.Errorf("flat picture took %d payload bytes: blocks were not repeated", n)
	}
	pic, err := dec.Decode(frame)
	if err != nil {
		t.Fatal(err)
	}
	if pic.Planes[0].At(63, 31) != 50 || pic.Planes[2].At(31, 15) != 200 {
		t.Errorf("repeated blocks decode to %d and %d", pic.Planes[0].At(63, 31), pic.Planes[2].At(31, 15))
	}
}

func TestDecodeRawPlane(t *testing.T) {
	var enc testEncoder
	var dec Decoder
	src := yuv420(64, 32, 3)
	pic, err := dec.Decode(enc.frame(src, flags420|FlagCbRaw, false, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pic.Planes[1].Pix, src[1].pix) {
		t.Error("uncompressed plane differs")
	}
	if q := psnr(t, pic.Planes[2], src[2]); q < 30 {
		t.Errorf("plane after the raw one: PSNR %.1f", q)
	}
}

func TestDecodeErrors(t *testing.T) {
	var enc testEncoder
	intra := enc.frame(yuv420(64, 32, 1), flags420, false, -1)
	inter := enc.frame(yuv420(64, 32, 2), flags420, true, -1)
	var dec Decoder
	if _, err := dec.Decode(inter); !errors.Is(err, ErrNoReference) {
		t.Errorf("P-frame first: %v", err)
	}
	for name, frame := range map[string][]byte{
		"empty":     nil,
		"no magic":  append([]byte{1}, intra[1:]...),
		"truncated": intra[:len(intra)-10],
		"version":   func() []byte { b := bytes.Clone(intra); b[11] = 9; return b }(),
		"huge":      func() []byte { b := bytes.Clone(intra); b[13] = 0xff; return b }(),
		"short payload": func() []byte {
			b := bytes.Clone(intra)
			binary.BigEndian.PutUint32(b[40:], 4)
			return b
		}(),
	} {
		if _, err := dec.Decode(frame); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := dec.Decode(intra); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Decode(inter); err != nil {
		t.Errorf("P-frame after its I-frame: %v", err)
	}
	dec.Reset()
	if _, err := dec.Decode(inter); !errors.Is(err, ErrNoReference) {
		t.Errorf("P-frame after Reset: %v", err)
	}
}

func TestPictureFrame(t *testing.T) {
	var enc testEncoder
	var dec Decoder
	pic, err := dec.Decode(enc.frame(yuv420(64, 32, 1), flags420, false, -1))
	if err != nil {
		t.Fatal(err)
	}
	f, err := pic.Frame()
	if err != nil || f.Format != picimage.I420 || f.Validate() != nil || !f.Keyframe {
		t.Fatalf("I420 frame: %v %v", f.Format, err)
	}
	if _, err := picimage.ToBGR(nil, f); err != nil {
		t.Error(err)
	}

	// 4:2:2 (vicodec's YUYV input) comes back as YUYV.
	p422 := yuv420(64, 32, 2)
	p422[1] = testPlane{w: 32, h: 32, pix: bytes.Repeat([]byte{90}, 32*32)}
	p422[2] = testPlane{w: 32, h: 32, pix: bytes.Repeat([]byte{160}, 32*32)}
	dec.Reset()
	pic, err = dec.Decode(enc.frame(p422, flags420|FlagChromaFullHeight, false, -1))
	if err != nil {
		t.Fatal(err)
	}
	f, err = pic.Frame()
	if err != nil || f.Format != picimage.YUYV || f.Validate() != nil {
		t.Fatalf("YUYV frame: %v %v", f.Format, err)
	}
	if f.Data[1] < 88 || f.Data[1] > 92 || f.Data[3] < 158 || f.Data[3] > 162 {
		t.Errorf("YUYV chroma % x, want about 90 and 160", f.Data[:4])
	}

	// RGB: planes are G, B, R.
	flat := func(v byte) testPlane { return testPlane{w: 16, h: 16, pix: bytes.Repeat([]byte{v}, 256)} }
	dec.Reset()
	pic, err = dec.Decode(enc.frame([]testPlane{flat(100), flat(30), flat(220)}, 2<<componentsShift|PixEncRGB<<pixEncShift|FlagChromaFullWidth|FlagChromaFullHeight, false, -1))
	if err != nil {
		t.Fatal(err)
	}
	f, err = pic.Frame()
	if err != nil || f.Format != picimage.BGR24 {
		t.Fatalf("RGB frame: %v %v", f.Format, err)
	}
	if b, g, r := f.Data[0], f.Data[1], f.Data[2]; absDiff(b, 30) > 2 || absDiff(g, 100) > 2 || absDiff(r, 220) > 2 {
		t.Errorf("BGR % x, want about 30 100 220", f.Data[:3])
	}

	// 4:4:4 YUV has no picam format.
	dec.Reset()
	pic, err = dec.Decode(enc.frame([]testPlane{flat(1), flat(2), flat(3)}, flags420|FlagChromaFullWidth|FlagChromaFullHeight, false, -1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pic.Frame(); err == nil {
		t.Error("4:4:4 converted")
	}
}

func absDiff(a, b byte) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestZigzag(t *testing.T) {
	want := []uint8{0, 1, 8, 2, 9, 16, 3, 10, 17, 24, 4}
	for i, w := range want {
		if zigzag[i] != w {
			t.Fatalf("zigzag[%d] = %d, want %d", i, zigzag[i], w)
		}
	}
	seen := map[uint8]bool{}
	for _, z := range zigzag {
		seen[z] = true
	}
	if len(seen) != 64 || zigzag[63] != 63 || zigzag[62] != 62 || zigzag[61] != 55 {
		t.Errorf("zigzag is not a permutation ending 55 62 63: %v", zigzag)
	}
}

// FuzzDecode: any two frames decode or fail with an error, never a panic; a decoded picture has
// the header's size: plane 0 Width x Height, planes 1 and 2 that divided by ChromaDivs, a 4th
// plane full size, each with a stride of at least its width and all its rows; and decoding is
// deterministic (a second decoder fed the same frames gives the same pictures).
func FuzzDecode(f *testing.F) {
	var enc testEncoder
	f.Add(enc.frame(yuv420(64, 32, 1), flags420, false, -1), enc.frame(yuv420(64, 32, 2), flags420, true, -1))
	f.Add(enc.frame(yuv420(16, 16, 1), flags420|FlagLumaRaw, false, 0), []byte{})
	f.Add(fwhttest.Golden(f, 0), fwhttest.Golden(f, 1))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var dec, again Decoder
		for n, frame := range [][]byte{a, b} {
			pic, err := dec.Decode(frame)
			pic2, err2 := again.Decode(frame)
			if (err == nil) != (err2 == nil) || (err == nil && !reflect.DeepEqual(pic, pic2)) {
				t.Fatalf("frame %d: two decoders disagree: %v / %v", n, err, err2)
			}
			if err != nil {
				continue
			}
			h := pic.Header
			if len(pic.Planes) != h.Components() {
				t.Fatalf("%d planes for %d components", len(pic.Planes), h.Components())
			}
			dw, dv := h.ChromaDivs()
			for i, p := range pic.Planes {
				w, ht := h.Width, h.Height
				if i == 1 || i == 2 {
					w, ht = (w+dw-1)/dw, (ht+dv-1)/dv
				}
				if p.Width != w || p.Height != ht || p.Stride < p.Width || len(p.Pix) < (p.Height-1)*p.Stride+p.Width {
					t.Fatalf("plane %d is %dx%d stride %d with %d bytes; the %dx%d header wants %dx%d",
						i, p.Width, p.Height, p.Stride, len(p.Pix), h.Width, h.Height, w, ht)
				}
			}
			_, _ = pic.Frame()
		}
	})
}
