package camera

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// Nodes a Pi with the legacy camera, a UVC webcam and bcm2835-codec has.
func codecNode(path, card string) *fakeDevice {
	c := v4l2.CapVideoM2MMPlane | v4l2.CapStreaming
	caps := v4l2.Capability{Driver: "bcm2835-codec", Card: card, Capabilities: c | v4l2.CapDeviceCaps, DeviceCaps: c}
	return newFakeDevice(path, caps, v4l2.PixFmtH264)
}

func metadataNode(path string) *fakeDevice {
	c := v4l2.CapMetaCapture | v4l2.CapStreaming
	caps := v4l2.Capability{Driver: "uvcvideo", Card: "HD Webcam", Capabilities: c | v4l2.CapVideoCapture | v4l2.CapDeviceCaps, DeviceCaps: c}
	return newFakeDevice(path, caps)
}

func TestAutoPicksFirstCamera(t *testing.T) {
	cam := vividDevice()
	cam.path = "/dev/video3"
	// Globbing returns video10 before video3; the scan orders numerically
	// and skips what is not a camera.
	sys := testSystem(codecNode("/dev/video10", "bcm2835-codec-decode"), codecNode("/dev/video11", "bcm2835-codec-encode"),
		metadataNode("/dev/video1"), cam)
	log, buf := testLogger(t)
	c, err := sys.open(context.Background(), "auto", Options{HFlip: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if info := c.Info(); info.Source != SourceV4L2 || info.Device != "/dev/video3" {
		t.Errorf("auto opened %+v", info)
	}
	if cam.values[v4l2.CtrlHFlip] != 1 {
		t.Error("options not applied to the camera auto found")
	}
	cam.push(v4l2.Frame{Data: make([]byte, 640*480*2), Sequence: 1})
	if f, err := c.Next(context.Background()); err != nil || f.Width != 640 {
		t.Errorf("frame from the camera auto found: %dx%d, %v", f.Width, f.Height, err)
	}
	for _, want := range []string{"camera found", "device=/dev/video3"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf)
		}
	}
}

func TestAutoFallsBackToTestPattern(t *testing.T) {
	for name, sys := range map[string]system{
		"no nodes":       testSystem(),
		"only codecs":    testSystem(codecNode("/dev/video10", "bcm2835-codec-decode"), metadataNode("/dev/video1")),
		"libcamera only": testSystem(newFakeDevice("/dev/video0", cameraCaps("unicam", "unicam"), v4l2.FourCC("pRAA"))),
	} {
		log, buf := testLogger(t)
		c, err := sys.open(context.Background(), "", Options{Width: 320, Height: 240, Framerate: 0}, log)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		info := c.Info()
		if info.Source != SourceTestsrc || info.Width != 320 || info.Format != picimage.BGR24 {
			t.Errorf("%s: %+v", name, info)
		}
		f, err := c.Next(context.Background())
		if err != nil || f.Width != 320 || len(f.Data) != 320*240*3 || !f.Keyframe {
			t.Errorf("%s: test frame %dx%d %d bytes, %v", name, f.Width, f.Height, len(f.Data), err)
		}
		if !strings.Contains(buf.String(), "no camera found; using the test pattern") {
			t.Errorf("%s: log lacks the fallback line:\n%s", name, buf)
		}
		if name == "libcamera only" && !strings.Contains(buf.String(), "rpicam-vid is not installed") {
			t.Errorf("%s: log does not say rpicam-vid is missing:\n%s", name, buf)
		}
		if err := c.Close(); err != nil {
			t.Error(err)
		}
		if _, err := c.Next(context.Background()); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Next after Close: %v", name, err)
		}
	}
}

func TestAutoSkipsCameraThatFailsToOpen(t *testing.T) {
	// The node lists YUYV but sets something else: it passes the scan and
	// fails to open.
	broken := newFakeDevice("/dev/video0", cameraCaps("uvcvideo", "Broken Cam"), v4l2.PixFmtYUYV)
	broken.adjust = func(f v4l2.PixFormat) v4l2.PixFormat { f.PixelFormat = v4l2.FourCC("pRAA"); return f }
	good := vividDevice()
	good.path = "/dev/video2"
	log, buf := testLogger(t)
	c, err := testSystem(broken, good).open(context.Background(), "auto", Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Info().Device != "/dev/video2" {
		t.Errorf("opened %s", c.Info().Device)
	}
	if !strings.Contains(buf.String(), "could not be opened; looking further") || broken.opens != 2 || broken.closes != 2 {
		t.Errorf("broken camera: opened %d times, closed %d; log:\n%s", broken.opens, broken.closes, buf)
	}
}

func TestOpenValidatesBeforeTouchingDevices(t *testing.T) {
	opened := false
	sys := testSystem(vividDevice())
	inner := sys.openDevice
	sys.openDevice = func(p string) (device, error) { opened = true; return inner(p) }
	for _, src := range []string{"auto", "v4l2:/dev/video2", "rpicam", "testsrc"} {
		_, err := sys.open(context.Background(), src, Options{ISO: 123}, nil)
		if !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), "iso 123 is not valid") {
			t.Errorf("%s: %v", src, err)
		}
	}
	if opened {
		t.Error("a device was opened despite invalid options")
	}
	if _, err := sys.open(context.Background(), "webcam", Options{}, nil); err == nil {
		t.Error("unknown source accepted")
	}
}

func TestTestsrcCamera(t *testing.T) {
	c, err := testSystem().open(context.Background(), "testsrc", Options{Width: 64, Height: 48, HFlip: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		f, err := c.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if f.Seq != uint64(i) || f.Format != picimage.BGR24 {
			t.Errorf("frame %d: seq %d %s", i, f.Seq, f.Format)
		}
		if n, ok := picimage.ReadCounter(f.Data, 64, 48); ok && n != uint64(i) {
			t.Errorf("frame %d has counter %d", i, n)
		}
	}
	if ctrls, err := c.Controls(); err != nil || len(ctrls) != 0 {
		t.Errorf("Controls = %v, %v", ctrls, err)
	}
	if err := c.SetControl("horizontal_flip", 1); !errors.Is(err, ErrNotSupported) {
		t.Errorf("SetControl: %v", err)
	}
	if _, err := testSystem().open(context.Background(), "testsrc", Options{Width: 63, Height: 48}, nil); err == nil {
		t.Error("odd test pattern width accepted")
	}
}
