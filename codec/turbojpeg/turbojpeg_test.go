//go:build turbojpeg && cgo

package turbojpeg

import (
	"bytes"
	"image/jpeg"
	"testing"
)

func TestCompress(t *testing.T) {
	c, err := NewCompressor()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rgb := bytes.Repeat([]byte{200, 30, 60}, 33*17)
	out, err := c.CompressRGB(rgb, 33, 17, false, 90)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil || img.Bounds().Dx() != 33 || img.Bounds().Dy() != 17 {
		t.Fatalf("decoded %v, %v", img.Bounds(), err)
	}
	r, g, b, _ := img.At(5, 5).RGBA()
	if r>>8 < 190 || g>>8 > 45 || b>>8 < 45 || b>>8 > 75 {
		t.Errorf("colour %d %d %d, want about 200 30 60", r>>8, g>>8, b>>8)
	}
	y, cb, cr := make([]byte, 16*16), make([]byte, 8*8), make([]byte, 8*8)
	if _, err := c.CompressYCbCr420(y, cb, cr, 16, 8, 16, 16, 50); err != nil {
		t.Error(err)
	}
	if _, err := c.CompressYCbCr420(y, cb[:10], cr, 16, 8, 16, 16, 50); err == nil {
		t.Error("short chroma plane accepted")
	}
	if _, err := c.CompressRGB(rgb[:10], 33, 17, false, 90); err == nil {
		t.Error("short picture accepted")
	}
	c.Close()
	if _, err := c.CompressRGB(rgb, 33, 17, false, 90); err == nil {
		t.Error("compress after Close")
	}
}
