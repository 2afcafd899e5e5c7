package fwht

import (
	"math"
	"testing"
	"time"

	"github.com/picam-project/picam/codec/fwht/fwhttest"
	picimage "github.com/picam-project/picam/image"
)

// testdata/fwht-pattern-N.fwht.gz are frames 0 (an I-frame) and 1 (a
// P-frame) that the kernel's vicodec encoder (Debian's 6.1 arm64 kernel,
// under QEMU) made from picam's 640x480 BGR24 test pattern, dumped by
// codec's TestHILFWHTTestPattern. They check this decoder against the real
// encoder rather than against the test encoder of fwht_test.go.

// goldenEpoch is the burnt-in time of frame 0 in codec/hil_test.go.
var goldenEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestDecodeKernelFrames(t *testing.T) {
	const w, h = 640, 480
	pattern, err := picimage.NewTestPattern(w, h)
	if err != nil {
		t.Fatal(err)
	}
	var dec Decoder
	for i := range 2 {
		pic, err := dec.Decode(fwhttest.Golden(t, i))
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if pic.Header.IsIntra() != (i == 0) || pic.Header.PixEnc() != PixEncRGB || pic.Header.Components() != 3 {
			t.Errorf("frame %d: header %+v", i, pic.Header)
		}
		f, err := pic.Frame()
		if err != nil {
			t.Fatal(err)
		}
		want := pattern.Render(nil, uint64(i), goldenEpoch.Add(time.Duration(i)*33*time.Millisecond))
		var se float64
		for k := range want {
			d := float64(f.Data[k]) - float64(want[k])
			se += d * d
		}
		q := 10 * math.Log10(255*255*float64(len(want))/se)
		if q < 30 {
			t.Errorf("frame %d: %.1f dB from the picture vicodec was given", i, q)
		}
		if n, ok := picimage.ReadCounter(f.Data, w, h); !ok || n != uint64(i) {
			t.Errorf("frame %d: counter %d, %v", i, n, ok)
		}
		t.Logf("frame %d: %.1f dB", i, q)
	}
	// The P-frame alone cannot be decoded.
	var fresh Decoder
	if _, err := fresh.Decode(fwhttest.Golden(t, 1)); err != ErrNoReference {
		t.Errorf("P-frame without its I-frame: %v", err)
	}
}

func BenchmarkDecode640x480(b *testing.B) {
	frames := [][]byte{fwhttest.Golden(b, 0), fwhttest.Golden(b, 1)}
	b.SetBytes(int64(len(frames[0])))
	var dec Decoder
	for b.Loop() {
		if _, err := dec.Decode(frames[0]); err != nil {
			b.Fatal(err)
		}
		if _, err := dec.Decode(frames[1]); err != nil {
			b.Fatal(err)
		}
	}
}
