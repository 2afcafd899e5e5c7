package v4l2

import "fmt"

// BufType names a V4L2 buffer queue (enum v4l2_buf_type). A capture device
// has one queue; an M2M device such as an encoder has two, OUTPUT (raw
// frames in) and CAPTURE (bitstream out), so most calls take the queue type.
type BufType uint32

// Buffer queue types used by picam. The multi-planar (MPlane) types are the
// only ones bcm2835-codec offers.
const (
	BufTypeVideoCapture       BufType = 1
	BufTypeVideoOutput        BufType = 2
	BufTypeVideoOverlay       BufType = 3
	BufTypeVideoCaptureMPlane BufType = 9
	BufTypeVideoOutputMPlane  BufType = 10
	BufTypeMetaCapture        BufType = 13
)

// IsMPlane reports whether the queue uses the multi-planar API
// (struct v4l2_pix_format_mplane and v4l2_plane arrays).
func (t BufType) IsMPlane() bool {
	return t == BufTypeVideoCaptureMPlane || t == BufTypeVideoOutputMPlane
}

// IsOutput reports whether buffers on this queue flow from user space to
// the device (raw frames into an encoder). Poll waits for POLLOUT on these.
func (t BufType) IsOutput() bool {
	return t == BufTypeVideoOutput || t == BufTypeVideoOutputMPlane
}

// String returns the kernel's name for the queue type, for error messages.
func (t BufType) String() string { return enumName(bufTypeNames, t, "BufType(%d)") }

var bufTypeNames = map[BufType]string{
	BufTypeVideoCapture: "VIDEO_CAPTURE", BufTypeVideoOutput: "VIDEO_OUTPUT", BufTypeVideoOverlay: "VIDEO_OVERLAY",
	BufTypeVideoCaptureMPlane: "VIDEO_CAPTURE_MPLANE", BufTypeVideoOutputMPlane: "VIDEO_OUTPUT_MPLANE",
	BufTypeMetaCapture: "META_CAPTURE",
}

// Memory is how buffer memory is provided (enum v4l2_memory).
type Memory uint32

// Memory kinds. MMAP buffers are allocated by the driver and mapped into
// this process; DMABUF buffers are file descriptors exported by another
// device (zero-copy camera → encoder).
const (
	MemoryMMAP    Memory = 1
	MemoryUserPtr Memory = 2
	MemoryOverlay Memory = 3
	MemoryDMABuf  Memory = 4
)

// String returns the kernel's name for the memory kind.
func (m Memory) String() string { return enumName(memoryNames, m, "Memory(%d)") }

var memoryNames = map[Memory]string{MemoryMMAP: "MMAP", MemoryUserPtr: "USERPTR", MemoryOverlay: "OVERLAY", MemoryDMABuf: "DMABUF"}

// enumName is the name of v in names, or v formatted with unknown (one %d or %x verb).
func enumName[T ~uint32](names map[T]string, v T, unknown string) string {
	if s, ok := names[v]; ok {
		return s
	}
	return fmt.Sprintf(unknown, uint32(v))
}

// Cap is a set of V4L2_CAP_* capability bits from VIDIOC_QUERYCAP.
type Cap uint32

// Capability bits (V4L2_CAP_*).
const (
	CapVideoCapture       Cap = 0x00000001
	CapVideoOutput        Cap = 0x00000002
	CapVideoOverlay       Cap = 0x00000004
	CapVideoCaptureMPlane Cap = 0x00001000
	CapVideoOutputMPlane  Cap = 0x00002000
	CapVideoM2MMPlane     Cap = 0x00004000
	CapVideoM2M           Cap = 0x00008000
	CapExtPixFormat       Cap = 0x00200000
	CapMetaCapture        Cap = 0x00800000
	CapReadWrite          Cap = 0x01000000
	CapStreaming          Cap = 0x04000000
	CapIOMC               Cap = 0x20000000
	CapDeviceCaps         Cap = 0x80000000
)

// BufFlag is a set of V4L2_BUF_FLAG_* bits on a buffer.
type BufFlag uint32

// Buffer flags. KeyFrame marks H.264 IDR / intra frames from an encoder;
// Last marks the final buffer after an encoder STOP command (drain done);
// Error marks a buffer whose data may be corrupt.
const (
	BufFlagMapped             BufFlag = 0x00000001
	BufFlagQueued             BufFlag = 0x00000002
	BufFlagDone               BufFlag = 0x00000004
	BufFlagKeyFrame           BufFlag = 0x00000008
	BufFlagPFrame             BufFlag = 0x00000010
	BufFlagBFrame             BufFlag = 0x00000020
	BufFlagError              BufFlag = 0x00000040
	BufFlagTimecode           BufFlag = 0x00000100
	BufFlagPrepared           BufFlag = 0x00000400
	BufFlagTimestampMask      BufFlag = 0x0000e000
	BufFlagTimestampMonotonic BufFlag = 0x00002000
	BufFlagTimestampCopy      BufFlag = 0x00004000
	BufFlagLast               BufFlag = 0x00100000
)

// Field is the interlacing of a frame (enum v4l2_field). Cameras deliver
// progressive frames (FieldNone); FieldAny lets the driver choose in S_FMT.
type Field uint32

// Field values used by picam.
const (
	FieldAny  Field = 0
	FieldNone Field = 1
)

// FmtFlag is a set of V4L2_FMT_FLAG_* bits on an enumerated format.
type FmtFlag uint32

// Format flags. Compressed marks MJPEG/H.264 formats, Emulated formats
// converted by libv4l (never seen by this package, which bypasses libv4l).
const (
	FmtFlagCompressed FmtFlag = 0x0001
	FmtFlagEmulated   FmtFlag = 0x0002
)

// FrameSizeType says how a FrameSize or FrameInterval range is expressed
// (enum v4l2_frmsizetypes / v4l2_frmivaltypes share the values).
type FrameSizeType uint32

// Frame size/interval enumeration kinds.
const (
	FrameSizeDiscrete   FrameSizeType = 1
	FrameSizeContinuous FrameSizeType = 2
	FrameSizeStepwise   FrameSizeType = 3
)

// EncoderCmd is a VIDIOC_ENCODER_CMD command (V4L2_ENC_CMD_*).
type EncoderCmd uint32

// Encoder commands. Stop drains a stateful encoder: it finishes the queued
// frames and marks the last CAPTURE buffer with BufFlagLast.
const (
	EncoderCmdStart  EncoderCmd = 0
	EncoderCmdStop   EncoderCmd = 1
	EncoderCmdPause  EncoderCmd = 2
	EncoderCmdResume EncoderCmd = 3
)

// EncoderCmdStopAtGOPEnd is the flag for EncoderCmdStop that finishes the
// current group of pictures before stopping.
const EncoderCmdStopAtGOPEnd uint32 = 1

// Flags for DMABufSync (DMA_BUF_SYNC_* in linux/dma-buf.h).
const (
	DMABufSyncRead  = 1
	DMABufSyncWrite = 2
	DMABufSyncRW    = DMABufSyncRead | DMABufSyncWrite
	DMABufSyncStart = 0
	DMABufSyncEnd   = 4
)

// capTimePerFrame is V4L2_CAP_TIMEPERFRAME in struct v4l2_captureparm: the
// driver honours timeperframe.
const capTimePerFrame = 0x1000
