package v4l2

import (
	"context"
	"time"
)

// deviceAPI lists the methods of *Device. Both the Linux implementation and
// the stub for other platforms must satisfy it, so that code using this
// package compiles everywhere and the two cannot drift apart.
type deviceAPI interface {
	Path() string
	Fd() int
	Capability() Capability
	Close() error

	EnumFormats(t BufType) ([]FormatDesc, error)
	EnumFrameSizes(pf PixelFormat) ([]FrameSize, error)
	EnumFrameIntervals(pf PixelFormat, width, height uint32) ([]FrameInterval, error)
	GetFormat(t BufType) (PixFormat, error)
	SetFormat(t BufType, f PixFormat) (PixFormat, error)
	TryFormat(t BufType, f PixFormat) (PixFormat, error)
	GetFrameInterval(t BufType) (Fract, error)
	SetFrameInterval(t BufType, interval Fract) (Fract, error)
	SetFrameRate(fps uint32) (float64, error)
	GetFrameRate() (float64, error)

	QueryControls() ([]ControlInfo, error)
	QueryControl(id CtrlID) (ControlInfo, error)
	GetControl(id CtrlID) (int32, error)
	SetControl(id CtrlID, value int32) error
	GetExtControls(class CtrlClass, ids ...CtrlID) ([]ExtControl, error)
	SetExtControls(class CtrlClass, ctrls ...ExtControl) error

	RequestBuffers(t BufType, count int) (int, error)
	RequestDMABufBuffers(t BufType, count int) (int, error)
	ReleaseBuffers(t BufType) error
	Mapping(t BufType, index int) ([][]byte, error)
	Queue(b Buffer) error
	Dequeue(ctx context.Context, t BufType) (Buffer, error)
	StreamOn(t BufType) error
	StreamOff(t BufType) error
	ExportBuffer(t BufType, index, plane int, flags int) (int, error)
	EncoderCommand(cmd EncoderCmd, flags uint32) error

	StartCapture(count int) (*Capture, error)
}

// captureAPI lists the methods of *Capture, for the same reason.
type captureAPI interface {
	BufType() BufType
	Buffers() int
	ReadFrame(timeout time.Duration) (Frame, error)
	ReadFrameContext(ctx context.Context) (Frame, error)
	Stop() error
}

var (
	_ deviceAPI  = (*Device)(nil)
	_ captureAPI = (*Capture)(nil)
)

// Open, DMABufSync and the DMABufSync* flags are declared per platform too;
// the stub's signatures are checked by building for another GOOS
// (GOOS=darwin go vet ./hw/v4l2/).
