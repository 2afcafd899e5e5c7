package v4l2

import "time"

// Plane is one plane of a buffer. Single-planar queues are presented as
// one-plane buffers so that capture and encoder code can treat both alike.
type Plane struct {
	// BytesUsed is the payload size. Dequeue fills it; for OUTPUT queues
	// set it before Queue (0 means "the whole Length").
	BytesUsed uint32
	// Length is the size of the plane's memory.
	Length uint32
	// DataOffset is where the payload starts within the plane (multi-planar
	// only; almost always 0).
	DataOffset uint32
	// MemOffset is the mmap cookie of an MMAP plane (informational).
	MemOffset uint32
	// FD is the dmabuf file descriptor of a DMABUF plane: set it before
	// Queue on a queue requested with RequestDMABufBuffers.
	FD int32
}

// Buffer describes one buffer handed to or returned from the driver.
type Buffer struct {
	Index    uint32
	Type     BufType
	Memory   Memory
	Flags    BufFlag
	Field    Field
	Sequence uint32
	// Timestamp is when the frame was captured, on CLOCK_MONOTONIC for
	// cameras (comparable with the kernel's uptime clock, not wall time),
	// with microsecond resolution. On an encoder's OUTPUT queue, the value
	// given to Queue is copied to the matching CAPTURE buffer, so it can
	// carry the capture time through the encoder.
	Timestamp time.Duration
	Planes    []Plane
	// Data holds, for MMAP buffers returned by Dequeue, a view of each
	// plane's payload inside the mapped buffer memory. It is only valid
	// until the buffer is queued again or the buffers are released: copy
	// what you keep.
	Data [][]byte
}

// IsKeyFrame reports whether an encoder marked the buffer as a key frame.
func (b Buffer) IsKeyFrame() bool { return b.Flags&BufFlagKeyFrame != 0 }

// IsLast reports whether this is the last buffer after an encoder drain.
func (b Buffer) IsLast() bool { return b.Flags&BufFlagLast != 0 }

// BytesUsed returns the total payload over all planes.
func (b Buffer) BytesUsed() int {
	n := 0
	for _, p := range b.Planes {
		n += int(p.BytesUsed - min(p.DataOffset, p.BytesUsed))
	}
	return n
}

// Frame is one captured frame copied out of driver memory by
// Capture.ReadFrame. Data is a fresh slice owned by the caller.
type Frame struct {
	Data []byte
	// Planes slices Data per plane for multi-planar formats (one entry for
	// single-planar captures).
	Planes    [][]byte
	Sequence  uint32
	Timestamp time.Duration // CLOCK_MONOTONIC capture time, see Buffer.Timestamp
	Flags     BufFlag
}

// IsKeyFrame reports whether the frame is a key frame (H.264 from the
// legacy Pi camera's built-in encoder; always false for raw formats).
func (f Frame) IsKeyFrame() bool { return f.Flags&BufFlagKeyFrame != 0 }
