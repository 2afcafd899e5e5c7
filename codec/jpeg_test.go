package codec

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

func newJPEG(t testing.TB, q int) Encoder {
	t.Helper()
	e, err := NewJPEG(q)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// decodeBGR decodes a JPEG packet with Go's decoder and returns BGR24.
func decodeBGR(t testing.TB, p av.Packet) []byte {
	t.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatalf("frame %d does not decode: %v", p.Seq, err)
	}
	if cfg.Width != p.Width || cfg.Height != p.Height {
		t.Fatalf("JPEG is %dx%d, packet says %dx%d", cfg.Width, cfg.Height, p.Width, p.Height)
	}
	bgr, err := picimage.ToBGR(nil, picimage.Frame{Width: p.Width, Height: p.Height, Format: picimage.MJPEG, Data: p.Data})
	if err != nil {
		t.Fatal(err)
	}
	return bgr
}

// diff returns the mean and largest absolute difference of two pictures.
func diff(a, b []byte) (mean float64, largest int) {
	var sum int
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		sum += d
		largest = max(largest, d)
	}
	return float64(sum) / float64(len(a)), largest
}

// texture is a camera-like BGR24 picture: smooth shapes plus sensor noise.
func texture(w, h int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]byte, 3*w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			base := 128 + 60*math.Sin(float64(x)/13+float64(y)/29) + 40*math.Cos(float64(x*y)/5000)
			for c := 0; c < 3; c++ {
				v := base + float64(c*25-25) + float64(r.IntN(17)-8)
				out[3*(y*w+x)+c] = byte(max(0, min(255, v)))
			}
		}
	}
	return out
}

func TestNewJPEGQuality(t *testing.T) {
	for _, q := range []int{0, -5, 101} {
		if _, err := NewJPEG(q); err == nil || !strings.Contains(err.Error(), "use 1..100") {
			t.Errorf("NewJPEG(%d) err = %v", q, err)
		}
	}
	for _, q := range []int{1, 10, 100} {
		if _, err := NewJPEG(q); err != nil {
			t.Errorf("NewJPEG(%d): %v", q, err)
		}
	}
}

// TestJPEGTestPatternRoundTrip encodes test-pattern frames and checks that
// they decode with Go's decoder to the right size, close to the original, and
// with the burnt-in counter intact.
func TestJPEGTestPatternRoundTrip(t *testing.T) {
	e := newJPEG(t, DefaultJPEGQuality)
	if e.Codec() != av.JPEG {
		t.Errorf("Codec() = %q", e.Codec())
	}
	src, err := picimage.NewTestSource(640, 480, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for i := 0; i < 3; i++ {
		f, err := src.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if p.Codec != av.JPEG || p.Seq != f.Seq || !p.Captured.Equal(f.Captured) || !p.Keyframe {
			t.Errorf("packet metadata wrong: codec %q seq %d keyframe %v", p.Codec, p.Seq, p.Keyframe)
		}
		if !bytes.HasPrefix(p.Data, []byte{0xff, 0xd8}) || !bytes.HasSuffix(p.Data, []byte{0xff, 0xd9}) {
			t.Error("packet is not SOI ... EOI")
		}
		bgr := decodeBGR(t, p)
		if mean, _ := diff(bgr, f.Data); mean > 3 {
			t.Errorf("frame %d: mean error %.2f after q%d round trip", f.Seq, mean, DefaultJPEGQuality)
		}
		if n, ok := picimage.ReadCounter(bgr, 640, 480); !ok || n != f.Seq {
			t.Errorf("decoded frame %d shows counter %d, %v", f.Seq, n, ok)
		}
	}
}

// TestJPEGMatchesStandardLibrary checks colour conversion and channel order
// against image/jpeg fed an RGBA picture: a flat colour must give identical
// bytes, and textured content must decode to nearly the same pixels.
func TestJPEGMatchesStandardLibrary(t *testing.T) {
	stdlib := func(bgr []byte, w, h int) []byte {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := 0; i < w*h; i++ {
			img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = bgr[3*i+2], bgr[3*i+1], bgr[3*i], 255
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	e := newJPEG(t, 80)
	const w, h = 64, 48
	for _, c := range [][3]byte{{0, 0, 255}, {255, 0, 0}, {0, 255, 0}, {30, 200, 90}, {255, 255, 255}, {0, 0, 0}} {
		flat := bytes.Repeat(c[:], w*h)
		p, err := e.Encode(picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: flat})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p.Data, stdlib(flat, w, h)) {
			t.Errorf("flat BGR %v: our JPEG differs from image/jpeg's", c)
		}
	}
	tex := texture(w, h, 1)
	p, err := e.Encode(picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: tex})
	if err != nil {
		t.Fatal(err)
	}
	ours := decodeBGR(t, p)
	theirs := decodeBGR(t, av.Packet{Data: stdlib(tex, w, h), Width: w, Height: h})
	if mean, largest := diff(ours, theirs); mean > 1 || largest > 24 {
		t.Errorf("textured picture: mean difference %.2f, largest %d from image/jpeg's result", mean, largest)
	}
}

// yuvFromBGR builds limited-range YUV frames of a BGR picture, by the
// inverse of the BT.601 limited-range conversion, for testing the direct
// YUV paths.
func yuvFromBGR(bgr []byte, w, h int) (yuyv, nv12, i420 []byte) {
	yOf := func(i int) byte {
		b, g, r := float64(bgr[3*i]), float64(bgr[3*i+1]), float64(bgr[3*i+2])
		return byte(math.Round(16 + 0.2568*r + 0.5041*g + 0.0979*b))
	}
	uvOf := func(i int) (byte, byte) {
		b, g, r := float64(bgr[3*i]), float64(bgr[3*i+1]), float64(bgr[3*i+2])
		u := 128 - 0.1482*r - 0.2910*g + 0.4392*b
		v := 128 + 0.4392*r - 0.3678*g - 0.0714*b
		return byte(math.Round(u)), byte(math.Round(v))
	}
	n := w * h
	i420 = make([]byte, n+n/2)
	nv12 = make([]byte, n+n/2)
	yuyv = make([]byte, 2*n)
	for i := 0; i < n; i++ {
		i420[i] = yOf(i)
		nv12[i] = yOf(i)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x += 2 {
			u, v := uvOf(y*w + x)
			o := 2 * (y*w + x)
			yuyv[o], yuyv[o+1], yuyv[o+2], yuyv[o+3] = yOf(y*w+x), u, yOf(y*w+x+1), v
			if y%2 == 0 {
				c := (y/2)*(w/2) + x/2
				i420[n+c], i420[n+n/4+c] = u, v
				nv12[n+2*c], nv12[n+2*c+1] = u, v
			}
		}
	}
	return yuyv, nv12, i420
}

// TestJPEGFromYUV checks the direct YUV-to-YCbCr paths against the long way
// round (YUV to BGR with picimage, then BGR to JPEG).
func TestJPEGFromYUV(t *testing.T) {
	const w, h = 96, 64
	yuyv, nv12, i420 := yuvFromBGR(texture(w, h, 3), w, h)
	e := newJPEG(t, 90)
	for _, f := range []picimage.Frame{
		{Width: w, Height: h, Format: picimage.YUYV, Data: yuyv},
		{Width: w, Height: h, Format: picimage.NV12, Data: nv12},
		{Width: w, Height: h, Format: picimage.I420, Data: i420},
	} {
		direct, err := e.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		bgr, err := picimage.ToBGR(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		viaBGR, err := e.Encode(picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: bgr})
		if err != nil {
			t.Fatal(err)
		}
		if mean, largest := diff(decodeBGR(t, direct), decodeBGR(t, viaBGR)); mean > 1.5 || largest > 32 {
			t.Errorf("%s: direct path differs from the BGR path: mean %.2f, largest %d", f.Format, mean, largest)
		}
	}
	// Limited-range black and white must come out as full-range 0 and 255.
	for _, lv := range []struct {
		y    byte
		want byte
	}{{16, 0}, {235, 255}, {0, 0}, {255, 255}} {
		data := bytes.Repeat([]byte{lv.y}, 16*16+128)
		copy(data[256:], bytes.Repeat([]byte{128}, 128))
		p, err := e.Encode(picimage.Frame{Width: 16, Height: 16, Format: picimage.I420, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		bgr := decodeBGR(t, p)
		if d := int(bgr[0]) - int(lv.want); d < -2 || d > 2 {
			t.Errorf("I420 Y=%d encodes to %d, want %d", lv.y, bgr[0], lv.want)
		}
	}
}

func TestJPEGGrayRGBAndOddSizes(t *testing.T) {
	e := newJPEG(t, 95)
	gray := bytes.Repeat([]byte{100}, 33*17)
	p, err := e.Encode(picimage.Frame{Width: 33, Height: 17, Format: picimage.GRAY8, Data: gray})
	if err != nil {
		t.Fatal(err)
	}
	if bgr := decodeBGR(t, p); bgr[0] < 98 || bgr[0] > 102 || bgr[0] != bgr[2] {
		t.Errorf("grey 100 decodes to %v", bgr[:3])
	}
	for _, sz := range [][2]int{{33, 17}, {17, 33}, {1, 1}, {640, 480}} {
		w, h := sz[0], sz[1]
		tex := texture(w, h, 5)
		rgb := make([]byte, len(tex))
		for i := 0; i < len(tex); i += 3 {
			rgb[i], rgb[i+1], rgb[i+2] = tex[i+2], tex[i+1], tex[i]
		}
		for _, f := range []picimage.Frame{
			{Width: w, Height: h, Format: picimage.BGR24, Data: tex},
			{Width: w, Height: h, Format: picimage.RGB24, Data: rgb},
		} {
			p, err := e.Encode(f)
			if err != nil {
				t.Fatal(err)
			}
			if mean, _ := diff(decodeBGR(t, p), tex); mean > 6 {
				t.Errorf("%s %dx%d: mean error %.2f", f.Format, w, h, mean)
			}
		}
	}
	// YUYV needs an even width only; an odd height must still work.
	yuyv := bytes.Repeat([]byte{180, 128, 180, 128}, 8*7)
	p, err = e.Encode(picimage.Frame{Width: 16, Height: 7, Format: picimage.YUYV, Data: yuyv})
	if err != nil {
		t.Fatal(err)
	}
	if bgr := decodeBGR(t, p); bgr[len(bgr)-1] < 188 || bgr[len(bgr)-1] > 194 {
		t.Errorf("YUYV Y=180 bottom-right decodes to %d, want about 191", bgr[len(bgr)-1])
	}
}

func TestJPEGPacketsAreIndependent(t *testing.T) {
	e := newJPEG(t, 75)
	a, err := e.Encode(picimage.Frame{Width: 64, Height: 48, Format: picimage.BGR24, Data: texture(64, 48, 1)})
	if err != nil {
		t.Fatal(err)
	}
	keep := bytes.Clone(a.Data)
	// A different size and content: the encoder must not reuse a's bytes.
	if _, err := e.Encode(picimage.Frame{Width: 320, Height: 240, Format: picimage.BGR24, Data: texture(320, 240, 2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(picimage.Frame{Width: 64, Height: 48, Format: picimage.BGR24, Data: texture(64, 48, 3)}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Data, keep) {
		t.Error("an earlier packet's data changed when later frames were encoded")
	}
}

func TestJPEGPassthrough(t *testing.T) {
	e := newJPEG(t, 50)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 32, 16)), nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	f := picimage.Frame{Width: 32, Height: 16, Format: picimage.MJPEG, Data: buf.Bytes(), Seq: 4, Captured: now}
	p, err := e.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if &p.Data[0] != &f.Data[0] || len(p.Data) != len(f.Data) {
		t.Error("an MJPEG frame was re-encoded or copied; want passthrough")
	}
	if p.Codec != av.JPEG || p.Seq != 4 || !p.Captured.Equal(now) || !p.Keyframe || p.Width != 32 {
		t.Errorf("passthrough metadata wrong: %+v", av.Packet{Codec: p.Codec, Seq: p.Seq, Width: p.Width, Keyframe: p.Keyframe})
	}
	f.Data = []byte("not a jpeg at all")
	if _, err := e.Encode(f); !errors.Is(err, picimage.ErrNotJPEG) {
		t.Errorf("garbage MJPEG: err = %v, want ErrNotJPEG", err)
	}
}

func TestJPEGErrors(t *testing.T) {
	e := newJPEG(t, 50)
	if _, err := e.Encode(picimage.Frame{Width: 4, Height: 4, Format: picimage.H264, Data: []byte{0, 0, 1, 0x65}}); err == nil ||
		!strings.Contains(err.Error(), "cannot re-encode H264") {
		t.Errorf("H264 frame: err = %v", err)
	}
	if _, err := e.Encode(picimage.Frame{Width: 4, Height: 4, Format: picimage.BGR24, Data: make([]byte, 47)}); err == nil ||
		!strings.Contains(err.Error(), "has 47 bytes") {
		t.Errorf("short frame: err = %v", err)
	}
	e.RequestKeyframe()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(picimage.Frame{Width: 1, Height: 1, Format: picimage.BGR24, Data: make([]byte, 3)}); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close: err = %v, want ErrClosed", err)
	}
}
