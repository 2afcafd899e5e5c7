package codec

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

func TestRawPassesBGRThrough(t *testing.T) {
	e := NewRaw()
	defer e.Close()
	if e.Codec() != av.Raw {
		t.Errorf("Codec() = %q", e.Codec())
	}
	now := time.Now()
	f := picimage.Frame{Width: 2, Height: 1, Format: picimage.BGR24, Data: []byte{1, 2, 3, 4, 5, 6}, Seq: 9, Captured: now}
	p, err := e.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if &p.Data[0] != &f.Data[0] {
		t.Error("BGR24 frame was copied; want zero-copy passthrough")
	}
	if p.Codec != av.Raw || p.Width != 2 || p.Height != 1 || p.Seq != 9 || !p.Captured.Equal(now) || !p.Keyframe {
		t.Errorf("packet metadata = %+v", av.Packet{Codec: p.Codec, Width: p.Width, Height: p.Height, Seq: p.Seq, Captured: p.Captured, Keyframe: p.Keyframe})
	}
	e.RequestKeyframe() // a no-op, but must not break the next packet
	if p, err := e.Encode(f); err != nil || !p.Keyframe {
		t.Errorf("after RequestKeyframe: %v, keyframe %v", err, p.Keyframe)
	}
}

func TestRawConvertsYUV(t *testing.T) {
	// 4x2 I420: black left half, white right half.
	data := []byte{16, 16, 235, 235, 16, 16, 235, 235, 128, 128, 128, 128}
	f := picimage.Frame{Width: 4, Height: 2, Format: picimage.I420, Data: data, Seq: 3}
	e := NewRaw()
	defer e.Close()
	p, err := e.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	row := []byte{0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255}
	if want := append(append([]byte{}, row...), row...); !bytes.Equal(p.Data, want) {
		t.Errorf("I420 raw packet = %v, want %v", p.Data, want)
	}
	if p.Seq != 3 || p.Width != 4 || p.Height != 2 {
		t.Errorf("metadata lost: %+v", p)
	}
}

// TestRawConvertsCameraFrames: camera-sized YUV frames (split across the
// encoder's conversion pool) come out as ToBGR makes them, each packet in a
// buffer of its own, until Close.
func TestRawConvertsCameraFrames(t *testing.T) {
	e := NewRaw()
	var prev []byte
	for i, format := range []picimage.PixelFormat{picimage.I420, picimage.NV12, picimage.YUYV, picimage.I420} {
		n, _ := format.FrameSize(640, 480)
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(j*7 + i)
		}
		f := picimage.Frame{Width: 640, Height: 480, Format: format, Data: data}
		want, err := picimage.ToBGR(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p.Data, want) {
			t.Fatalf("%s frame %d: the packet differs from ToBGR's conversion", format, i)
		}
		if prev != nil && &prev[0] == &p.Data[0] {
			t.Fatalf("%s frame %d reuses the previous packet's buffer", format, i)
		}
		prev = p.Data
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(picimage.Frame{Width: 2, Height: 2, Format: picimage.I420, Data: make([]byte, 6)}); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close: %v, want ErrClosed", err)
	}
}

func TestRawErrors(t *testing.T) {
	e := NewRaw()
	for _, tc := range []struct {
		f    picimage.Frame
		want string
	}{
		{picimage.Frame{Width: 2, Height: 2, Format: picimage.BGR24, Data: make([]byte, 11)}, "has 11 bytes, want 12"},
		{picimage.Frame{Width: 2, Height: 2, Format: picimage.H264, Data: []byte{0, 0, 0, 1, 0x65}}, "video decoder"},
		{picimage.Frame{Width: 2, Height: 2, Format: "XRGB", Data: make([]byte, 16)}, "unknown pixel format"},
	} {
		if _, err := e.Encode(tc.f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.f.Format, err, tc.want)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	f := picimage.Frame{Width: 1, Height: 1, Format: picimage.BGR24, Data: make([]byte, 3)}
	if _, err := e.Encode(f); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close: err = %v, want ErrClosed", err)
	}
}
