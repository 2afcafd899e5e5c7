package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

func testJPEG(t testing.TB, w, h int, gray bool) []byte {
	var img image.Image = image.NewRGBA(image.Rect(0, 0, w, h))
	if gray {
		img = image.NewGray(image.Rect(0, 0, w, h))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkSame decodes b after a through one jpegConfig and compares with DecodeConfig(b).
func checkSame(t *testing.T, a, b []byte) {
	var c jpegConfig
	c.decode(a)
	got, gotErr := c.decode(b)
	want, wantErr := jpeg.DecodeConfig(bytes.NewReader(b))
	if (gotErr == nil) != (wantErr == nil) || (wantErr == nil && got != want) {
		t.Fatalf("after %d bytes, %d bytes: got %+v, %v; DecodeConfig %+v, %v", len(a), len(b), got, gotErr, want, wantErr)
	}
}

func TestJPEGConfigCacheMatchesDecodeConfig(t *testing.T) {
	small, big, gray := testJPEG(t, 32, 16, false), testJPEG(t, 64, 48, false), testJPEG(t, 32, 16, true)
	if n := jpegHeadLen(small); n <= 0 || n >= len(small) {
		t.Fatalf("jpegHeadLen = %d of %d bytes: the cache would never be used", n, len(small))
	}
	resized := bytes.Clone(small)
	// The SOF0 segment's height field, changed: same length, different header.
	if i := bytes.Index(resized, []byte{0xFF, 0xC0}); i < 0 {
		t.Fatal("no SOF0")
	} else {
		resized[i+6]++
	}
	for _, tc := range []struct {
		name string
		a, b []byte
	}{
		{"same frame", small, small},
		{"another size", small, big},
		{"grey after colour", small, gray},
		{"header changed in place", small, resized},
		{"truncated in the header", small, small[:20]},
		{"cut after the scan header", small, small[:jpegHeadLen(small)]},
		{"not a JPEG", small, []byte("definitely not a jpeg")},
		{"empty", small, nil},
		{"good after bad", []byte{0xFF, 0xD8, 0xFF}, small},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSame(t, tc.a, tc.b) })
	}
}

func FuzzJPEGConfigCache(f *testing.F) {
	small := testJPEG(f, 32, 16, false)
	f.Add(small, small)
	f.Add(small, testJPEG(f, 16, 32, true))
	f.Add(small, small[:len(small)/2])
	f.Fuzz(func(t *testing.T, a, b []byte) {
		checkSame(t, a, b)
		checkSame(t, b, b)
	})
}
