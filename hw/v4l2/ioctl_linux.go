//go:build linux && (amd64 || arm64 || arm)

package v4l2

import "unsafe"

// ioctl request numbers are built like the kernel's _IOR/_IOW/_IOWR macros
// (asm-generic/ioctl.h, used by x86, arm and arm64): direction in bits
// 30-31, argument size in bits 16-29, type letter in bits 8-15, number in
// bits 0-7. The size comes from unsafe.Sizeof of the Go mirror, so a layout
// mistake shows up as a wrong ioctl number in the golden test rather than as
// silent memory corruption at run time.
const (
	iocWrite     = 1
	iocRead      = 2
	iocSizeShift = 16
	iocDirShift  = 30
	iocSizeMask  = 1<<14 - 1

	iorV  = iocRead<<iocDirShift | 'V'<<8
	iowV  = iocWrite<<iocDirShift | 'V'<<8
	iowrV = (iocRead|iocWrite)<<iocDirShift | 'V'<<8
	iowB  = iocWrite<<iocDirShift | 'b'<<8
)

// Argument sizes, shifted into place.
const (
	szCapability   = uint32(unsafe.Sizeof(rawCapability{})) << iocSizeShift
	szFmtDesc      = uint32(unsafe.Sizeof(rawFmtDesc{})) << iocSizeShift
	szFormat       = uint32(unsafe.Sizeof(rawFormat{})) << iocSizeShift
	szRequestBufs  = uint32(unsafe.Sizeof(rawRequestBuffers{})) << iocSizeShift
	szExportBuffer = uint32(unsafe.Sizeof(rawExportBuffer{})) << iocSizeShift
	szInt          = uint32(unsafe.Sizeof(int32(0))) << iocSizeShift
	szStreamParm   = uint32(unsafe.Sizeof(rawStreamParm{})) << iocSizeShift
	szControl      = uint32(unsafe.Sizeof(rawControl{})) << iocSizeShift
	szQueryCtrl    = uint32(unsafe.Sizeof(rawQueryCtrl{})) << iocSizeShift
	szQueryMenu    = uint32(unsafe.Sizeof(rawQueryMenu{})) << iocSizeShift
	szExtControls  = uint32(unsafe.Sizeof(rawExtControls{})) << iocSizeShift
	szFrmSizeEnum  = uint32(unsafe.Sizeof(rawFrmSizeEnum{})) << iocSizeShift
	szFrmIvalEnum  = uint32(unsafe.Sizeof(rawFrmIvalEnum{})) << iocSizeShift
	szEncoderCmd   = uint32(unsafe.Sizeof(rawEncoderCmd{})) << iocSizeShift
	szQueryExtCtrl = uint32(unsafe.Sizeof(rawQueryExtCtrl{})) << iocSizeShift
	szDMABufSync   = uint32(unsafe.Sizeof(rawDMABufSync{})) << iocSizeShift
	szBufferNative = uint32(unsafe.Sizeof(rawBuffer{})) << iocSizeShift
)

// V4L2 ioctl numbers, named as in linux/videodev2.h. The buffer ioctls
// (QUERYBUF, QBUF, DQBUF) use the native struct v4l2_buffer; on 32-bit ARM
// rawbuf_arm_linux.go adds the 32-bit-time variants.
const (
	vidiocQueryCap           = iorV | szCapability // nr 0
	vidiocEnumFmt            = iowrV | szFmtDesc | 2
	vidiocGFmt               = iowrV | szFormat | 4
	vidiocSFmt               = iowrV | szFormat | 5
	vidiocReqBufs            = iowrV | szRequestBufs | 8
	vidiocQueryBuf           = iowrV | szBufferNative | 9
	vidiocQBuf               = iowrV | szBufferNative | 15
	vidiocExpBuf             = iowrV | szExportBuffer | 16
	vidiocDQBuf              = iowrV | szBufferNative | 17
	vidiocStreamOn           = iowV | szInt | 18
	vidiocStreamOff          = iowV | szInt | 19
	vidiocGParm              = iowrV | szStreamParm | 21
	vidiocSParm              = iowrV | szStreamParm | 22
	vidiocGCtrl              = iowrV | szControl | 27
	vidiocSCtrl              = iowrV | szControl | 28
	vidiocQueryCtrl          = iowrV | szQueryCtrl | 36
	vidiocQueryMenu          = iowrV | szQueryMenu | 37
	vidiocTryFmt             = iowrV | szFormat | 64
	vidiocGExtCtrls          = iowrV | szExtControls | 71
	vidiocSExtCtrls          = iowrV | szExtControls | 72
	vidiocTryExtCtrls        = iowrV | szExtControls | 73
	vidiocEnumFrameSizes     = iowrV | szFrmSizeEnum | 74
	vidiocEnumFrameIntervals = iowrV | szFrmIvalEnum | 75
	vidiocEncoderCmd         = iowrV | szEncoderCmd | 77
	vidiocTryEncoderCmd      = iowrV | szEncoderCmd | 78
	vidiocQueryExtCtrl       = iowrV | szQueryExtCtrl | 103

	dmaBufIoctlSync = iowB | szDMABufSync // nr 0
)

// Compile-time check that every argument fits the 14-bit size field.
var _ [iocSizeMask - unsafe.Sizeof(rawQueryExtCtrl{})]struct{}

// ioctlName returns the kernel name of a request for error messages.
func ioctlName(req uint32) string {
	switch req {
	case vidiocQueryCap:
		return "VIDIOC_QUERYCAP"
	case vidiocEnumFmt:
		return "VIDIOC_ENUM_FMT"
	case vidiocGFmt:
		return "VIDIOC_G_FMT"
	case vidiocSFmt:
		return "VIDIOC_S_FMT"
	case vidiocReqBufs:
		return "VIDIOC_REQBUFS"
	case vidiocQueryBuf:
		return "VIDIOC_QUERYBUF"
	case vidiocQBuf:
		return "VIDIOC_QBUF"
	case vidiocExpBuf:
		return "VIDIOC_EXPBUF"
	case vidiocDQBuf:
		return "VIDIOC_DQBUF"
	case vidiocStreamOn:
		return "VIDIOC_STREAMON"
	case vidiocStreamOff:
		return "VIDIOC_STREAMOFF"
	case vidiocGParm:
		return "VIDIOC_G_PARM"
	case vidiocSParm:
		return "VIDIOC_S_PARM"
	case vidiocGCtrl:
		return "VIDIOC_G_CTRL"
	case vidiocSCtrl:
		return "VIDIOC_S_CTRL"
	case vidiocQueryCtrl:
		return "VIDIOC_QUERYCTRL"
	case vidiocQueryMenu:
		return "VIDIOC_QUERYMENU"
	case vidiocTryFmt:
		return "VIDIOC_TRY_FMT"
	case vidiocGExtCtrls:
		return "VIDIOC_G_EXT_CTRLS"
	case vidiocSExtCtrls:
		return "VIDIOC_S_EXT_CTRLS"
	case vidiocTryExtCtrls:
		return "VIDIOC_TRY_EXT_CTRLS"
	case vidiocEnumFrameSizes:
		return "VIDIOC_ENUM_FRAMESIZES"
	case vidiocEnumFrameIntervals:
		return "VIDIOC_ENUM_FRAMEINTERVALS"
	case vidiocEncoderCmd:
		return "VIDIOC_ENCODER_CMD"
	case vidiocTryEncoderCmd:
		return "VIDIOC_TRY_ENCODER_CMD"
	case vidiocQueryExtCtrl:
		return "VIDIOC_QUERY_EXT_CTRL"
	case dmaBufIoctlSync:
		return "DMA_BUF_IOCTL_SYNC"
	}
	return bufIoctlName(req)
}
