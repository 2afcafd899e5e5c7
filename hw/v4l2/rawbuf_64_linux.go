//go:build linux && (amd64 || arm64)

package v4l2

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawBuffer is struct v4l2_buffer on 64-bit Linux (88 bytes). There is only
// one time_t here, so there is only one layout.
type rawBuffer struct {
	Index     uint32
	Type      uint32
	BytesUsed uint32
	Flags     uint32
	Field     uint32
	Timestamp unix.Timeval // 8-aligned: starts at offset 24
	Timecode  rawTimecode
	Sequence  uint32
	Memory    uint32
	M         uintptr // union {offset, userptr, planes, fd}
	Length    uint32
	Reserved2 uint32
	RequestFD int32
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
	req := [...]uint32{bufOpQuery: vidiocQueryBuf, bufOpQueue: vidiocQBuf, bufOpDequeue: vidiocDQBuf}[op]
	r := rawBuffer{
		Index: a.index, Type: a.typ, BytesUsed: a.bytesUsed, Flags: a.flags, Field: a.field,
		Timestamp: unix.Timeval{Sec: a.sec, Usec: a.usec},
		Sequence:  a.sequence, Memory: a.memory, M: a.m, Length: a.length, RequestFD: a.requestFD,
	}
	if err := d.ioctl(req, unsafe.Pointer(&r)); err != nil {
		return err
	}
	*a = bufArgs{
		index: r.Index, typ: r.Type, bytesUsed: r.BytesUsed, flags: r.Flags, field: r.Field,
		sec: r.Timestamp.Sec, usec: r.Timestamp.Usec,
		sequence: r.Sequence, memory: r.Memory, m: r.M, length: r.Length, requestFD: r.RequestFD,
	}
	return nil
}
