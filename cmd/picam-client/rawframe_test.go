package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	picimage "github.com/picam-project/picam/image"
)

// Every layout NetGear sends raw becomes a frame the JPEG encoder takes, with the right bytes.
func TestRawToFrameLayouts(t *testing.T) {
	u16 := func(vs ...uint16) []byte {
		b := make([]byte, 2*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint16(b[2*i:], v)
		}
		return b
	}
	for _, c := range []struct {
		name    string
		dtype   string
		shape   []int
		payload []byte
		rgb     bool
		format  picimage.PixelFormat
		want    []byte
	}{
		{"bgr", "uint8", []int{1, 2, 3}, []byte{1, 2, 3, 4, 5, 6}, false, picimage.BGR24, []byte{1, 2, 3, 4, 5, 6}},
		{"rgb", "uint8", []int{1, 2, 3}, []byte{1, 2, 3, 4, 5, 6}, true, picimage.RGB24, []byte{1, 2, 3, 4, 5, 6}},
		{"grey 2-D", "uint8", []int{1, 2}, []byte{7, 9}, false, picimage.GRAY8, []byte{7, 9}},
		{"grey H×W×1", "uint8", []int{2, 1, 1}, []byte{7, 9}, false, picimage.GRAY8, []byte{7, 9}},
		{"bgra drops alpha", "uint8", []int{1, 2, 4}, []byte{1, 2, 3, 0, 4, 5, 6, 255}, false, picimage.BGR24, []byte{1, 2, 3, 4, 5, 6}},
		{"rgba", "uint8", []int{1, 1, 4}, []byte{1, 2, 3, 0}, true, picimage.RGB24, []byte{1, 2, 3}},
		{"uint16 bgr keeps the high byte", "uint16", []int{1, 1, 3}, u16(0x0102, 0xff00, 0x80ff), false, picimage.BGR24, []byte{1, 0xff, 0x80}},
		{"uint16 grey", "uint16", []int{1, 2}, u16(0x1234, 0xabcd), false, picimage.GRAY8, []byte{0x12, 0xab}},
		{"little-endian mark", "<u2", []int{1, 1}, u16(0x4000), false, picimage.GRAY8, []byte{0x40}},
	} {
		f, err := rawToFrame(c.dtype, c.shape, c.payload, c.rgb, nil)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if f.Format != c.format || !bytes.Equal(f.Data, c.want) || f.Width*f.Height == 0 {
			t.Errorf("%s: %s %dx%d %v; want %s %v", c.name, f.Format, f.Width, f.Height, f.Data, c.format, c.want)
		}
		if err := f.Validate(); err != nil {
			t.Errorf("%s: the frame does not validate: %v", c.name, err)
		}
	}
}

// A frame picam-client cannot show is an error that names the sender's fix, grouped by kind.
func TestRawToFrameProblems(t *testing.T) {
	for _, c := range []struct {
		dtype string
		shape []int
		n     int
		kind  string
		want  string
	}{
		{"float32", []int{1, 1, 3}, 12, "dtype float32", "astype(numpy.uint8)"},
		{"int16", []int{1, 1}, 2, "dtype int16", "send uint8"},
		{"uint8", []int{1, 1, 2}, 2, "shape 3-D", "[height, width, 3]"},
		{"uint8", []int{4}, 4, "shape 1-D", "[height, width]"},
		{"uint8", []int{2, 2, 3}, 11, "size", "has 11 bytes, want 12"},
		{"uint8", []int{0, 2}, 0, "empty", "no pixels"},
	} {
		_, err := rawToFrame(c.dtype, c.shape, make([]byte, c.n), false, nil)
		var rp *rawProblem
		if !errors.As(err, &rp) || rp.kind != c.kind || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: err %v; want kind %q and %q", c.dtype, c.shape, err, c.kind, c.want)
		}
	}
}

// The conversion buffer is reused when it is large enough.
func TestRawToFrameReusesBuffer(t *testing.T) {
	buf := make([]byte, 16)
	f, err := rawToFrame("uint8", []int{1, 2, 4}, make([]byte, 8), false, buf)
	if err != nil || &f.Data[0] != &buf[0] {
		t.Fatalf("buffer not reused: %v", err)
	}
}
