//go:build hil && linux

package camera

// Hardware-in-the-loop tests against a real V4L2 camera: vivid in the QEMU
// guest (test/hil), the legacy camera or a USB webcam on a Pi. They are
// built only with -tags hil and then always run: a missing camera is a
// failure, never a skip.
//
//	PICAM_V4L2_DEVICE=/dev/video0 go test -tags hil -run HIL -v ./hw/camera/
//
// They prove, through the real ioctls: the format negotiated and logged,
// hflip set by the PiGear option and read back (and reset by the next open
// without it), a picture adjustment scaled onto the driver's range, frames
// captured with fresh buffers, increasing Seq and plausible capture times,
// auto finding the camera, the listings, and Strict refusing a setting the
// camera lacks.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	picimage "github.com/picam-project/picam/image"
)

func hilCamera(t *testing.T) string {
	t.Helper()
	for _, env := range []string{"PICAM_V4L2_DEVICE", "PICAM_HIL_CAMERA"} {
		if p := os.Getenv(env); p != "" {
			return p
		}
	}
	t.Fatal("PICAM_V4L2_DEVICE is not set: the hil tests need a camera (e.g. modprobe vivid, then PICAM_V4L2_DEVICE=/dev/video0)")
	return ""
}

// tLog logs through t.Log, so what the camera chose is in the test output.
type tLog struct{ t *testing.T }

func (w tLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func hilLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tLog{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func hilOpen(t *testing.T, source string, opts Options) Camera {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Open(ctx, source, opts, hilLogger(t))
	if err != nil {
		t.Fatalf("Open(%s, %s): %v", source, opts, err)
	}
	return c
}

func TestHILCameraOptionsAndCapture(t *testing.T) {
	path := hilCamera(t)
	c := hilOpen(t, "v4l2:"+path, Options{Width: 640, Height: 480, Framerate: 15, HFlip: true, Brightness: IntPtr(60)})
	info := c.Info()
	t.Logf("opened: %s (fourcc %s)", info, info.FourCC)
	if info.Source != SourceV4L2 || info.Device != path || !info.Format.Known() || info.FourCC == "" ||
		info.Width <= 0 || info.Height <= 0 || info.Framerate <= 0 {
		t.Fatalf("implausible negotiation: %+v", info)
	}
	if len(info.Warnings) != 0 {
		t.Errorf("warnings for hflip and brightness: %q", info.Warnings)
	}

	// hflip: set through the option, read back through the driver.
	if v, err := c.GetControl("horizontal_flip"); err != nil || v != 1 {
		t.Errorf("horizontal_flip read back %d, %v; want 1", v, err)
	} else {
		t.Logf("hflip set and read back: horizontal_flip = %d", v)
	}
	// brightness 60 of picamera's 0..100, scaled onto the driver's range.
	ctrls, err := c.Controls()
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range ctrls {
		if ct.Name != "brightness" {
			continue
		}
		want := int64(60)
		if ct.Min != 0 || ct.Max != 100 {
			want = ct.Min + (ct.Max-ct.Min)*60/100
		}
		if d := ct.Value - want; d < -1 || d > 1 {
			t.Errorf("brightness %d on %d..%d, want about %d", ct.Value, ct.Min, ct.Max, want)
		}
		t.Logf("brightness 60 is %d on the driver's %d..%d", ct.Value, ct.Min, ct.Max)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var prev picimage.Frame
	for i := 0; i < 10; i++ {
		f, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if f.Width != info.Width || f.Height != info.Height || f.Format != info.Format {
			t.Errorf("frame %d: %dx%d %s, negotiated %dx%d %s", i, f.Width, f.Height, f.Format, info.Width, info.Height, info.Format)
		}
		if err := f.Validate(); err != nil {
			t.Errorf("frame %d: %v", i, err)
		}
		if age := time.Since(f.Captured); age < -time.Second || age > 10*time.Second {
			t.Errorf("frame %d captured %v ago", i, age)
		}
		if i > 0 {
			if f.Seq <= prev.Seq {
				t.Errorf("frame %d: seq %d after %d", i, f.Seq, prev.Seq)
			}
			if &f.Data[0] == &prev.Data[0] {
				t.Errorf("frame %d shares its buffer with the previous frame", i)
			}
		}
		if i == 9 {
			t.Logf("captured 10 frames: last seq %d, %d bytes, captured %v ago", f.Seq, len(f.Data), time.Since(f.Captured).Round(time.Millisecond))
		}
		prev = f
	}
	if len(bytes.Trim(prev.Data, "\x00")) == 0 {
		t.Error("the last frame is all zeros")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}

	// Controls keep their values between opens; an open without hflip must
	// undo it.
	c = hilOpen(t, "v4l2:"+path, Options{Width: 640, Height: 480})
	defer c.Close()
	if v, err := c.GetControl("horizontal_flip"); err != nil || v != 0 {
		t.Errorf("horizontal_flip after reopening without hflip: %d, %v; want 0", v, err)
	}
}

func TestHILAutoFindsCamera(t *testing.T) {
	path := hilCamera(t)
	c := hilOpen(t, "auto", Options{Width: 320, Height: 240})
	defer c.Close()
	if info := c.Info(); info.Source != SourceV4L2 || info.Device != path {
		t.Fatalf("auto opened %+v, want %s", info, path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Next(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestHILListings(t *testing.T) {
	path := hilCamera(t)
	var b bytes.Buffer
	if err := ListDevices(&b); err != nil {
		t.Fatal(err)
	}
	t.Logf("ListDevices:\n%s", &b)
	if !strings.Contains(b.String(), "camera: --source v4l2:"+path) || !strings.Contains(b.String(), "(picam format ") {
		t.Errorf("ListDevices does not show %s as a camera with its formats", path)
	}
	b.Reset()
	if err := ListControls(&b, path); err != nil {
		t.Fatal(err)
	}
	t.Logf("ListControls:\n%s", &b)
	if !strings.Contains(b.String(), "horizontal_flip") {
		t.Error("ListControls does not show horizontal_flip")
	}
}

func TestHILStrictRefusesMissingControl(t *testing.T) {
	path := hilCamera(t)
	c := hilOpen(t, "v4l2:"+path, Options{})
	ctrls, err := c.Controls()
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range ctrls {
		if ct.Name == "iso_sensitivity" {
			t.Logf("%s has an ISO control; the missing-control case needs a camera without one (vivid, UVC)", path)
			return
		}
	}
	_, err = Open(context.Background(), "v4l2:"+path, Options{ISO: 400, Strict: true}, hilLogger(t))
	if err == nil || !strings.Contains(err.Error(), "iso=400") {
		t.Errorf("strict open with iso on a camera without ISO: %v", err)
	}
	c = hilOpen(t, "v4l2:"+path, Options{ISO: 400})
	defer c.Close()
	if w := c.Info().Warnings; len(w) != 1 || !strings.Contains(w[0], "iso=400 ignored") {
		t.Errorf("warnings %q", w)
	}
}
