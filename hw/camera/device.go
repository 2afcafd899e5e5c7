package camera

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/picam-project/picam/hw/v4l2"
)

// device is the part of a V4L2 device the camera uses. *v4l2.Device
// implements it (through v4l2Device); tests use a fake, so negotiation,
// control mapping and capture are tested without hardware.
type device interface {
	Path() string
	Capability() v4l2.Capability
	EnumFormats(t v4l2.BufType) ([]v4l2.FormatDesc, error)
	EnumFrameSizes(pf v4l2.PixelFormat) ([]v4l2.FrameSize, error)
	EnumFrameIntervals(pf v4l2.PixelFormat, width, height uint32) ([]v4l2.FrameInterval, error)
	SetFormat(t v4l2.BufType, f v4l2.PixFormat) (v4l2.PixFormat, error)
	SetFrameInterval(t v4l2.BufType, interval v4l2.Fract) (v4l2.Fract, error)
	QueryControls() ([]v4l2.ControlInfo, error)
	GetControl(id v4l2.CtrlID) (int32, error)
	SetControl(id v4l2.CtrlID, value int32) error
	StartCapture(count int) (capture, error)
	Close() error
}

// capture is a running stream (*v4l2.Capture).
type capture interface {
	ReadFrameContext(ctx context.Context) (v4l2.Frame, error)
	Stop() error
}

// v4l2Device adapts *v4l2.Device to device.
type v4l2Device struct{ *v4l2.Device }

func (d v4l2Device) StartCapture(count int) (capture, error) {
	c, err := d.Device.StartCapture(count)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func openV4L2Device(path string) (device, error) {
	d, err := v4l2.Open(path)
	if err != nil {
		return nil, err
	}
	return v4l2Device{d}, nil
}

// system holds what the camera takes from the machine, so tests can
// replace it: device nodes, helper programs and the clocks.
type system struct {
	// glob lists device nodes (filepath.Glob).
	glob func(pattern string) ([]string, error)
	// openDevice opens a V4L2 node.
	openDevice func(path string) (device, error)
	// lookPath finds a helper program (exec.LookPath).
	lookPath func(file string) (string, error)
	// now is the wall clock; monotonic reads CLOCK_MONOTONIC, the clock
	// V4L2 stamps buffers with (0 where there is none).
	now       func() time.Time
	monotonic func() time.Duration
	// readFile reads small files (sysfs names of video nodes).
	readFile func(path string) ([]byte, error)
	// rpicamStart bounds the wait for rpicam-vid's first frame in Open
	// (0: rpicamStartTimeout).
	rpicamStart time.Duration
}

func defaultSystem() system {
	return system{
		glob:       filepath.Glob,
		openDevice: openV4L2Device,
		lookPath:   exec.LookPath,
		now:        time.Now,
		monotonic:  monotonicNow,
		readFile:   os.ReadFile,
	}
}
