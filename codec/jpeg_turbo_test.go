//go:build turbojpeg && cgo

package codec

import (
	"bytes"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

// libjpeg-turbo's output decodes (with Go's decoder) to the same picture
// as the pure-Go encoder's, from every raw input format.
func TestTurboJPEGMatchesPureGo(t *testing.T) {
	const w, h = 640, 480
	p, err := picimage.NewTestPattern(w, h)
	if err != nil {
		t.Fatal(err)
	}
	bgr := p.Render(nil, 4242, time.Now())
	rgb := make([]byte, len(bgr))
	for i := 0; i < len(bgr); i += 3 {
		rgb[i], rgb[i+1], rgb[i+2] = bgr[i+2], bgr[i+1], bgr[i]
	}
	yuyv, nv12, i420 := yuvFromBGR(bgr, w, h)
	gray := make([]byte, w*h)
	for i := range gray {
		gray[i] = bgr[3*i+1]
	}
	turbo, err := NewTurboJPEG(DefaultJPEGQuality)
	if err != nil {
		t.Fatal(err)
	}
	defer turbo.Close()
	if !TurboJPEGAvailable() || turbo.Codec() != av.JPEG {
		t.Fatal("turbo not available or wrong codec")
	}
	pure := newJPEG(t, DefaultJPEGQuality)
	for _, f := range []picimage.Frame{
		{Format: picimage.BGR24, Data: bgr}, {Format: picimage.RGB24, Data: rgb}, {Format: picimage.YUYV, Data: yuyv},
		{Format: picimage.NV12, Data: nv12}, {Format: picimage.I420, Data: i420}, {Format: picimage.GRAY8, Data: gray},
	} {
		f.Width, f.Height, f.Seq = w, h, 4242
		tp, err := turbo.Encode(f)
		if err != nil {
			t.Fatalf("%s: %v", f.Format, err)
		}
		gp, err := pure.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if !tp.Keyframe || tp.Seq != 4242 || !bytes.HasPrefix(tp.Data, []byte{0xff, 0xd8}) {
			t.Errorf("%s: packet %+v", f.Format, tp)
		}
		tb, gb := decodeBGR(t, tp), decodeBGR(t, gp)
		if mean, _ := diff(tb, gb); mean > 1.5 {
			t.Errorf("%s: libjpeg-turbo's picture is %.2f from the pure-Go one", f.Format, mean)
		}
		if f.Format != picimage.GRAY8 {
			if n, ok := picimage.ReadCounter(tb, w, h); !ok || n != 4242 {
				t.Errorf("%s: counter %d %v", f.Format, n, ok)
			}
		}
		t.Logf("%s: %d bytes (pure Go %d)", f.Format, len(tp.Data), len(gp.Data))
	}
	// A bigger frame after a smaller one grows the output buffer.
	big := picimage.Frame{Width: 1280, Height: 720, Format: picimage.BGR24, Data: texture(1280, 720, 2)}
	if p, err := turbo.Encode(big); err != nil || len(decodeBGR(t, p)) != 1280*720*3 {
		t.Errorf("1280x720 after 640x480: %v", err)
	}
	// MJPEG passes through untouched.
	mj := picimage.Frame{Width: w, Height: h, Format: picimage.MJPEG, Data: bytes.Clone(decodeSource(t, pure, bgr))}
	if p, err := turbo.Encode(mj); err != nil || !bytes.Equal(p.Data, mj.Data) {
		t.Errorf("MJPEG passthrough: %v", err)
	}
	turbo.Close()
	if _, err := turbo.Encode(big); err != ErrClosed {
		t.Errorf("after Close: %v", err)
	}
}

func decodeSource(t *testing.T, e Encoder, bgr []byte) []byte {
	t.Helper()
	p, err := e.Encode(picimage.Frame{Width: 640, Height: 480, Format: picimage.BGR24, Data: bgr})
	if err != nil {
		t.Fatal(err)
	}
	return p.Data
}
