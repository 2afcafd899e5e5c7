//go:build hil && linux && arm

package v4l2

import (
	"testing"
	"time"
)

// TestHILCaptureTime32 forces the 32-bit time_t struct v4l2_buffer that the
// package falls back to on kernels older than 5.6, and captures with it, so
// the fallback layout is proven against a real kernel (native
// VIDIOC_QBUF_TIME32 on a 32-bit kernel, the compat path on a 64-bit one).
func TestHILCaptureTime32(t *testing.T) {
	d := hilDevice(t, "PICAM_V4L2_DEVICE")
	d.bufTime32.Store(true)
	bt, err := d.Capability().CaptureType()
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.SetFormat(bt, PixFormat{Width: 640, Height: 480, PixelFormat: PixFmtYUYV})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.StartCapture(3)
	if err != nil {
		t.Fatalf("StartCapture with 32-bit time buffers: %v", err)
	}
	defer c.Stop()
	var last Frame
	for i := 0; i < 5; i++ {
		fr, err := c.ReadFrame(5 * time.Second)
		if err != nil {
			t.Fatalf("ReadFrame %d: %v", i, err)
		}
		if len(fr.Data) != int(f.SizeImage) || fr.Timestamp <= 0 || (i > 0 && fr.Sequence <= last.Sequence) {
			t.Errorf("frame %d: %d bytes (want %d), ts %v, seq %d after %d", i, len(fr.Data), f.SizeImage, fr.Timestamp, fr.Sequence, last.Sequence)
		}
		last = fr
	}
	if !d.bufTime32.Load() {
		t.Error("the device switched away from the forced time32 layout")
	}
}

// TestHILCaptureTime64Native checks that on kernels since 5.6 the package
// really uses the native 64-bit time layout and does not silently fall back.
func TestHILCaptureTime64Native(t *testing.T) {
	d := hilDevice(t, "PICAM_V4L2_DEVICE")
	if v := d.Capability().Version; v < 5<<16|6<<8 {
		t.Fatalf("kernel %s predates the time64 V4L2 ABI; this test needs 5.6 or later", d.Capability().VersionString())
	}
	c, err := d.StartCapture(2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if _, err := c.ReadFrame(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if d.bufTime32.Load() {
		t.Error("fell back to 32-bit time buffers on a kernel that has the time64 ioctls")
	}
}
