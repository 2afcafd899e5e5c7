//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"errors"
	"unsafe"
)

// GetFrameInterval returns the time per frame of a queue (VIDIOC_G_PARM).
func (d *Device) GetFrameInterval(t BufType) (Fract, error) {
	p := rawStreamParm{Type: uint32(t)}
	if err := d.ioctlShared(vidiocGParm, unsafe.Pointer(&p)); err != nil {
		return Fract{}, err
	}
	tpf := p.common().TimePerFrame
	return Fract(tpf), nil
}

// SetFrameInterval sets the time per frame of a queue (VIDIOC_S_PARM) and
// returns the interval the driver chose. For an M2M encoder, set it on the
// OUTPUT queue: it tells the rate controller the input frame rate.
func (d *Device) SetFrameInterval(t BufType, interval Fract) (Fract, error) {
	if interval.Numerator == 0 || interval.Denominator == 0 {
		return Fract{}, d.errorf("VIDIOC_S_PARM", "frame interval %s: both parts must be non-zero", interval)
	}
	if err := d.acquire(); err != nil {
		return Fract{}, err
	}
	defer d.use.RUnlock()
	p := rawStreamParm{Type: uint32(t)}
	c := p.common()
	c.TimePerFrame = rawFract(interval)
	if err := d.ioctl(vidiocSParm, unsafe.Pointer(&p)); err != nil {
		return Fract{}, err
	}
	if c.Capability&capTimePerFrame == 0 {
		return Fract{}, &Error{Op: "VIDIOC_S_PARM", Path: d.path,
			Err: errors.New("the driver does not support setting the frame rate (no V4L2_CAP_TIMEPERFRAME)")}
	}
	return Fract{c.TimePerFrame.Numerator, c.TimePerFrame.Denominator}, nil
}

// rateQueue is the queue a frame rate applies to: the capture queue of a
// camera, the OUTPUT (raw input) queue of an M2M device.
func (d *Device) rateQueue() (BufType, error) {
	if d.cap.IsM2M() {
		if d.cap.IsMPlane() {
			return BufTypeVideoOutputMPlane, nil
		}
		return BufTypeVideoOutput, nil
	}
	t, err := d.cap.CaptureType()
	if err != nil {
		return 0, &Error{Op: "frame rate", Path: d.path, Err: err}
	}
	return t, nil
}

// SetFrameRate sets the frame rate in frames per second: on a camera's
// capture queue, or on an M2M device's OUTPUT queue. It returns the rate the
// driver chose, which may be rounded.
func (d *Device) SetFrameRate(fps uint32) (float64, error) {
	if fps == 0 {
		return 0, d.errorf("VIDIOC_S_PARM", "frame rate 0: must be at least 1")
	}
	t, err := d.rateQueue()
	if err != nil {
		return 0, err
	}
	got, err := d.SetFrameInterval(t, Fract{1, fps})
	if err != nil {
		return 0, err
	}
	return got.FPS(), nil
}

// GetFrameRate returns the current frame rate in frames per second of the
// camera's capture queue or the M2M device's OUTPUT queue.
func (d *Device) GetFrameRate() (float64, error) {
	t, err := d.rateQueue()
	if err != nil {
		return 0, err
	}
	f, err := d.GetFrameInterval(t)
	if err != nil {
		return 0, err
	}
	return f.FPS(), nil
}
