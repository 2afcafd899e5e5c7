package v4l2

import (
	"fmt"
	"strings"
	"time"
)

// maxPlanes is VIDEO_MAX_PLANES: the most planes a multi-planar format or
// buffer can have.
const maxPlanes = 8

// Capability is the result of VIDIOC_QUERYCAP.
type Capability struct {
	Driver  string // kernel driver, e.g. "bm2835 mmal", "bcm2835-codec", "uvcvideo", "vivid"
	Card    string // device name, e.g. "mmal service 16.1", "bcm2835-codec-encode"
	BusInfo string // e.g. "platform:bcm2835-v4l2-0", "usb-0000:01:00.0-1.2"
	Version uint32 // kernel version the driver was built for, KERNEL_VERSION(a,b,c)
	// Capabilities are the capabilities of the whole physical device;
	// DeviceCaps those of this node, which is what callers should test.
	Capabilities Cap
	DeviceCaps   Cap
}

// caps returns the capabilities of this device node: DeviceCaps when the
// driver fills it (every driver since Linux 3.3), else Capabilities.
func (c Capability) caps() Cap {
	if c.Capabilities&CapDeviceCaps != 0 {
		return c.DeviceCaps
	}
	return c.Capabilities
}

// Has reports whether this device node has all the given capability bits.
func (c Capability) Has(bits Cap) bool { return c.caps()&bits == bits }

// IsVideoCapture reports whether the node captures video, single- or
// multi-planar (a camera; not an M2M codec).
func (c Capability) IsVideoCapture() bool {
	return c.caps()&(CapVideoCapture|CapVideoCaptureMPlane) != 0
}

// IsVideoOutput reports whether the node accepts video output, single- or
// multi-planar.
func (c Capability) IsVideoOutput() bool {
	return c.caps()&(CapVideoOutput|CapVideoOutputMPlane) != 0
}

// IsM2M reports whether the node is a memory-to-memory device (a codec or
// converter with an OUTPUT queue in and a CAPTURE queue out).
func (c Capability) IsM2M() bool { return c.caps()&(CapVideoM2M|CapVideoM2MMPlane) != 0 }

// IsMPlane reports whether the node uses the multi-planar API, so its
// queues are the *MPlane buffer types (bcm2835-codec is multi-planar only).
func (c Capability) IsMPlane() bool {
	return c.caps()&(CapVideoCaptureMPlane|CapVideoOutputMPlane|CapVideoM2MMPlane) != 0
}

// Streaming reports whether the node supports streaming I/O (mmap/dmabuf
// buffers), which is all this package implements.
func (c Capability) Streaming() bool { return c.caps()&CapStreaming != 0 }

// VersionString formats Version as "6.12.61".
func (c Capability) VersionString() string {
	return fmt.Sprintf("%d.%d.%d", c.Version>>16, (c.Version>>8)&0xff, c.Version&0xff)
}

// CaptureType returns the queue type to capture from on a camera node:
// single-planar when offered (every Pi camera and UVC driver), else
// multi-planar. M2M nodes have capture queues too, but pair them with an
// output queue, so CaptureType refuses them.
func (c Capability) CaptureType() (BufType, error) {
	caps := c.caps()
	switch {
	case caps&(CapVideoM2M|CapVideoM2MMPlane) != 0:
		return 0, fmt.Errorf("v4l2: %s (%s) is a memory-to-memory device, not a camera", c.Card, c.Driver)
	case caps&CapVideoCapture != 0:
		return BufTypeVideoCapture, nil
	case caps&CapVideoCaptureMPlane != 0:
		return BufTypeVideoCaptureMPlane, nil
	}
	return 0, fmt.Errorf("v4l2: %s (%s) cannot capture video (capabilities 0x%08x)", c.Card, c.Driver, uint32(caps))
}

// String summarises the capability for logs.
func (c Capability) String() string {
	var kinds []string
	if c.IsVideoCapture() {
		kinds = append(kinds, "capture")
	}
	if c.IsVideoOutput() {
		kinds = append(kinds, "output")
	}
	if c.IsM2M() {
		kinds = append(kinds, "m2m")
	}
	if c.IsMPlane() {
		kinds = append(kinds, "mplane")
	}
	if c.Streaming() {
		kinds = append(kinds, "streaming")
	}
	return fmt.Sprintf("%s %q (%s, %s) [%s]", c.Driver, c.Card, c.BusInfo, c.VersionString(), strings.Join(kinds, " "))
}

// Fract is a fraction, used for frame intervals (seconds per frame).
type Fract struct {
	Numerator   uint32
	Denominator uint32
}

// Duration returns the fraction as a time.Duration (0 if the denominator is 0).
func (f Fract) Duration() time.Duration {
	if f.Denominator == 0 {
		return 0
	}
	return time.Duration(uint64(f.Numerator) * uint64(time.Second) / uint64(f.Denominator))
}

// FPS returns the frame rate for a frame interval (0 if the numerator is 0).
func (f Fract) FPS() float64 {
	if f.Numerator == 0 {
		return 0
	}
	return float64(f.Denominator) / float64(f.Numerator)
}

// String prints the interval as "1/30".
func (f Fract) String() string { return fmt.Sprintf("%d/%d", f.Numerator, f.Denominator) }

// FormatDesc is one entry of VIDIOC_ENUM_FMT.
type FormatDesc struct {
	Index       uint32
	Type        BufType
	Flags       FmtFlag
	Description string
	PixelFormat PixelFormat
}

// FrameSize is one entry of VIDIOC_ENUM_FRAMESIZES. For discrete sizes
// the Min and Max fields are equal and the steps are zero.
type FrameSize struct {
	Type                             FrameSizeType
	PixelFormat                      PixelFormat
	MinWidth, MaxWidth, StepWidth    uint32
	MinHeight, MaxHeight, StepHeight uint32
}

// FrameInterval is one entry of VIDIOC_ENUM_FRAMEINTERVALS. For discrete
// intervals Min and Max are equal and Step is zero.
type FrameInterval struct {
	Type           FrameSizeType
	Min, Max, Step Fract
}

// PlaneFormat is the layout of one plane of a multi-planar format.
type PlaneFormat struct {
	SizeImage    uint32
	BytesPerLine uint32
}

// PixFormat is an image format (struct v4l2_pix_format, or
// v4l2_pix_format_mplane for *MPlane queues). SetFormat returns the format
// the driver actually chose, which may differ from the request: always use
// the returned BytesPerLine (stride) and SizeImage.
type PixFormat struct {
	Width, Height uint32
	PixelFormat   PixelFormat
	Field         Field
	// BytesPerLine and SizeImage describe the first plane; for multi-planar
	// formats SizeImage is the sum over all planes and Planes has the detail.
	BytesPerLine uint32
	SizeImage    uint32
	Colorspace   uint32
	Flags        uint32
	YCbCrEnc     uint32
	Quantization uint32
	XferFunc     uint32
	// Planes is set for multi-planar queues only. In SetFormat it may be
	// left empty; BytesPerLine and SizeImage then describe plane 0 (the
	// encoder's CAPTURE_MPLANE buffer size, for example).
	Planes []PlaneFormat
}

// String summarises the format for logs: "1280x720 YUYV stride 2560 size 1843200".
func (f PixFormat) String() string {
	return fmt.Sprintf("%dx%d %s stride %d size %d", f.Width, f.Height, f.PixelFormat, f.BytesPerLine, f.SizeImage)
}
