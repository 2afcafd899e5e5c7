package picimage

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestNewTestPatternRejectsBadSizes(t *testing.T) {
	for _, sz := range [][2]int{{15, 16}, {16, 14}, {17, 16}, {640, 481}, {0, 0}, {-2, 480}, {MaxDimension + 2, 16}} {
		if _, err := NewTestPattern(sz[0], sz[1]); err == nil || !strings.Contains(err.Error(), "must be even and between 16") {
			t.Errorf("NewTestPattern(%d, %d) err = %v", sz[0], sz[1], err)
		}
	}
	if _, err := NewTestPattern(16, 16); err != nil {
		t.Errorf("NewTestPattern(16, 16): %v", err)
	}
}

func TestRenderSizeReuseAndMotion(t *testing.T) {
	p, err := NewTestPattern(640, 480)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
	a := p.Render(nil, 0, now)
	if len(a) != 640*480*3 {
		t.Fatalf("len = %d", len(a))
	}
	buf := make([]byte, 0, len(a)+10)
	b := p.Render(buf, 1, now)
	if &b[0] != &buf[:1][0] {
		t.Error("Render did not reuse a big enough dst")
	}
	// Consecutive frames must differ in the picture itself, not only in the
	// counter: compare a row below the text box.
	row := 3 * 640 * 300
	if bytes.Equal(a[row:row+3*640], b[row:row+3*640]) {
		t.Error("frames 0 and 1 have the same bars; the pattern does not move")
	}
	c := p.Render(nil, 1, now)
	if !bytes.Equal(b, c) {
		t.Error("rendering the same frame twice gave different pictures")
	}
	// The top-left bar is white when the bars are unshifted and the ramp
	// starts black.
	x, y := 600, 200
	if px := a[3*(y*640+x) : 3*(y*640+x)+3]; !bytes.Equal(px, []byte{0, 0, 0}) {
		t.Errorf("rightmost bar pixel = %v, want black", px)
	}
	bottom := 3 * (470 * 640)
	if px := a[bottom : bottom+3]; !bytes.Equal(px, []byte{0, 0, 0}) {
		t.Errorf("ramp start = %v, want black", px)
	}
}

var counterValues = []uint64{0, 1, 7, 42, 12345678, 99999999, 100000000, 123456789012, math.MaxUint64}

func TestReadCounterRoundTrip(t *testing.T) {
	stamp := time.Date(2025, 11, 25, 12, 4, 5, 123456789, time.FixedZone("CET", 3600))
	for _, sz := range [][2]int{{640, 480}, {320, 240}, {1280, 720}, {1920, 1080}, {176, 144}, {160, 120}} {
		p, err := NewTestPattern(sz[0], sz[1])
		if err != nil {
			t.Fatal(err)
		}
		for _, seq := range counterValues {
			frame := p.Render(nil, seq, stamp)
			got, ok := ReadCounter(frame, sz[0], sz[1])
			if !ok || got != seq {
				t.Errorf("%dx%d: ReadCounter(frame %d) = %d, %v", sz[0], sz[1], seq, got, ok)
			}
			ts, ok := ReadTimestamp(frame, sz[0], sz[1])
			if want := stamp.Truncate(time.Millisecond).UTC(); !ok || !ts.Equal(want) {
				t.Errorf("%dx%d: ReadTimestamp = %v, %v; want %v", sz[0], sz[1], ts, ok, want)
			}
		}
	}
}

func TestReadCounterRejects(t *testing.T) {
	p, err := NewTestPattern(640, 480)
	if err != nil {
		t.Fatal(err)
	}
	frame := p.Render(nil, 42, time.Now())
	if _, ok := ReadCounter(frame[:len(frame)-1], 640, 480); ok {
		t.Error("read a counter from a short buffer")
	}
	if _, ok := ReadCounter(frame, 0, 480); ok {
		t.Error("read a counter with width 0")
	}
	if _, ok := ReadCounter(make([]byte, len(frame)), 640, 480); ok {
		t.Error("read a counter from a black frame")
	}
	white := bytes.Repeat([]byte{255}, len(frame))
	if _, ok := ReadCounter(white, 640, 480); ok {
		t.Error("read a counter from a white frame")
	}
	noise := make([]byte, len(frame))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	if _, ok := ReadCounter(noise, 640, 480); ok {
		t.Error("read a counter from noise")
	}
	// Reading with the wrong size puts the box somewhere else.
	if n, ok := ReadCounter(frame, 320, 480*2); ok {
		t.Errorf("read %d from a frame described with the wrong size", n)
	}
	// A 16x16 pattern has no room for the counter; it must say so rather
	// than read a truncated number.
	small, err := NewTestPattern(16, 16)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := ReadCounter(small.Render(nil, 5, time.Now()), 16, 16); ok {
		t.Errorf("read %d from a 16x16 frame", n)
	}
	// 64 pixels wide fits '#' and 8 digits but not 12 digits and the blank
	// slot after them: a long counter must be refused, not truncated.
	narrow, err := NewTestPattern(64, 64)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := ReadCounter(narrow.Render(nil, 123456789012, time.Now()), 64, 64); ok {
		t.Errorf("read %d from a frame too narrow for the whole counter", n)
	}
	if n, ok := ReadCounter(narrow.Render(nil, 12345678, time.Now()), 64, 64); !ok || n != 12345678 {
		t.Errorf("64x64 with 8 digits: ReadCounter = %d, %v; want 12345678", n, ok)
	}
}

// TestReadCounterAfterJPEG checks the counter survives the lossy path a
// client sees: BGR -> JPEG -> BGR.
func TestReadCounterAfterJPEG(t *testing.T) {
	for _, sz := range [][2]int{{640, 480}, {320, 240}} {
		w, h := sz[0], sz[1]
		p, err := NewTestPattern(w, h)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []int{30, 75, 95} {
			seq := uint64(987654 + q)
			bgr := p.Render(nil, seq, time.Now())
			img := image.NewRGBA(image.Rect(0, 0, w, h))
			for i := 0; i < w*h; i++ {
				img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = bgr[3*i+2], bgr[3*i+1], bgr[3*i], 255
			}
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			back, err := ToBGR(nil, Frame{Width: w, Height: h, Format: MJPEG, Data: buf.Bytes()})
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := ReadCounter(back, w, h); !ok || got != seq {
				t.Errorf("%dx%d q%d: ReadCounter = %d, %v; want %d", w, h, q, got, ok, seq)
			}
		}
	}
}

// TestGlyphsDistinct guards maxGlyphErrors: any two readable glyphs, and
// any glyph and the blank slot, must differ in more than twice that many
// cells, or a damaged glyph could read as another.
func TestGlyphsDistinct(t *testing.T) {
	chars := readableChars + " "
	for i := 0; i < len(chars); i++ {
		for j := i + 1; j < len(chars); j++ {
			d := bits.OnesCount64(glyphFor(chars[i]).bits() ^ glyphFor(chars[j]).bits())
			if d <= 2*maxGlyphErrors {
				t.Errorf("glyphs %q and %q differ in only %d cells", chars[i], chars[j], d)
			}
		}
	}
}

func TestOverlayFitsAndScales(t *testing.T) {
	for _, tc := range []struct{ w, h, scale int }{
		{640, 480, 3}, {1280, 720, 6}, {320, 240, 2}, {1920, 1080, 9}, {16, 16, 1},
	} {
		o := overlayLayout(tc.w, tc.h)
		if o.scale != tc.scale {
			t.Errorf("%dx%d: scale %d, want %d", tc.w, tc.h, o.scale, tc.scale)
		}
		if tc.w >= 160 && o.boxX+o.boxW > tc.w {
			t.Errorf("%dx%d: box runs off the right edge", tc.w, tc.h)
		}
	}
}

func BenchmarkRender640x480(b *testing.B) {
	p, err := NewTestPattern(640, 480)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 640*480*3)
	now := time.Now()
	b.SetBytes(int64(len(dst)))
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		dst = p.Render(dst, seq, now)
		seq++
	}
}

func BenchmarkRender1280x720(b *testing.B) {
	p, err := NewTestPattern(1280, 720)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 1280*720*3)
	now := time.Now()
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		dst = p.Render(dst, seq, now)
		seq++
	}
}
