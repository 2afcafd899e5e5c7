//go:build linux

package main

import (
	"bytes"
	"testing"

	"github.com/picam-project/picam/hw/v4l2"
)

// A camera with 4 bytes of padding per line feeding an encoder with 8: each
// row must land at the encoder's stride, padding excluded.
func TestCopyRowsRestrides(t *testing.T) {
	src := []byte{1, 2, 0, 0, 3, 4, 0, 0} // 2 rows of 2 bytes, stride 4
	dst := make([]byte, 16)
	n := copyRows(dst, 8, src, 4, 2, 2)
	want := []byte{1, 2, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0}
	if n != 16 || !bytes.Equal(dst, want) {
		t.Fatalf("n=%d dst=%v, want 16 %v", n, dst, want)
	}
}

func TestCopyRowsStopsAtShortBuffers(t *testing.T) {
	dst := make([]byte, 10)
	if n := copyRows(dst, 8, make([]byte, 16), 8, 8, 2); n != 8 {
		t.Fatalf("n=%d, want 8 (only the first row fits)", n)
	}
}

func TestValidBitstream(t *testing.T) {
	for _, c := range []struct {
		pf   v4l2.PixelFormat
		data []byte
		want bool
	}{
		{v4l2.PixFmtFWHT, append(append([]byte{}, fwhtMagic...), 1, 2), true},
		{v4l2.PixFmtFWHT, []byte{0x4f, 0x4f, 0x4f, 0x4f, 0, 0, 0, 0}, false},
		{v4l2.PixFmtH264, []byte{0, 0, 0, 1, 0x67}, true},
		{v4l2.PixFmtH264, []byte{0, 0, 1, 0x65}, true},
		{v4l2.PixFmtH264, []byte{0xff, 0xd8}, false},
		{v4l2.PixFmtYUYV, []byte{0, 0, 0, 1}, false},
	} {
		if got := validBitstream(c.pf, c.data); got != c.want {
			t.Errorf("validBitstream(%s, % x) = %v, want %v", c.pf, c.data, got, c.want)
		}
	}
}
