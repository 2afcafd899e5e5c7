//go:build linux && (amd64 || arm64 || arm)

package v4l2

import "time"

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
