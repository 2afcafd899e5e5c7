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
	rawBufferHead
	_             uint32 // EABI padding before the 8-aligned timeval
	TimestampSec  int64
	TimestampUsec int64
	rawBufferTail // ends at 80, already a multiple of 8: no tail padding
}

// rawBufferTime32 is struct v4l2_buffer with a 32-bit time_t (68 bytes):
// what C code built without _TIME_BITS=64 uses (Debian 12 armhf) and what
// kernels before 5.6 only understand. Kernels since 5.6 accept it as
// VIDIOC_*_TIME32 when built with CONFIG_COMPAT_32BIT_TIME (the default).
type rawBufferTime32 struct {
	rawBufferHead
	TimestampSec  int32
	TimestampUsec int32
	rawBufferTail
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
	return bufferIoctlAs[rawBuffer](d, nativeBufReq[op], a)
}

// bufferIoctlTime32 uses the 32-bit-time struct v4l2_buffer.
func (d *Device) bufferIoctlTime32(op bufOp, a *bufArgs) error {
	req := [...]uint32{bufOpQuery: vidiocQueryBufTime32, bufOpQueue: vidiocQBufTime32, bufOpDequeue: vidiocDQBufTime32}[op]
	return bufferIoctlAs[rawBufferTime32](d, req, a)
}

func (r *rawBuffer) load(a *bufArgs) {
	*r = rawBuffer{rawBufferHead: a.head(), TimestampSec: a.sec, TimestampUsec: a.usec, rawBufferTail: a.tail()}
}

func (r *rawBuffer) store(a *bufArgs) {
	a.set(r.rawBufferHead, r.TimestampSec, r.TimestampUsec, r.rawBufferTail)
}

// load truncates the timestamp to 32 bits. V4L2 timestamps are
// CLOCK_MONOTONIC (time since boot), so this only matters after 68 years of
// uptime, or for user-chosen OUTPUT timestamps beyond that.
func (r *rawBufferTime32) load(a *bufArgs) {
	*r = rawBufferTime32{rawBufferHead: a.head(), TimestampSec: int32(a.sec), TimestampUsec: int32(a.usec), rawBufferTail: a.tail()}
}

func (r *rawBufferTime32) store(a *bufArgs) {
	a.set(r.rawBufferHead, int64(r.TimestampSec), int64(r.TimestampUsec), r.rawBufferTail)
}
