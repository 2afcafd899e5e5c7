//go:build linux && (amd64 || arm64)

package v4l2

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawBuffer is struct v4l2_buffer on 64-bit Linux (88 bytes). There is only
// one time_t here, so there is only one layout.
type rawBuffer struct {
	rawBufferHead
	Timestamp unix.Timeval // 8-aligned: starts at offset 24
	rawBufferTail
}

// Compile-time layout check (a mismatch is a constant overflow).
const (
	_ uintptr = unsafe.Sizeof(rawBuffer{}) - 88
	_ uintptr = 88 - unsafe.Sizeof(rawBuffer{})
)

// bufIoctlName names architecture-specific buffer ioctls (none on 64-bit).
func bufIoctlName(uint32) string { return "ioctl" }

// bufferIoctl runs QUERYBUF, QBUF or DQBUF with a in the native layout.
func (d *Device) bufferIoctl(op bufOp, a *bufArgs) error {
	return bufferIoctlAs[rawBuffer](d, nativeBufReq[op], a)
}

func (r *rawBuffer) load(a *bufArgs) {
	*r = rawBuffer{rawBufferHead: a.head(), Timestamp: unix.Timeval{Sec: a.sec, Usec: a.usec}, rawBufferTail: a.tail()}
}

func (r *rawBuffer) store(a *bufArgs) {
	a.set(r.rawBufferHead, r.Timestamp.Sec, r.Timestamp.Usec, r.rawBufferTail)
}
