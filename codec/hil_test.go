//go:build hil && linux

package codec

// Hardware-in-the-loop tests of the V4L2 M2M encoder against real kernel
// drivers: vivid as the camera and vicodec (loaded with multiplanar=1, so
// the same multi-planar queue API as bcm2835-codec) as the encoder. They
// are built only with -tags hil, for the QEMU guest:
//
//	CGO_ENABLED=0 GOARCH=arm64 go test -c -tags hil -o codec-hil.test ./codec
//
// and run there after `modprobe vivid` and `modprobe vicodec multiplanar=1`:
//
//	PICAM_HIL_CAMERA=/dev/video0 ./codec-hil.test -test.v -test.run HIL
//
// PICAM_HIL_CAMERA is vivid's capture node (its sysfs name is
// vivid-000-vid-cap); PICAM_HIL_ENCODER may name the encoder node, else the
// one whose bitstream side offers FWHT is used (sysfs name
// stateful-encoder). A missing device fails the tests: they never skip.

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec/fwht"
	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
	"golang.org/x/sys/unix"
)

const hilW, hilH = 640, 480 // vicodec's minimum is 640x360

func hilEncoderPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PICAM_HIL_ENCODER"); p != "" {
		return p
	}
	d, err := FindM2MEncoder(av.FWHT)
	if err != nil {
		t.Fatalf("%v (load vicodec with multiplanar=1, or set PICAM_HIL_ENCODER)", err)
	}
	if !d.MPlane {
		t.Fatalf("%s (%s) uses the single-planar API: load vicodec with multiplanar=1 so the test covers bcm2835-codec's queue types", d.Path, d.Card)
	}
	t.Logf("encoder %s: %s %s, multi-planar %v, codecs %v", d.Path, d.Driver, d.Card, d.MPlane, d.Codecs)
	return d.Path
}

func hilCamera(t *testing.T) (*v4l2.Device, v4l2.BufType) {
	t.Helper()
	path := os.Getenv("PICAM_HIL_CAMERA")
	if path == "" {
		t.Fatal("PICAM_HIL_CAMERA is not set: name vivid's capture node (sysfs name vivid-000-vid-cap)")
	}
	d, err := v4l2.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	bt, err := d.Capability().CaptureType()
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.SetFormat(bt, v4l2.PixFormat{Width: hilW, Height: hilH, PixelFormat: v4l2.PixFmtYUYV, Field: v4l2.FieldNone})
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != hilW || f.Height != hilH || f.PixelFormat != v4l2.PixFmtYUYV || f.BytesPerLine != 2*hilW {
		t.Fatalf("camera gave %v, want tightly packed %dx%d YUYV", f, hilW, hilH)
	}
	return d, bt
}

func newHILEncoder(t *testing.T, in picimage.PixelFormat, dmabuf bool) *M2MEncoder {
	t.Helper()
	e, err := NewM2M(M2MConfig{
		Device: hilEncoderPath(t), Codec: av.FWHT, Width: hilW, Height: hilH, Input: in,
		IFramePeriod: 5, DMABuf: dmabuf, Timeout: 20 * time.Second,
		// One frame in flight, so each packet is checked against the frame
		// just given; the server's encoder run in the HIL test covers the
		// default of several.
		Buffers: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if !e.outT.IsMPlane() || !e.capT.IsMPlane() {
		t.Fatalf("queues %s/%s are not multi-planar", e.outT, e.capT)
	}
	t.Logf("encoder input %v", e.InputFormat())
	return e
}

// fwhtLumaPSNR compares the luma of a decoded picture with a YUYV frame.
func fwhtLumaPSNR(pic *fwht.Picture, yuyv []byte) float64 {
	y := pic.Planes[0]
	var se float64
	for r := 0; r < y.Height; r++ {
		for c := 0; c < y.Width; c++ {
			d := float64(y.At(c, r)) - float64(yuyv[2*(r*y.Width+c)])
			se += d * d
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(y.Width*y.Height)/se)
}

// checkBars checks vivid's default test pattern (75% colour bars) in a
// decoded picture: eight vertical bars whose luma falls from white to
// black, sampled below the on-screen text.
func checkBars(pic *fwht.Picture) error {
	y := pic.Planes[0]
	row := y.Height * 3 / 4
	prev := 256
	var got []int
	for bar := 0; bar < 8; bar++ {
		v := int(y.At(bar*y.Width/8+y.Width/16, row))
		got = append(got, v)
		if v >= prev {
			return fmt.Errorf("bar lumas %v do not fall from white to black", got)
		}
		prev = v
	}
	if got[0] < 150 || got[7] > 40 {
		return fmt.Errorf("bar lumas %v: want white above 150 and black below 40", got)
	}
	return nil
}

func TestHILFWHTFromVivid(t *testing.T) {
	cam, _ := hilCamera(t)
	e := newHILEncoder(t, picimage.YUYV, false)
	capture, err := cam.StartCapture(4)
	if err != nil {
		t.Fatal(err)
	}
	defer capture.Stop()
	var dec fwht.Decoder
	for i := 0; i < 12; i++ {
		vf, err := capture.ReadFrame(10 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		f := picimage.Frame{Width: hilW, Height: hilH, Format: picimage.YUYV, Data: vf.Data, Seq: uint64(i), Captured: time.Now()}
		start := time.Now()
		p, err := e.Encode(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		took := time.Since(start)
		if p.Codec != av.FWHT || p.Index != uint64(i) || p.Seq != uint64(i) || p.Width != hilW {
			t.Errorf("frame %d: packet %v %d %d %d", i, p.Codec, p.Index, p.Seq, p.Width)
		}
		if p.Keyframe != (i%5 == 0) {
			t.Errorf("frame %d: keyframe %v with an I-frame period of 5", i, p.Keyframe)
		}
		pic, err := dec.Decode(p.Data)
		if err != nil {
			t.Fatalf("frame %d (%d bytes) does not decode: %v", i, len(p.Data), err)
		}
		if pic.Header.Width != hilW || pic.Header.Height != hilH {
			t.Errorf("frame %d: decoded %dx%d", i, pic.Header.Width, pic.Header.Height)
		}
		if wd, hd := pic.Header.ChromaDivs(); wd != 2 || hd != 1 {
			t.Errorf("frame %d: chroma divided %d, %d; YUYV is 4:2:2", i, wd, hd)
		}
		q := fwhtLumaPSNR(pic, vf.Data)
		if q < 30 {
			t.Errorf("frame %d: decoded luma is %.1f dB from the captured frame", i, q)
		}
		if err := checkBars(pic); err != nil {
			t.Errorf("frame %d: %v", i, err)
		}
		t.Logf("frame %d: %d bytes, keyframe %v, %.1f dB, encode %v", i, len(p.Data), p.Keyframe, q, took.Round(time.Millisecond))
	}
	// vicodec has no force-keyframe control: the request is accepted and
	// the stream goes on at its own I-frame period.
	e.RequestKeyframe()
	vf, err := capture.ReadFrame(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(picimage.Frame{Width: hilW, Height: hilH, Format: picimage.YUYV, Data: vf.Data, Seq: 12}); err != nil {
		t.Errorf("after a keyframe request: %v", err)
	}
}

// The test pattern's burnt-in frame counter survives the whole path:
// BGR24 into vicodec, FWHT out, decoded and read back.
func TestHILFWHTTestPattern(t *testing.T) {
	e := newHILEncoder(t, picimage.BGR24, false)
	pattern, err := picimage.NewTestPattern(hilW, hilH)
	if err != nil {
		t.Fatal(err)
	}
	var dec fwht.Decoder
	for i := 0; i < 7; i++ {
		// Fixed timestamps make the frames reproducible, so the dumped
		// bitstream can serve as golden data for codec/fwht's unit tests.
		f := picimage.Frame{Width: hilW, Height: hilH, Format: picimage.BGR24, Seq: uint64(i),
			Data: pattern.Render(nil, uint64(i), patternEpoch.Add(time.Duration(i)*33*time.Millisecond))}
		p, err := e.Encode(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if os.Getenv("PICAM_HIL_DUMP") != "" && i < 2 {
			// One line per frame on stdout, for the host to pick up from
			// the serial console.
			fmt.Printf("HILDUMP fwht-pattern-%d %s\n", i, base64.StdEncoding.EncodeToString(p.Data))
		}
		pic, err := dec.Decode(p.Data)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		out, err := pic.Frame()
		if err != nil || out.Format != picimage.BGR24 {
			t.Fatalf("frame %d: %v %v", i, out.Format, err)
		}
		n, ok := picimage.ReadCounter(out.Data, hilW, hilH)
		if !ok || n != uint64(i) {
			t.Errorf("frame %d: counter read back as %d (%v)", i, n, ok)
		}
		t.Logf("frame %d: %d bytes, keyframe %v, counter %d", i, len(p.Data), p.Keyframe, n)
	}
}

// patternEpoch is the burnt-in time of the first test pattern frame.
var patternEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Zero copy: the camera's buffers are exported as dmabufs and imported by
// the encoder.
func TestHILFWHTDMABuf(t *testing.T) {
	cam, bt := hilCamera(t)
	e := newHILEncoder(t, picimage.YUYV, true)
	n, err := cam.RequestBuffers(bt, 3)
	if err != nil {
		t.Fatal(err)
	}
	fds := make([]int, n)
	for i := range fds {
		if fds[i], err = cam.ExportBuffer(bt, i, 0, unix.O_CLOEXEC|unix.O_RDONLY); err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fds[i])
		if err := cam.Queue(v4l2.Buffer{Type: bt, Index: uint32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cam.StreamOn(bt); err != nil {
		t.Fatal(err)
	}
	defer cam.ReleaseBuffers(bt)
	var dec fwht.Decoder
	for i := 0; i < 6; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		b, err := cam.Dequeue(ctx, bt)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		captured := append([]byte(nil), b.Data[0]...)
		p, err := e.EncodeDMABuf(DMABufFrame{
			FD: fds[b.Index], Length: int(b.Planes[0].Length), BytesUsed: int(b.Planes[0].BytesUsed),
			Frame: picimage.Frame{Width: hilW, Height: hilH, Format: picimage.YUYV, Seq: uint64(i)},
		})
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if err := cam.Queue(v4l2.Buffer{Type: bt, Index: b.Index}); err != nil {
			t.Fatal(err)
		}
		pic, err := dec.Decode(p.Data)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if q := fwhtLumaPSNR(pic, captured); q < 30 {
			t.Errorf("frame %d: decoded luma is %.1f dB from camera buffer %d", i, q, b.Index)
		}
		t.Logf("frame %d: camera buffer %d (fd %d) -> %d bytes", i, b.Index, fds[b.Index], len(p.Data))
	}
}
