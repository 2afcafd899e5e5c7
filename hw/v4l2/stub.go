//go:build !(linux && (amd64 || arm64 || arm))

package v4l2

import (
	"context"
	"time"
)

// Device is an open V4L2 device node. On this platform V4L2 is not
// available: Open always fails with ErrUnsupported, and the methods exist
// only so that code using the package compiles.
type Device struct{}

// Open always fails with ErrUnsupported on this platform.
func Open(path string) (*Device, error) {
	return nil, &Error{Op: "open", Path: path, Err: ErrUnsupported}
}

// Path returns "".
func (d *Device) Path() string { return "" }

// Fd returns -1.
func (d *Device) Fd() int { return -1 }

// Capability returns the zero Capability.
func (d *Device) Capability() Capability { return Capability{} }

// Close does nothing.
func (d *Device) Close() error { return nil }

// EnumFormats fails with ErrUnsupported.
func (d *Device) EnumFormats(BufType) ([]FormatDesc, error) { return nil, ErrUnsupported }

// EnumFrameSizes fails with ErrUnsupported.
func (d *Device) EnumFrameSizes(PixelFormat) ([]FrameSize, error) { return nil, ErrUnsupported }

// EnumFrameIntervals fails with ErrUnsupported.
func (d *Device) EnumFrameIntervals(PixelFormat, uint32, uint32) ([]FrameInterval, error) {
	return nil, ErrUnsupported
}

// GetFormat fails with ErrUnsupported.
func (d *Device) GetFormat(BufType) (PixFormat, error) { return PixFormat{}, ErrUnsupported }

// SetFormat fails with ErrUnsupported.
func (d *Device) SetFormat(BufType, PixFormat) (PixFormat, error) { return PixFormat{}, ErrUnsupported }

// TryFormat fails with ErrUnsupported.
func (d *Device) TryFormat(BufType, PixFormat) (PixFormat, error) { return PixFormat{}, ErrUnsupported }

// GetFrameInterval fails with ErrUnsupported.
func (d *Device) GetFrameInterval(BufType) (Fract, error) { return Fract{}, ErrUnsupported }

// SetFrameInterval fails with ErrUnsupported.
func (d *Device) SetFrameInterval(BufType, Fract) (Fract, error) { return Fract{}, ErrUnsupported }

// SetFrameRate fails with ErrUnsupported.
func (d *Device) SetFrameRate(uint32) (float64, error) { return 0, ErrUnsupported }

// GetFrameRate fails with ErrUnsupported.
func (d *Device) GetFrameRate() (float64, error) { return 0, ErrUnsupported }

// QueryControls fails with ErrUnsupported.
func (d *Device) QueryControls() ([]ControlInfo, error) { return nil, ErrUnsupported }

// QueryControl fails with ErrUnsupported.
func (d *Device) QueryControl(CtrlID) (ControlInfo, error) { return ControlInfo{}, ErrUnsupported }

// GetControl fails with ErrUnsupported.
func (d *Device) GetControl(CtrlID) (int32, error) { return 0, ErrUnsupported }

// SetControl fails with ErrUnsupported.
func (d *Device) SetControl(CtrlID, int32) error { return ErrUnsupported }

// GetExtControls fails with ErrUnsupported.
func (d *Device) GetExtControls(CtrlClass, ...CtrlID) ([]ExtControl, error) {
	return nil, ErrUnsupported
}

// SetExtControls fails with ErrUnsupported.
func (d *Device) SetExtControls(CtrlClass, ...ExtControl) error { return ErrUnsupported }

// RequestBuffers fails with ErrUnsupported.
func (d *Device) RequestBuffers(BufType, int) (int, error) { return 0, ErrUnsupported }

// RequestDMABufBuffers fails with ErrUnsupported.
func (d *Device) RequestDMABufBuffers(BufType, int) (int, error) { return 0, ErrUnsupported }

// ReleaseBuffers fails with ErrUnsupported.
func (d *Device) ReleaseBuffers(BufType) error { return ErrUnsupported }

// Mapping fails with ErrUnsupported.
func (d *Device) Mapping(BufType, int) ([][]byte, error) { return nil, ErrUnsupported }

// Queue fails with ErrUnsupported.
func (d *Device) Queue(Buffer) error { return ErrUnsupported }

// Dequeue fails with ErrUnsupported.
func (d *Device) Dequeue(context.Context, BufType) (Buffer, error) { return Buffer{}, ErrUnsupported }

// StreamOn fails with ErrUnsupported.
func (d *Device) StreamOn(BufType) error { return ErrUnsupported }

// StreamOff fails with ErrUnsupported.
func (d *Device) StreamOff(BufType) error { return ErrUnsupported }

// ExportBuffer fails with ErrUnsupported.
func (d *Device) ExportBuffer(BufType, int, int, int) (int, error) { return -1, ErrUnsupported }

// EncoderCommand fails with ErrUnsupported.
func (d *Device) EncoderCommand(EncoderCmd, uint32) error { return ErrUnsupported }

// StartCapture fails with ErrUnsupported.
func (d *Device) StartCapture(int) (*Capture, error) { return nil, ErrUnsupported }

// Capture is a running capture stream; it cannot exist on this platform.
type Capture struct{}

// BufType returns 0.
func (c *Capture) BufType() BufType { return 0 }

// Buffers returns 0.
func (c *Capture) Buffers() int { return 0 }

// ReadFrame fails with ErrUnsupported.
func (c *Capture) ReadFrame(time.Duration) (Frame, error) { return Frame{}, ErrUnsupported }

// ReadFrameContext fails with ErrUnsupported.
func (c *Capture) ReadFrameContext(context.Context) (Frame, error) { return Frame{}, ErrUnsupported }

// Stop does nothing.
func (c *Capture) Stop() error { return nil }

// DMABufSync fails with ErrUnsupported.
func DMABufSync(int, uint64) error { return ErrUnsupported }
