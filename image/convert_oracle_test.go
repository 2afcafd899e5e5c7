package picimage

// The YUV → BGR conversion as it was before the table-driven, multi-core
// version (commit 742b73a), kept verbatim as the oracle the new code must
// match byte for byte (FuzzConvertMatchesOracle) and as the baseline its
// benchmarks are measured against in the same run.

import (
	"iter"
	"runtime"
	"testing"
)

func oracleConvertRow(d, y []byte, ystep, yoff int, u, v []byte, cstep, pairs int) {
	for i := 0; i < pairs; i++ {
		o := d[6*i : 6*i+6 : 6*i+6]
		e := int32(u[i*cstep]) - 128
		g := int32(v[i*cstep]) - 128
		rc := kRV*g + 128
		gc := -kGU*e - kGV*g + 128
		bc := kBU*e + 128
		c0 := kY * (int32(y[i*ystep]) - 16)
		c1 := kY * (int32(y[i*ystep+yoff]) - 16)
		o[0] = clamp8((c0 + bc) >> 8)
		o[1] = clamp8((c0 + gc) >> 8)
		o[2] = clamp8((c0 + rc) >> 8)
		o[3] = clamp8((c1 + bc) >> 8)
		o[4] = clamp8((c1 + gc) >> 8)
		o[5] = clamp8((c1 + rc) >> 8)
	}
}

func oracleYUYVToBGR(dst, src []byte, w, h int) {
	oracleConvertRow(dst, src, 4, 2, src[1:], src[3:], 4, w*h/2)
}

func oracleNV12ToBGR(dst, src []byte, w, h int) {
	yPlane, uv := src[:w*h], src[w*h:]
	for y := 0; y < h; y++ {
		c := uv[(y/2)*w : (y/2)*w+w]
		oracleConvertRow(dst[3*y*w:3*(y+1)*w], yPlane[y*w:(y+1)*w], 2, 1, c, c[1:], 2, w/2)
	}
}

func oracleI420ToBGR(dst, src []byte, w, h int) {
	cw, ch := w/2, h/2
	yPlane := src[:w*h]
	uPlane := src[w*h : w*h+cw*ch]
	vPlane := src[w*h+cw*ch : w*h+2*cw*ch]
	for y := 0; y < h; y++ {
		c := (y / 2) * cw
		oracleConvertRow(dst[3*y*w:3*(y+1)*w], yPlane[y*w:(y+1)*w], 2, 1, uPlane[c:c+cw], vPlane[c:c+cw], 1, cw)
	}
}

// oracleToBGR converts a YUV frame with the old code.
func oracleToBGR(dst []byte, f Frame) {
	switch f.Format {
	case YUYV:
		oracleYUYVToBGR(dst, f.Data, f.Width, f.Height)
	case NV12:
		oracleNV12ToBGR(dst, f.Data, f.Width, f.Height)
	case I420:
		oracleI420ToBGR(dst, f.Data, f.Width, f.Height)
	default:
		panic("oracleToBGR: " + f.Format)
	}
}

// FuzzConvertMatchesOracle checks that the table-driven, banded conversion
// (the Go code, and the SIMD kernels where the architecture has them) gives
// exactly the oracle's bytes for every YUV format, frame size, content
// and number of bands (including more bands than row pairs), converted by a
// pool of three goroutines whatever GOMAXPROCS is, so bands run at once.
func FuzzConvertMatchesOracle(f *testing.F) {
	conv := newConverter(maxConvertWorkers - 1)
	f.Cleanup(conv.Close)
	f.Add(uint8(0), uint8(2), uint8(1), uint8(1), []byte{16, 128, 235, 128})
	f.Add(uint8(1), uint8(4), uint8(2), uint8(2), []byte{0, 255, 1, 254, 128, 7})
	f.Add(uint8(2), uint8(64), uint8(48), uint8(4), []byte("the quick brown fox"))
	f.Add(uint8(0), uint8(40), uint8(7), uint8(3), []byte{255, 0, 255, 0, 255})
	f.Fuzz(func(t *testing.T, format, w, h, bands uint8, seed []byte) {
		pf := []PixelFormat{YUYV, NV12, I420}[int(format)%3]
		width, height := 2*(1+int(w)%64), 1+int(h)%64
		if pf != YUYV {
			height = 2 * (1 + int(h)%32)
		}
		n, err := pf.FrameSize(width, height)
		if err != nil {
			t.Fatal(err)
		}
		if len(seed) == 0 {
			seed = []byte{0}
		}
		data := make([]byte, n)
		for i := range data {
			// The seed repeated, stirred with the position so long frames
			// still see every value.
			data[i] = seed[i%len(seed)] + byte(i/len(seed))*37
		}
		frame := Frame{Width: width, Height: height, Format: pf, Data: data}
		want := make([]byte, 3*width*height)
		oracleToBGR(want, frame)
		for path := range convertPaths(t) {
			got := make([]byte, len(want))
			convertInBands(conv, got, data, pf, width, height, 1+int(bands)%6)
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("%s: %s %dx%d in %d bands: byte %d (pixel %d) = %d, oracle %d",
					path, pf, width, height, 1+int(bands)%6, i, i/3, got[i], want[i])
			}
			got, err = ToBGR(got[:0], frame)
			if err != nil {
				t.Fatal(err)
			}
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("%s: ToBGR %s %dx%d: byte %d = %d, oracle %d", path, pf, width, height, i, got[i], want[i])
			}
			got, err = conv.ToBGR(got[:0], frame)
			if err != nil {
				t.Fatal(err)
			}
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("%s: Converter.ToBGR %s %dx%d: byte %d = %d, oracle %d", path, pf, width, height, i, got[i], want[i])
			}
		}
	})
}

// convertPaths returns the names of the conversion code paths this
// architecture has, the Go code's and the SIMD kernels' (where there are
// any), and sets simdEnabled for each in turn as the caller ranges over
// them; simdEnabled is as before when t ends.
func convertPaths(t testing.TB) iter.Seq[string] {
	saved := simdEnabled
	t.Cleanup(func() { simdEnabled = saved })
	return func(yield func(string) bool) {
		simdEnabled = false
		if !yield("Go code") || !haveSIMD {
			return
		}
		simdEnabled = true
		yield("SIMD (" + runtime.GOARCH + ")")
	}
}

// TestConvertMatchesOracleLarge compares whole camera-sized frames of
// pseudo-random bytes, converted in 1-4 bands by a Converter's pool, with
// the oracle.
func TestConvertMatchesOracleLarge(t *testing.T) {
	conv := newConverter(maxConvertWorkers - 1)
	defer conv.Close()
	state := uint32(1)
	for _, pf := range []PixelFormat{YUYV, NV12, I420} {
		for _, size := range [][2]int{{640, 480}, {1280, 720}} {
			w, h := size[0], size[1]
			n, _ := pf.FrameSize(w, h)
			data := make([]byte, n)
			for i := range data {
				state = state*1664525 + 1013904223
				data[i] = byte(state >> 24)
			}
			frame := Frame{Width: w, Height: h, Format: pf, Data: data}
			want := make([]byte, 3*w*h)
			oracleToBGR(want, frame)
			for path := range convertPaths(t) {
				for _, bands := range []int{1, 2, 3, 4} {
					got := make([]byte, len(want))
					convertInBands(conv, got, data, pf, w, h, bands)
					if i := firstDiff(got, want); i >= 0 {
						t.Fatalf("%s: %s %dx%d in %d bands: byte %d = %d, oracle %d", path, pf, w, h, bands, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestConvertMatchesOracleSizes compares every even width from 2 to 80
// (every remainder of the SIMD kernels' eight pixels, so every row tail the
// Go code finishes) at a few heights, pseudo-random bytes, in 1-3 bands,
// both code paths, with the oracle: what the fuzz target checks, without a
// fuzzing engine (which does not run under qemu-aarch64).
func TestConvertMatchesOracleSizes(t *testing.T) {
	conv := newConverter(maxConvertWorkers - 1)
	defer conv.Close()
	state := uint32(7)
	for _, pf := range []PixelFormat{YUYV, NV12, I420} {
		for w := 2; w <= 80; w += 2 {
			for _, h := range []int{2, 4, 10} {
				n, _ := pf.FrameSize(w, h)
				data := make([]byte, n)
				for i := range data {
					state = state*1664525 + 1013904223
					data[i] = byte(state >> 24)
				}
				want := make([]byte, 3*w*h)
				oracleToBGR(want, Frame{Width: w, Height: h, Format: pf, Data: data})
				for path := range convertPaths(t) {
					for _, bands := range []int{1, 2, 3} {
						got := make([]byte, len(want))
						convertInBands(conv, got, data, pf, w, h, bands)
						if i := firstDiff(got, want); i >= 0 {
							t.Fatalf("%s: %s %dx%d in %d bands: byte %d = %d, oracle %d", path, pf, w, h, bands, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// convertInBands converts a validated frame with c in exactly n bands.
func convertInBands(c *Converter, dst, src []byte, f PixelFormat, w, h, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.convert(dst, src, f, w, h, n)
}

func firstDiff(a, b []byte) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
