//go:build linux && arm

package v4l2

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawBuffer is struct v4l2_buffer for 32-bit user space with a 64-bit
// time_t (80 bytes). This is the kernel's native layout on 32-bit ARM
// since Linux 5.6. The ARM EABI aligns the 64-bit timeval fields to 8
// bytes while Go aligns int64 to 4 on arm, so the padding is explicit.
type rawBuffer struct {
	Index         uint32
	Type          uint32
	BytesUsed     uint32
	Flags         uint32
	Field         uint32
	_             uint32 // EABI padding before the 8-aligned timeval
	TimestampSec  int64
	TimestampUsec int64
	Timecode      rawTimecode
	Sequence      uint32
	Memory        uint32
	M             uintptr // union {offset, userptr, planes, fd}
	Length        uint32
	Reserved2     uint32
	RequestFD     int32 // ends at 80, already a multiple of 8: no tail padding
}

// rawBufferTime32 is struct v4l2_buffer with a 32-bit time_t (68 bytes):
// what C code built without _TIME_BITS=64 uses (Debian 12 armhf) and what
// kernels before 5.6 only understand. Kernels since 5.6 accept it as
// VIDIOC_*_TIME32 when built with CONFIG_COMPAT_32BIT_TIME (the default).
type rawBufferTime32 struct {
	Index         uint32
	Type          uint32
	BytesUsed     uint32
	Flags         uint32
	Field         uint32
	TimestampSec  int32
	TimestampUsec int32
	Timecode      rawTimecode
	Sequence      uint32
	Memory        uint32
	M             uintptr
	Length        uint32
	Reserved2     uint32
	RequestFD     int32
}

// Compile-time layout checks (a mismatch is a constant overflow), so that
// even a plain GOARCH=arm build catches a broken mirror; the golden test
// checks the offsets too.
const (
	_ uintptr = unsafe.Sizeof(rawBuffer{}) - 80
	_ uintptr = 80 - unsafe.Sizeof(rawBuffer{})
	_ uintptr = unsafe.Sizeof(rawBufferTime32{}) - 68
	_ uintptr = 68 - unsafe.Sizeof(rawBufferTime32{})
	_ uintptr = unsafe.Offsetof(rawBuffer{}.TimestampSec) - 24
	_ uintptr = 24 - unsafe.Offsetof(rawBuffer{}.TimestampSec)
)

// The 32-bit-time variants of the buffer ioctls.
const (
	szBufferTime32       = uint32(unsafe.Sizeof(rawBufferTime32{})) << iocSizeShift
	vidiocQueryBufTime32 = iowrV | szBufferTime32 | 9
	vidiocQBufTime32     = iowrV | szBufferTime32 | 15
	vidiocDQBufTime32    = iowrV | szBufferTime32 | 17
)

// bufIoctlName names the 32-bit-time buffer ioctls.
func bufIoctlName(req uint32) string {
	switch req {
	case vidiocQueryBufTime32:
		return "VIDIOC_QUERYBUF_TIME32"
	case vidiocQBufTime32:
		return "VIDIOC_QBUF_TIME32"
	case vidiocDQBufTime32:
		return "VIDIOC_DQBUF_TIME32"
	}
	return "ioctl"
}

// bufferIoctl runs QUERYBUF, QBUF or DQBUF. It uses the 64-bit time layout
// unless the kernel has rejected it with ENOTTY before (Linux < 5.6), in
// which case this Device uses the 32-bit layout from then on.
func (d *Device) bufferIoctl(op bufOp, a *bufArgs) error {
	if !d.bufTime32.Load() {
		err := d.bufferIoctlTime64(op, a)
		if !errors.Is(err, unix.ENOTTY) {
			return err
		}
		d.bufTime32.Store(true)
	}
	return d.bufferIoctlTime32(op, a)
}

// bufferIoctlTime64 uses the native 64-bit-time struct v4l2_buffer.
func (d *Device) bufferIoctlTime64(op bufOp, a *bufArgs) error {
	req := [...]uint32{bufOpQuery: vidiocQueryBuf, bufOpQueue: vidiocQBuf, bufOpDequeue: vidiocDQBuf}[op]
	r := toRawBuffer(a)
	if err := d.ioctl(req, unsafe.Pointer(&r)); err != nil {
		return err
	}
	fromRawBuffer(a, &r)
	return nil
}

// bufferIoctlTime32 uses the 32-bit-time struct v4l2_buffer.
func (d *Device) bufferIoctlTime32(op bufOp, a *bufArgs) error {
	req := [...]uint32{bufOpQuery: vidiocQueryBufTime32, bufOpQueue: vidiocQBufTime32, bufOpDequeue: vidiocDQBufTime32}[op]
	r := toRawBufferTime32(a)
	if err := d.ioctl(req, unsafe.Pointer(&r)); err != nil {
		return err
	}
	fromRawBufferTime32(a, &r)
	return nil
}

func toRawBuffer(a *bufArgs) rawBuffer {
	return rawBuffer{
		Index: a.index, Type: a.typ, BytesUsed: a.bytesUsed, Flags: a.flags, Field: a.field,
		TimestampSec: a.sec, TimestampUsec: a.usec,
		Sequence: a.sequence, Memory: a.memory, M: a.m, Length: a.length, RequestFD: a.requestFD,
	}
}

func fromRawBuffer(a *bufArgs, r *rawBuffer) {
	*a = bufArgs{
		index: r.Index, typ: r.Type, bytesUsed: r.BytesUsed, flags: r.Flags, field: r.Field,
		sec: r.TimestampSec, usec: r.TimestampUsec,
		sequence: r.Sequence, memory: r.Memory, m: r.M, length: r.Length, requestFD: r.RequestFD,
	}
}

// toRawBufferTime32 truncates the timestamp to 32 bits. V4L2 timestamps are
// CLOCK_MONOTONIC (time since boot), so this only matters after 68 years of
// uptime, or for user-chosen OUTPUT timestamps beyond that.
func toRawBufferTime32(a *bufArgs) rawBufferTime32 {
	return rawBufferTime32{
		Index: a.index, Type: a.typ, BytesUsed: a.bytesUsed, Flags: a.flags, Field: a.field,
		TimestampSec: int32(a.sec), TimestampUsec: int32(a.usec),
		Sequence: a.sequence, Memory: a.memory, M: a.m, Length: a.length, RequestFD: a.requestFD,
	}
}

func fromRawBufferTime32(a *bufArgs, r *rawBufferTime32) {
	*a = bufArgs{
		index: r.Index, typ: r.Type, bytesUsed: r.BytesUsed, flags: r.Flags, field: r.Field,
		sec: int64(r.TimestampSec), usec: int64(r.TimestampUsec),
		sequence: r.Sequence, memory: r.Memory, m: r.M, length: r.Length, requestFD: r.RequestFD,
	}
}
