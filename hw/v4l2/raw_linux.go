//go:build linux && (amd64 || arm64 || arm)

package v4l2

import "unsafe"

// This file mirrors the layouts of the linux/videodev2.h structures that do
// not depend on the architecture beyond pointer size. struct v4l2_buffer,
// whose layout also depends on time_t, lives in rawbuf_*.go. Field names
// follow the kernel's; the golden test checks sizes and key offsets.

// rawCapability is struct v4l2_capability.
type rawCapability struct {
	Driver       [16]byte
	Card         [32]byte
	BusInfo      [32]byte
	Version      uint32
	Capabilities uint32
	DeviceCaps   uint32
	Reserved     [3]uint32
}

// rawFmtDesc is struct v4l2_fmtdesc.
type rawFmtDesc struct {
	Index       uint32
	Type        uint32
	Flags       uint32
	Description [32]byte
	PixelFormat uint32
	MbusCode    uint32
	Reserved    [3]uint32
}

// rawFrmSizeEnum is struct v4l2_frmsizeenum. Union holds either
// v4l2_frmsize_discrete {width, height} or v4l2_frmsize_stepwise
// {min_width, max_width, step_width, min_height, max_height, step_height}.
type rawFrmSizeEnum struct {
	Index       uint32
	PixelFormat uint32
	Type        uint32
	Union       [6]uint32
	Reserved    [2]uint32
}

// rawFrmIvalEnum is struct v4l2_frmivalenum. Union holds either a discrete
// v4l2_fract or v4l2_frmival_stepwise {min, max, step}.
type rawFrmIvalEnum struct {
	Index       uint32
	PixelFormat uint32
	Width       uint32
	Height      uint32
	Type        uint32
	Union       [6]uint32
	Reserved    [2]uint32
}

// rawPixFormat is struct v4l2_pix_format (single-planar).
type rawPixFormat struct {
	Width        uint32
	Height       uint32
	PixelFormat  uint32
	Field        uint32
	BytesPerLine uint32
	SizeImage    uint32
	Colorspace   uint32
	Priv         uint32
	Flags        uint32
	YCbCrEnc     uint32 // union with hsv_enc
	Quantization uint32
	XferFunc     uint32
}

// rawPlanePixFormat is struct v4l2_plane_pix_format (packed, 20 bytes).
type rawPlanePixFormat struct {
	SizeImage    uint32
	BytesPerLine uint32
	Reserved     [6]uint16
}

// rawPixFormatMPlane is struct v4l2_pix_format_mplane (packed, 192 bytes).
type rawPixFormatMPlane struct {
	Width        uint32
	Height       uint32
	PixelFormat  uint32
	Field        uint32
	Colorspace   uint32
	PlaneFmt     [maxPlanes]rawPlanePixFormat
	NumPlanes    uint8
	Flags        uint8
	YCbCrEnc     uint8 // union with hsv_enc
	Quantization uint8
	XferFunc     uint8
	Reserved     [7]uint8
}

// rawFormat is struct v4l2_format. The fmt union contains struct
// v4l2_window, which holds pointers, so the union is pointer-aligned: it
// starts at offset 8 on 64-bit and 4 on 32-bit (208 vs 204 bytes in all).
// The zero-length uintptr array gives the Go struct that alignment.
type rawFormat struct {
	Type uint32
	Fmt  struct {
		_   [0]uintptr
		Raw [200]byte
	}
}

// pix returns the single-planar view of the format union.
func (f *rawFormat) pix() *rawPixFormat { return (*rawPixFormat)(unsafe.Pointer(&f.Fmt.Raw[0])) }

// pixMP returns the multi-planar view of the format union.
func (f *rawFormat) pixMP() *rawPixFormatMPlane {
	return (*rawPixFormatMPlane)(unsafe.Pointer(&f.Fmt.Raw[0]))
}

// rawFract is struct v4l2_fract.
type rawFract struct {
	Numerator   uint32
	Denominator uint32
}

// rawStreamParmCommon is the common prefix of struct v4l2_captureparm and
// v4l2_outputparm (40 bytes each): capability, capture/output mode,
// timeperframe, extended mode, read/write buffers.
type rawStreamParmCommon struct {
	Capability   uint32
	Mode         uint32
	TimePerFrame rawFract
	ExtendedMode uint32
	Buffers      uint32
	Reserved     [4]uint32
}

// rawStreamParm is struct v4l2_streamparm; the union has no pointers, so
// it is 204 bytes everywhere.
type rawStreamParm struct {
	Type uint32
	Parm [200]byte
}

// common returns the capture/output parameter view of the union.
func (p *rawStreamParm) common() *rawStreamParmCommon {
	return (*rawStreamParmCommon)(unsafe.Pointer(&p.Parm[0]))
}

// rawRequestBuffers is struct v4l2_requestbuffers.
type rawRequestBuffers struct {
	Count        uint32
	Type         uint32
	Memory       uint32
	Capabilities uint32
	Flags        uint8
	Reserved     [3]uint8
}

// rawTimecode is struct v4l2_timecode.
type rawTimecode struct {
	Type     uint32
	Flags    uint32
	Frames   uint8
	Seconds  uint8
	Minutes  uint8
	Hours    uint8
	UserBits [4]uint8
}

// rawPlane is struct v4l2_plane. M is the union {mem_offset, userptr, fd},
// sized like unsigned long (8 bytes on 64-bit, 4 on 32-bit).
type rawPlane struct {
	BytesUsed  uint32
	Length     uint32
	M          uintptr
	DataOffset uint32
	Reserved   [11]uint32
}

// rawExportBuffer is struct v4l2_exportbuffer.
type rawExportBuffer struct {
	Type     uint32
	Index    uint32
	Plane    uint32
	Flags    uint32
	FD       int32
	Reserved [11]uint32
}

// rawEncoderCmd is struct v4l2_encoder_cmd.
type rawEncoderCmd struct {
	Cmd   uint32
	Flags uint32
	Data  [8]uint32
}

// rawQueryCtrl is struct v4l2_queryctrl.
type rawQueryCtrl struct {
	ID           uint32
	Type         uint32
	Name         [32]byte
	Minimum      int32
	Maximum      int32
	Step         int32
	DefaultValue int32
	Flags        uint32
	Reserved     [2]uint32
}

// rawQueryExtCtrl is struct v4l2_query_ext_ctrl. Its 64-bit fields start at
// offset 40, which is 8-aligned, so no padding is needed on 32-bit ARM.
type rawQueryExtCtrl struct {
	ID           uint32
	Type         uint32
	Name         [32]byte
	Minimum      int64
	Maximum      int64
	Step         uint64
	DefaultValue int64
	Flags        uint32
	ElemSize     uint32
	Elems        uint32
	NrOfDims     uint32
	Dims         [4]uint32
	Reserved     [32]uint32
}

// rawQueryMenu is struct v4l2_querymenu (packed, 44 bytes). Name is the
// union {name[32], s64 value}: integer menus store a little-endian int64
// in its first 8 bytes.
type rawQueryMenu struct {
	ID       uint32
	Index    uint32
	Name     [32]byte
	Reserved uint32
}

// rawControl is struct v4l2_control.
type rawControl struct {
	ID    uint32
	Value int32
}

// rawExtControl is struct v4l2_ext_control (packed, 20 bytes). Value is the
// union {s32 value, s64 value64, pointers…} as two little-endian words, so
// that the Go struct keeps the packed 4-byte alignment and 20-byte stride.
type rawExtControl struct {
	ID        uint32
	Size      uint32
	Reserved2 uint32
	Value     [2]uint32
}

// rawExtControls is struct v4l2_ext_controls; Controls points to an array
// of rawExtControl (32 bytes on 64-bit, 24 on 32-bit).
type rawExtControls struct {
	Which     uint32 // union with ctrl_class
	Count     uint32
	ErrorIdx  uint32
	RequestFD int32
	Reserved  uint32
	Controls  uintptr
}

// rawDMABufSync is struct dma_buf_sync from linux/dma-buf.h.
type rawDMABufSync struct {
	Flags uint64
}
