package codec

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"testing"
	"time"

	picimage "github.com/picam-project/picam/image"
)

func TestJPEGZigzag(t *testing.T) {
	want := []uint8{0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5}
	for i, w := range want {
		if zigzag[i] != w {
			t.Fatalf("zigzag[%d] = %d, want %d", i, zigzag[i], w)
		}
	}
	if zigzag[63] != 63 || zigzag[62] != 62 || zigzag[61] != 55 {
		t.Errorf("zigzag ends %v", zigzag[60:])
	}
}

// segment returns the payload of the first marker segment m in a JPEG.
func segment(t *testing.T, data []byte, m byte) []byte {
	t.Helper()
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			t.Fatalf("no marker at %d", i)
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if data[i+1] == m {
			return data[i+4 : i+2+n]
		}
		i += 2 + n
	}
	t.Fatalf("no segment %#x", m)
	return nil
}

// The tables are the standard ones: the DQT and DHT segments are the bytes
// image/jpeg writes for the same quality.
func TestJPEGTablesMatchStandardLibrary(t *testing.T) {
	img := image.NewYCbCr(image.Rect(0, 0, 16, 16), image.YCbCrSubsampleRatio420)
	for _, q := range []int{1, 25, 50, 75, 90, 100} {
		var std bytes.Buffer
		if err := jpeg.Encode(&std, img, &jpeg.Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		ours := jpegFromYCbCr420(nil, newJPEGTables(q), img.Y, img.Cb, img.Cr, img.YStride, img.CStride, 16, 16)
		for _, m := range []byte{0xdb, 0xc4, 0xc0, 0xda} {
			if !bytes.Equal(segment(t, ours, m), segment(t, std.Bytes(), m)) {
				t.Errorf("quality %d: segment %#x differs from image/jpeg's", q, m)
			}
		}
	}
}

// lumaPSNR compares the visible luma of two pictures of the same size.
func lumaPSNR(a, b *image.YCbCr) float64 {
	var se float64
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := float64(a.Y[y*a.YStride+x]) - float64(b.Y[y*b.YStride+x])
			se += d * d
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(w*h)/se)
}

// Our encoder's pictures decode (with Go's decoder) as close to the source
// as image/jpeg's do, at every size including partial macroblocks.
func TestJPEGEncoderQuality(t *testing.T) {
	for _, sz := range [][2]int{{640, 480}, {1, 1}, {17, 9}, {33, 31}, {100, 75}} {
		w, h := sz[0], sz[1]
		img := newYCbCr420(w, h)
		bgrToYCbCr420(img, texture(w, h, uint64(w)))
		for _, q := range []int{50, 90} {
			ours := jpegFromYCbCr420(nil, newJPEGTables(q), img.Y, img.Cb, img.Cr, img.YStride, img.CStride, w, h)
			var std bytes.Buffer
			if err := jpeg.Encode(&std, img, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			got, err := jpeg.Decode(bytes.NewReader(ours))
			if err != nil {
				t.Fatalf("%dx%d q%d: ours does not decode: %v", w, h, q, err)
			}
			ref, err := jpeg.Decode(bytes.NewReader(std.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			g, r := got.(*image.YCbCr), ref.(*image.YCbCr)
			if g.Rect != img.Rect {
				t.Fatalf("%dx%d: decoded %v", w, h, g.Rect)
			}
			pg, pr := lumaPSNR(g, img), lumaPSNR(r, img)
			if pg < pr-0.5 {
				t.Errorf("%dx%d q%d: luma %.2f dB, image/jpeg %.2f dB", w, h, q, pg, pr)
			}
			if n := len(ours); float64(n) > 1.05*float64(std.Len())+64 {
				t.Errorf("%dx%d q%d: %d bytes, image/jpeg %d", w, h, q, n, std.Len())
			}
		}
	}
}

// Flat pictures give exactly image/jpeg's bytes: DC-only blocks leave no
// room for the DCTs to differ.
func TestJPEGEncoderFlat(t *testing.T) {
	for _, v := range [][3]byte{{0, 128, 128}, {255, 128, 128}, {81, 90, 240}, {145, 54, 34}} {
		img := newYCbCr420(48, 32)
		for i := range img.Y {
			img.Y[i] = v[0]
		}
		for i := range img.Cb {
			img.Cb[i], img.Cr[i] = v[1], v[2]
		}
		ours := jpegFromYCbCr420(nil, newJPEGTables(80), img.Y, img.Cb, img.Cr, img.YStride, img.CStride, 48, 32)
		var std bytes.Buffer
		jpeg.Encode(&std, img, &jpeg.Options{Quality: 80})
		if !bytes.Equal(ours, std.Bytes()) {
			t.Errorf("flat YCbCr %v: bytes differ from image/jpeg's", v)
		}
	}
}

// Byte stuffing: a picture whose entropy-coded data is full of 0xFF
// bytes still decodes.
func TestJPEGEncoderStuffing(t *testing.T) {
	p, err := picimage.NewTestPattern(320, 240)
	if err != nil {
		t.Fatal(err)
	}
	img := newYCbCr420(320, 240)
	bgrToYCbCr420(img, p.Render(nil, 7, time.Unix(0, 0)))
	for q := 1; q <= 100; q += 11 {
		out := jpegFromYCbCr420(nil, newJPEGTables(q), img.Y, img.Cb, img.Cr, img.YStride, img.CStride, 320, 240)
		if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
			t.Fatalf("q%d: %v", q, err)
		}
	}
	var s bitSink
	s.put(0xffffffff, 32)
	s.put(0x7f, 7)
	s.finish()
	if !bytes.Equal(s.out, []byte{0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0}) {
		t.Errorf("stuffed % x", s.out)
	}
}

// Any picture of any size encodes to a JPEG that Go's decoder reads back
// at that size.
func FuzzJPEGEncoder(f *testing.F) {
	f.Add(uint8(16), uint8(16), uint8(90), []byte{0, 255, 0, 255})
	f.Add(uint8(1), uint8(1), uint8(1), []byte{128})
	f.Add(uint8(33), uint8(17), uint8(100), []byte{0xff, 0xff, 0, 0x80, 0x7f})
	f.Fuzz(func(t *testing.T, w8, h8, q8 uint8, seed []byte) {
		w, h, q := int(w8)%70+1, int(h8)%70+1, int(q8)%100+1
		img := newYCbCr420(w, h)
		if len(seed) > 0 {
			for i := range img.Y {
				img.Y[i] = seed[i%len(seed)] ^ byte(i*7)
			}
			for i := range img.Cb {
				img.Cb[i], img.Cr[i] = seed[(i+1)%len(seed)], seed[(i*3)%len(seed)]^byte(i)
			}
		}
		out := jpegFromYCbCr420(nil, newJPEGTables(q), img.Y, img.Cb, img.Cr, img.YStride, img.CStride, w, h)
		m, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%dx%d q%d: %v", w, h, q, err)
		}
		if m.Bounds() != img.Rect {
			t.Fatalf("decoded %v, want %v", m.Bounds(), img.Rect)
		}
	})
}

// Stripes encoded in parallel decode to exactly the pixels of the
// sequential encoding: only the DC prediction restarts at each stripe.
func TestJPEGStripes(t *testing.T) {
	for _, sz := range [][3]int{{640, 480, 2}, {1280, 720, 4}, {100, 33, 8}, {16, 16, 4}, {64, 300, 3}} {
		w, h, workers := sz[0], sz[1], sz[2]
		img := newYCbCr420(w, h)
		bgrToYCbCr420(img, texture(w, h, 3))
		tab := newJPEGTables(85)
		seq := jpegFromYCbCr420(nil, tab, img.Y, img.Cb, img.Cr, img.YStride, img.CStride, w, h)
		var scratch [][]byte
		p := ycbcrPlanes{img.Y, img.Cb, img.Cr, img.YStride, img.CStride, w, h}
		for range 2 { // the second round reuses the stripe buffers
			par := jpegStripes(nil, tab, p, workers, &scratch)
			a, err := jpeg.Decode(bytes.NewReader(seq))
			if err != nil {
				t.Fatal(err)
			}
			b, err := jpeg.Decode(bytes.NewReader(par))
			if err != nil {
				t.Fatalf("%dx%d in %d stripes: %v", w, h, workers, err)
			}
			ay, by := a.(*image.YCbCr), b.(*image.YCbCr)
			if !bytes.Equal(ay.Y, by.Y) || !bytes.Equal(ay.Cb, by.Cb) || !bytes.Equal(ay.Cr, by.Cr) {
				t.Errorf("%dx%d in %d stripes decodes differently", w, h, workers)
			}
			if (h+15)/16 >= 2 && !bytes.Contains(par, []byte{0xff, 0xdd}) {
				t.Errorf("%dx%d: no restart interval", w, h)
			}
		}
	}
}

// The striped encoder behind NewJPEGWith, end to end, counter included.
func TestNewJPEGWithWorkers(t *testing.T) {
	e, err := NewJPEGWith(JPEGConfig{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p, err := picimage.NewTestPattern(640, 480)
	if err != nil {
		t.Fatal(err)
	}
	f := picimage.Frame{Width: 640, Height: 480, Format: picimage.BGR24, Data: p.Render(nil, 77, time.Now()), Seq: 77}
	pkt, err := e.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := picimage.ReadCounter(decodeBGR(t, pkt), 640, 480); !ok || n != 77 {
		t.Errorf("counter %d %v", n, ok)
	}
	if _, err := NewJPEGWith(JPEGConfig{Workers: -1}); err == nil {
		t.Error("negative workers accepted")
	}
}
