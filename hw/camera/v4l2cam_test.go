package camera

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/testkit"
)

// vividDevice is a vivid-like webcam: YUYV and RGB24 at discrete sizes and
// rates, with vivid's picture controls.
func vividDevice() *fakeDevice {
	d := newFakeDevice("/dev/video2", cameraCaps("vivid", "vivid"), v4l2.PixFmtYUYV, v4l2.PixFmtRGB24)
	for _, f := range []v4l2.PixelFormat{v4l2.PixFmtYUYV, v4l2.PixFmtRGB24} {
		for _, s := range [][2]uint32{{320, 180}, {640, 360}, {640, 480}, {1280, 720}} {
			d.sizes[f] = append(d.sizes[f], v4l2.FrameSize{Type: v4l2.FrameSizeDiscrete, PixelFormat: f,
				MinWidth: s[0], MaxWidth: s[0], MinHeight: s[1], MaxHeight: s[1]})
		}
	}
	d.intervals = []v4l2.FrameInterval{
		{Type: v4l2.FrameSizeDiscrete, Min: v4l2.Fract{Numerator: 1, Denominator: 30}, Max: v4l2.Fract{Numerator: 1, Denominator: 30}},
		{Type: v4l2.FrameSizeDiscrete, Min: v4l2.Fract{Numerator: 1, Denominator: 15}, Max: v4l2.Fract{Numerator: 1, Denominator: 15}},
	}
	return d.withControls(vividControls())
}

// piCameraDevice is the legacy Pi camera: stepwise sizes, continuous rates,
// raw and encoded formats, bcm2835-v4l2's controls.
func piCameraDevice() *fakeDevice {
	d := newFakeDevice("/dev/video0", cameraCaps("bm2835 mmal", "mmal service 16.1"),
		v4l2.PixFmtYUV420, v4l2.PixFmtYUYV, v4l2.PixFmtRGB24, v4l2.PixFmtJPEG, v4l2.PixFmtH264, v4l2.PixFmtMJPEG,
		v4l2.PixFmtYVYU, v4l2.PixFmtNV12, v4l2.PixFmtBGR24)
	for _, f := range d.formats {
		d.sizes[f.PixelFormat] = []v4l2.FrameSize{{Type: v4l2.FrameSizeStepwise, PixelFormat: f.PixelFormat,
			MinWidth: 32, MaxWidth: 2592, StepWidth: 2, MinHeight: 32, MaxHeight: 1944, StepHeight: 2}}
	}
	d.intervals = []v4l2.FrameInterval{{Type: v4l2.FrameSizeContinuous,
		Min: v4l2.Fract{Numerator: 1, Denominator: 90}, Max: v4l2.Fract{Numerator: 1, Denominator: 1},
		Step: v4l2.Fract{Numerator: 1, Denominator: 1}}}
	return d.withControls(bcm2835Controls())
}

func openFake(t *testing.T, d *fakeDevice, opts Options) (*v4l2Camera, *testkit.Buffer) {
	t.Helper()
	log, buf := testLogger(t)
	c, err := testSystem(d).openV4L2(context.Background(), d.path, opts, log)
	if err != nil {
		t.Fatalf("open %s: %v\nlog:\n%s", d.path, err, buf)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*v4l2Camera), buf
}

func TestNegotiateNearestDiscrete(t *testing.T) {
	d := vividDevice()
	c, log := openFake(t, d, Options{Width: 700, Height: 500, Framerate: 25})
	if len(d.setFormat) != 1 {
		t.Fatalf("SetFormat calls %v", d.setFormat)
	}
	f := d.setFormat[0]
	if f.Width != 640 || f.Height != 480 || f.PixelFormat != v4l2.PixFmtYUYV {
		t.Errorf("asked the driver for %v, want the nearest listed size 640x480 YUYV", f)
	}
	if len(d.setIval) != 1 || d.setIval[0] != (v4l2.Fract{Numerator: 1, Denominator: 30}) {
		t.Errorf("intervals set %v, want the nearest listed rate 1/30", d.setIval)
	}
	info := c.Info()
	if info.Source != SourceV4L2 || info.Width != 640 || info.Height != 480 || info.Format != picimage.YUYV ||
		info.FourCC != "YUYV" || info.Framerate != 30 || info.Driver != "vivid" {
		t.Errorf("Info = %+v", info)
	}
	for _, want := range []string{"camera format negotiated", "asked=700x500@25", "chose=640x480@30", "fourcc=YUYV"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestNegotiateStepwiseAndFormatPreference(t *testing.T) {
	for _, tc := range []struct {
		want   picimage.PixelFormat
		fourcc v4l2.PixelFormat
	}{
		{"", v4l2.PixFmtMJPEG}, // MJPG before the slow JPEG stills path
		{picimage.MJPEG, v4l2.PixFmtMJPEG},
		{picimage.H264, v4l2.PixFmtH264},
		{picimage.BGR24, v4l2.PixFmtBGR24},
		{picimage.I420, v4l2.PixFmtYUV420},
	} {
		d := piCameraDevice()
		c, _ := openFake(t, d, Options{Width: 1281, Height: 719, Framerate: 29.97, Format: tc.want})
		f := d.setFormat[0]
		if f.PixelFormat != tc.fourcc || f.Width != 1282 || f.Height != 720 {
			t.Errorf("prefer %q: asked for %v, want %s 1282x720 (snapped to the step of 2)", tc.want, f, tc.fourcc)
		}
		if got := d.setIval[0]; got != (v4l2.Fract{Numerator: 1000, Denominator: 29970}) {
			t.Errorf("interval %v, want 1000/29970", got)
		}
		if c.Info().Format != fourccFormats[tc.fourcc] {
			t.Errorf("Info().Format = %s", c.Info().Format)
		}
	}
	// A camera without H.264 delivers its best format instead, and says so.
	d := vividDevice()
	c, log := openFake(t, d, Options{Format: picimage.H264})
	if c.Info().Format != picimage.YUYV || !strings.Contains(log.String(), "does not offer the preferred format") {
		t.Errorf("H264 on vivid: %s; log:\n%s", c.Info().Format, log)
	}
}

func TestNegotiateNoUsableFormat(t *testing.T) {
	d := newFakeDevice("/dev/video0", cameraCaps("unicam", "unicam"), v4l2.FourCC("pRAA"), v4l2.FourCC("RG10"))
	_, err := testSystem(d).openV4L2(context.Background(), d.path, Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "offers no format picam can use (it offers pRAA, RG10") {
		t.Errorf("err = %v", err)
	}
	if !d.closed {
		t.Error("device left open after a failed open")
	}
}

func TestOpenRefusesM2M(t *testing.T) {
	d := codecNode("/dev/video11", "bcm2835-codec-encode")
	_, err := testSystem(d).openV4L2(context.Background(), d.path, Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "is not a camera") {
		t.Errorf("err = %v", err)
	}
}

func TestCaptureRepacksPaddedRows(t *testing.T) {
	d := vividDevice()
	d.adjust = func(f v4l2.PixFormat) v4l2.PixFormat {
		f.BytesPerLine = f.Width*2 + 64 // 64 bytes of padding per row
		f.SizeImage = f.BytesPerLine * f.Height
		return f
	}
	c, _ := openFake(t, d, Options{Width: 320, Height: 180})
	stride, row := 320*2+64, 320*2
	raw := make([]byte, stride*180)
	for y := 0; y < 180; y++ {
		for x := 0; x < stride; x++ {
			raw[y*stride+x] = byte(y)
			if x >= row {
				raw[y*stride+x] = 0xEE // padding must not leak into the frame
			}
		}
	}
	d.push(v4l2.Frame{Data: raw, Sequence: 7, Timestamp: 999 * time.Second})
	f, err := c.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Data) != row*180 || f.Width != 320 || f.Height != 180 || f.Format != picimage.YUYV {
		t.Fatalf("frame %dx%d %s, %d bytes", f.Width, f.Height, f.Format, len(f.Data))
	}
	if err := f.Validate(); err != nil {
		t.Error(err)
	}
	for y := 0; y < 180; y++ {
		for x := 0; x < row; x++ {
			if f.Data[y*row+x] != byte(y) {
				t.Fatalf("pixel byte (%d,%d) = %#x, want %#x", x, y, f.Data[y*row+x], y)
			}
		}
	}
	// The buffer's age (1000 s - 999 s on CLOCK_MONOTONIC) is taken off
	// the wall clock.
	if want := time.Date(2026, 1, 2, 3, 4, 4, 0, time.UTC); !f.Captured.Equal(want) {
		t.Errorf("Captured = %v, want %v", f.Captured, want)
	}
	if f.Seq != 0 || !f.Keyframe {
		t.Errorf("Seq %d Keyframe %v", f.Seq, f.Keyframe)
	}
}

func TestCaptureSequenceGapsAndSkippedBuffers(t *testing.T) {
	d := vividDevice()
	c, log := openFake(t, d, Options{Width: 320, Height: 180})
	size := 320 * 180 * 2
	frame := func(seq uint32, flags v4l2.BufFlag, n int) v4l2.Frame {
		return v4l2.Frame{Data: bytes.Repeat([]byte{byte(seq)}, n), Sequence: seq, Flags: flags, Timestamp: 999 * time.Second}
	}
	d.push(frame(100, 0, size), frame(101, 0, size), frame(102, v4l2.BufFlagError, size), frame(103, 0, size/2),
		frame(104, 0, 0), frame(105, 0, size), frame(107, 0, size), frame(107, 0, size))
	var got []uint64
	var datas [][]byte
	for range 5 {
		f, err := c.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f.Seq)
		datas = append(datas, f.Data)
	}
	// 102 damaged, 103 short, 104 empty: skipped, leaving a gap; 106
	// dropped by the driver; the second 107 (a driver that does not count)
	// still moves on.
	if want := []uint64{0, 1, 5, 7, 8}; !equalU64(got, want) {
		t.Errorf("Seq = %v, want %v", got, want)
	}
	if datas[2][0] != 105 || &datas[0][0] == &datas[1][0] {
		t.Errorf("frames do not carry their own data")
	}
	if n := strings.Count(log.String(), "camera frame skipped"); n != 3 {
		t.Errorf("%d skip messages, want 3:\n%s", n, log)
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCaptureH264Keyframes(t *testing.T) {
	d := piCameraDevice()
	c, _ := openFake(t, d, Options{Format: picimage.H264})
	sps, pps := []byte{0x67, 0x42, 0xc0, 0x1e}, []byte{0x68, 0xce, 0x3c, 0x80}
	idr := h264.AppendNAL(h264.AppendNAL(h264.AppendNAL(nil, sps), pps), []byte{0x65, 0x88, 0x84})
	p := h264.AppendNAL(nil, []byte{0x41, 0x9a, 0x02})
	bare := h264.AppendNAL(nil, []byte{0x65, 0x88, 0x84})
	config := h264.AppendNAL(h264.AppendNAL(nil, sps), pps)
	// SPS+PPS+IDR / P / an IDR the driver did not flag / a flagged unit /
	// parameter sets in a buffer of their own, then their IDR / P.
	d.push(v4l2.Frame{Data: idr, Sequence: 1}, v4l2.Frame{Data: p, Sequence: 2}, v4l2.Frame{Data: bare, Sequence: 3},
		v4l2.Frame{Data: p, Sequence: 4, Flags: v4l2.BufFlagKeyFrame}, v4l2.Frame{Data: config, Sequence: 5},
		v4l2.Frame{Data: bare, Sequence: 6, Flags: v4l2.BufFlagKeyFrame}, v4l2.Frame{Data: p, Sequence: 7})
	want := []bool{true, false, true, true, true, false}
	for i, k := range want {
		f, err := c.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if f.Format != picimage.H264 || f.Keyframe != k || f.Seq != uint64(i) {
			t.Errorf("unit %d: %s seq %d keyframe %v, want keyframe %v", i, f.Format, f.Seq, f.Keyframe, k)
		}
		if i == 4 && (!bytes.Equal(f.Data, append(config, bare...)) || !h264.IsRandomAccess(f.Data)) {
			t.Errorf("the separate parameter sets were not joined to their IDR: % x", f.Data)
		}
	}
	// The H.264 controls were set for late joiners: 1 s of frames.
	var period, repeat bool
	for _, w := range d.written() {
		period = period || (w.id == v4l2.CtrlMPEGVideoH264IPeriod && w.value == 30)
		repeat = repeat || (w.id == v4l2.CtrlMPEGVideoRepeatSeqHeader && w.value == 1)
	}
	if !period || !repeat {
		t.Errorf("h264_i_frame_period=30 %v, repeat_sequence_header=1 %v", period, repeat)
	}
}

func TestCaptureMJPEG(t *testing.T) {
	d := piCameraDevice()
	c, _ := openFake(t, d, Options{Width: 64, Height: 48})
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	d.push(v4l2.Frame{Data: []byte("not a jpeg at all"), Sequence: 1}, v4l2.Frame{Data: jb.Bytes(), Sequence: 2})
	f, err := c.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != picimage.MJPEG || f.Seq != 1 || !bytes.Equal(f.Data, jb.Bytes()) {
		t.Errorf("frame %s seq %d, %d bytes", f.Format, f.Seq, len(f.Data))
	}
	if _, err := jpeg.Decode(bytes.NewReader(f.Data)); err != nil {
		t.Errorf("frame does not decode: %v", err)
	}
}

func TestCaptureCloseWakesNext(t *testing.T) {
	d := vividDevice()
	c, _ := openFake(t, d, Options{})
	errc := make(chan error, 1)
	go func() {
		_, err := c.Next(context.Background())
		errc <- err
	}()
	// Whether Close lands before or during the wait, Next must end with
	// ErrClosed.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.Controls(); !errors.Is(err, ErrClosed) {
		t.Errorf("Controls after Close: %v", err)
	}
}

func TestCaptureStallAndContext(t *testing.T) {
	d := vividDevice()
	c, _ := openFake(t, d, Options{})
	c.stall = time.Millisecond // the real minimum is seconds; the logic is what is tested
	_, err := c.Next(context.Background())
	if err == nil || !strings.Contains(err.Error(), "delivered no frame") {
		t.Errorf("stalled camera: %v", err)
	}
	c.stall = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestOpenAppliesOptionsAndWarns(t *testing.T) {
	d := vividDevice()
	c, log := openFake(t, d, Options{HFlip: true, ISO: 400})
	if v := d.values[v4l2.CtrlHFlip]; v != 1 {
		t.Errorf("hflip on the device = %d", v)
	}
	if got, err := c.GetControl("horizontal_flip"); err != nil || got != 1 {
		t.Errorf("GetControl(horizontal_flip) = %d, %v", got, err)
	}
	if w := c.Info().Warnings; len(w) != 1 || !strings.Contains(w[0], "iso=400 ignored: the camera has no iso_sensitivity control") {
		t.Errorf("warnings %q", w)
	}
	if !strings.Contains(log.String(), "camera setting not applied") {
		t.Errorf("warning not logged:\n%s", log)
	}

	// Strict: the same settings refuse to open, and the device is closed.
	d = vividDevice()
	_, err := testSystem(d).openV4L2(context.Background(), d.path, Options{HFlip: true, ISO: 400, Strict: true}, nil)
	if err == nil || !strings.Contains(err.Error(), "strict mode") || !strings.Contains(err.Error(), "iso=400") {
		t.Errorf("strict: %v", err)
	}
	if !d.closed {
		t.Error("strict failure left the device open")
	}

	// A write the driver refuses is a warning naming the option.
	d = vividDevice()
	d.failSet = map[v4l2.CtrlID]error{v4l2.CtrlHFlip: errors.New("EIO")}
	c, _ = openFake(t, d, Options{HFlip: true})
	if w := c.Info().Warnings; len(w) != 1 || !strings.Contains(w[0], "hflip: setting horizontal_flip to 1 failed: EIO") {
		t.Errorf("warnings %q", w)
	}
}

func TestControlsByName(t *testing.T) {
	d := piCameraDevice()
	c, _ := openFake(t, d, Options{ISO: 200})
	ctrls, err := c.Controls()
	if err != nil {
		t.Fatal(err)
	}
	var iso Control
	for _, ct := range ctrls {
		if ct.Name == "iso_sensitivity" {
			iso = ct
		}
	}
	if iso.Type != "intmenu" || iso.Value != 2 || len(iso.Menu) != 5 || iso.Menu[2].Name != "200000" {
		t.Errorf("iso_sensitivity = %+v", iso)
	}
	if err := c.SetControl("brightness", 70); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.GetControl("Brightness"); v != 70 {
		t.Errorf("brightness read back %d", v)
	}
	if err := c.SetControl("brightness", 170); !errors.Is(err, v4l2.ErrInvalidValue) {
		t.Errorf("out of range: %v", err)
	}
	if _, err := c.GetControl("zoom"); !errors.Is(err, ErrNoControl) || !strings.Contains(err.Error(), "horizontal_flip") {
		t.Errorf("unknown control: %v", err)
	}
}
