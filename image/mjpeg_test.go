package picimage

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"testing"
)

// goJPEG encodes a small picture with Go's encoder, which writes the
// standard Annex K tables in one DHT segment just before the scan.
func goJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 13)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// stripDHT removes every DHT segment, as MJPEG webcams send their frames.
func stripDHT(t *testing.T, data []byte) []byte {
	t.Helper()
	out := append([]byte{}, data[:2]...)
	i := 2
	for data[i+1] != markerSOS {
		n := int(data[i+2])<<8 | int(data[i+3])
		if data[i+1] != markerDHT {
			out = append(out, data[i:i+2+n]...)
		}
		i += 2 + n
	}
	return append(out, data[i:]...)
}

func TestNormalizeMJPEGInsertsStandardTables(t *testing.T) {
	orig := goJPEG(t)
	bare := stripDHT(t, orig)
	if len(bare) >= len(orig) {
		t.Fatal("test setup: no DHT segment was stripped")
	}
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("test setup: Go decodes a JPEG without Huffman tables, so this test proves nothing")
	}
	fixed, err := NormalizeMJPEG(bare)
	if err != nil {
		t.Fatal(err)
	}
	// Go's encoder uses exactly the Annex K tables in the same order and
	// place, so the repaired image must be byte-identical to the original.
	if !bytes.Equal(fixed, orig) {
		t.Fatalf("repaired JPEG differs from the original (len %d vs %d)", len(fixed), len(orig))
	}
	got, err := ToBGR(nil, Frame{Width: 48, Height: 32, Format: MJPEG, Data: bare})
	if err != nil {
		t.Fatalf("ToBGR of a DHT-less MJPEG frame: %v", err)
	}
	if len(got) != 48*32*3 {
		t.Errorf("len = %d", len(got))
	}
}

func TestNormalizeMJPEGKeepsCompleteImages(t *testing.T) {
	orig := goJPEG(t)
	out, err := NormalizeMJPEG(orig)
	if err != nil {
		t.Fatal(err)
	}
	if &out[0] != &orig[0] || len(out) != len(orig) {
		t.Error("a JPEG that has its tables was copied or changed")
	}
}

func TestNormalizeMJPEGRejectsGarbage(t *testing.T) {
	orig := goJPEG(t)
	for name, data := range map[string][]byte{
		"empty":         nil,
		"not jpeg":      []byte("hello world"),
		"soi only":      {0xff, 0xd8, 0xff, 0xd9},
		"truncated":     orig[:30],
		"bad length":    {0xff, 0xd8, 0xff, 0xdb, 0x00, 0x01, 0, 0},
		"no marker":     {0xff, 0xd8, 0x12, 0x34, 0x56},
		"runs past end": {0xff, 0xd8, 0xff, 0xdb, 0x40, 0x00, 0, 0},
	} {
		if _, err := NormalizeMJPEG(data); !errors.Is(err, ErrNotJPEG) {
			t.Errorf("%s: err = %v, want ErrNotJPEG", name, err)
		}
	}
}
