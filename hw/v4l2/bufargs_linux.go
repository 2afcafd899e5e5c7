//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"time"
	"unsafe"
)

// bufArgs is an architecture-neutral copy of struct v4l2_buffer. The
// per-architecture files convert it to and from the kernel layout, which on
// 32-bit ARM comes in two variants (64-bit and 32-bit time_t).
type bufArgs struct {
	index     uint32
	typ       uint32
	bytesUsed uint32
	flags     uint32
	field     uint32
	sec       int64
	usec      int64
	sequence  uint32
	memory    uint32
	m         uintptr // offset, fd or the address of a rawPlane array
	length    uint32  // bytes (single-planar) or number of planes (multi-planar)
	requestFD int32
}

// rawBufferHead is the start of struct v4l2_buffer, up to the timestamp:
// the same on every architecture.
type rawBufferHead struct {
	Index     uint32
	Type      uint32
	BytesUsed uint32
	Flags     uint32
	Field     uint32
}

// rawBufferTail is the rest of struct v4l2_buffer after the timestamp: the
// same fields everywhere, with M sized like unsigned long. Each layout embeds
// it where the kernel's timestamp ends (an offset aligned for it), so its
// fields sit where the flat C struct has them.
type rawBufferTail struct {
	Timecode  rawTimecode
	Sequence  uint32
	Memory    uint32
	M         uintptr // union {offset, userptr, planes, fd}
	Length    uint32
	Reserved2 uint32
	RequestFD int32
}

// head and tail are a's fields in the kernel's order, for any layout.
func (a *bufArgs) head() rawBufferHead {
	return rawBufferHead{Index: a.index, Type: a.typ, BytesUsed: a.bytesUsed, Flags: a.flags, Field: a.field}
}

func (a *bufArgs) tail() rawBufferTail {
	return rawBufferTail{Sequence: a.sequence, Memory: a.memory, M: a.m, Length: a.length, RequestFD: a.requestFD}
}

// set stores what the kernel returned in any layout back into a.
func (a *bufArgs) set(h rawBufferHead, sec, usec int64, t rawBufferTail) {
	*a = bufArgs{
		index: h.Index, typ: h.Type, bytesUsed: h.BytesUsed, flags: h.Flags, field: h.Field,
		sec: sec, usec: usec,
		sequence: t.Sequence, memory: t.Memory, m: t.M, length: t.Length, requestFD: t.RequestFD,
	}
}

// rawBufferLayout is a pointer to one architecture's struct v4l2_buffer.
type rawBufferLayout[R any] interface {
	*R
	load(a *bufArgs)  // fill the struct from a
	store(a *bufArgs) // copy the struct back into a
}

// bufferIoctlAs runs a buffer ioctl with a in layout R.
func bufferIoctlAs[R any, P rawBufferLayout[R]](d *Device, req uint32, a *bufArgs) error {
	var r R
	P(&r).load(a)
	if err := d.ioctl(req, unsafe.Pointer(&r)); err != nil {
		return err
	}
	P(&r).store(a)
	return nil
}

// nativeBufReq are the buffer ioctls for the native layout, by bufOp.
var nativeBufReq = [...]uint32{bufOpQuery: vidiocQueryBuf, bufOpQueue: vidiocQBuf, bufOpDequeue: vidiocDQBuf}

// bufOp selects one of the ioctls that take a struct v4l2_buffer.
type bufOp int

const (
	bufOpQuery   bufOp = iota // VIDIOC_QUERYBUF
	bufOpQueue                // VIDIOC_QBUF
	bufOpDequeue              // VIDIOC_DQBUF
)

// timestamp converts the kernel timeval to a Duration.
func (a *bufArgs) timestamp() time.Duration {
	return time.Duration(a.sec)*time.Second + time.Duration(a.usec)*time.Microsecond
}

// setTimestamp stores a Duration as a timeval (microsecond resolution).
func (a *bufArgs) setTimestamp(d time.Duration) {
	if d < 0 {
		d = 0
	}
	a.sec = int64(d / time.Second)
	a.usec = int64(d%time.Second) / int64(time.Microsecond)
}
