//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/picam-project/picam/hw/v4l2"
)

// frameTimeout bounds the wait for one frame. vivid under TCG delivers its
// first frame in well under a second; the margin is for a loaded CI machine.
const frameTimeout = 10 * time.Second

// runCamera checks the camera path picam-server uses: capabilities, format
// negotiation, a control written and read back, and MMAP streaming.
func runCamera(ctx context.Context, r *reporter, args []string) error {
	fs := flag.NewFlagSet("camera", flag.ContinueOnError)
	dev := fs.String("device", "", "capture node (default: found by name, see find.go)")
	width := fs.Uint("width", 640, "frame width to ask for")
	height := fs.Uint("height", 480, "frame height to ask for")
	breakStep := fs.String("break", "", "deliberately break a step, to prove the host notices: hflip")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, path, err := openCamera(*dev)
	if err != nil {
		return err
	}
	defer d.Close()

	c := d.Capability()
	r.ok("v4l2.querycap", map[string]any{
		"device": path, "driver": c.Driver, "card": c.Card, "bus": c.BusInfo,
		"device_caps": fmt.Sprintf("%#x", uint32(c.DeviceCaps)), "capture": c.IsVideoCapture(),
		"m2m": c.IsM2M(), "streaming": c.Streaming(), "version": c.VersionString(),
	})
	capT, err := c.CaptureType()
	if err != nil {
		return fmt.Errorf("camera %s: %w", path, err)
	}

	f, err := d.SetFormat(capT, v4l2.PixFormat{Width: uint32(*width), Height: uint32(*height), PixelFormat: v4l2.PixFmtYUYV, Field: v4l2.FieldNone})
	if err != nil {
		r.fail("v4l2.format", err)
	} else {
		r.ok("v4l2.format", map[string]any{
			"width": f.Width, "height": f.Height, "fourcc": f.PixelFormat.String(),
			"stride": f.BytesPerLine, "sizeimage": f.SizeImage,
		})
	}

	checkHFlip(d, r, *breakStep == "hflip")

	start := time.Now()
	cp, err := d.StartCapture(4)
	if err != nil {
		r.fail("v4l2.capture", fmt.Errorf("starting MMAP capture on %s: %w", path, err))
		return nil
	}
	fr, err := cp.ReadFrame(frameTimeout)
	stopErr := cp.Stop()
	if err = errors.Join(err, stopErr); err != nil {
		r.fail("v4l2.capture", fmt.Errorf("reading one frame from %s: %w", path, err))
		return nil
	}
	r.ok("v4l2.capture", map[string]any{
		"memory": "mmap", "buffers": cp.Buffers(), "bytes": len(fr.Data), "sizeimage": f.SizeImage,
		"sequence": fr.Sequence, "timestamp_us": fr.Timestamp.Microseconds(), "nonzero": nonzero(fr.Data),
		"ms": time.Since(start).Milliseconds(),
	})
	return nil
}

// checkHFlip writes hflip=1 and reads it back; both values go to the host.
// With broken set, the probe claims to set 1 but writes 0: the host must
// catch the mismatch (that is how HIL_BREAK=hflip proves the check works).
func checkHFlip(d *v4l2.Device, r *reporter, broken bool) {
	// In QEMU the host fails a skip too: vivid has the control.
	if !r.hasControl(d, v4l2.CtrlHFlip, "v4l2.hflip", "the camera", "horizontal_flip control") {
		return
	}
	want, write := int32(1), int32(1)
	if broken {
		write = 0
	}
	got, ok := r.writeAndRead(d, v4l2.CtrlHFlip, "v4l2.hflip", write)
	if !ok {
		return
	}
	r.ok("v4l2.hflip", map[string]any{"set": want, "got": got, "broken": broken})
	if err := d.SetControl(v4l2.CtrlHFlip, 0); err != nil {
		r.log.Warn("could not reset hflip", "err", err)
	}
}

// nonzero reports whether a frame has any non-zero byte: a driver that maps
// buffers but never fills them would pass every size check.
func nonzero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return true
		}
	}
	return false
}

// writeAndRead sets control id to v and reads it back; an error fails step.
func (r *reporter) writeAndRead(d *v4l2.Device, id v4l2.CtrlID, step string, v int32) (int32, bool) {
	if err := d.SetControl(id, v); err != nil {
		r.fail(step, err)
		return 0, false
	}
	got, err := d.GetControl(id)
	if err != nil {
		r.fail(step, err)
		return 0, false
	}
	return got, true
}

// openCamera opens the capture node dev, or the one found by name when dev
// is empty, and returns it with its path.
func openCamera(dev string) (*v4l2.Device, string, error) {
	path, err := findCamera(dev)
	if err != nil {
		return nil, "", err
	}
	d, err := v4l2.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("opening camera %s: %w", path, err)
	}
	return d, path, nil
}

// hasControl queries control id on d. Only EINVAL means the driver has no
// such control, reported as a skip of step; any other error fails it.
func (r *reporter) hasControl(d *v4l2.Device, id v4l2.CtrlID, step, who, what string) bool {
	_, err := d.QueryControl(id)
	switch {
	case err == nil:
		return true
	case errors.Is(err, unix.EINVAL):
		r.skip(step, who+" has no "+what+": "+err.Error())
	default:
		r.fail(step, fmt.Errorf("querying the %s: %w", what, err))
	}
	return false
}

// grabFrame captures one YUYV frame for the encoder test.
func grabFrame(path string, width, height uint32) ([]byte, v4l2.PixFormat, error) {
	d, err := v4l2.Open(path)
	if err != nil {
		return nil, v4l2.PixFormat{}, fmt.Errorf("opening camera %s: %w", path, err)
	}
	defer d.Close()
	capT, err := d.Capability().CaptureType()
	if err != nil {
		return nil, v4l2.PixFormat{}, fmt.Errorf("camera %s: %w", path, err)
	}
	f, err := d.SetFormat(capT, v4l2.PixFormat{Width: width, Height: height, PixelFormat: v4l2.PixFmtYUYV, Field: v4l2.FieldNone})
	if err != nil {
		return nil, f, err
	}
	if f.PixelFormat != v4l2.PixFmtYUYV {
		return nil, f, fmt.Errorf("camera %s gave %s, the encoder test needs YUYV", path, f.PixelFormat)
	}
	cp, err := d.StartCapture(2)
	if err != nil {
		return nil, f, err
	}
	fr, err := cp.ReadFrame(frameTimeout)
	return fr.Data, f, errors.Join(err, cp.Stop())
}
