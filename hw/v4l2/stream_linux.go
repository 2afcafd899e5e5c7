//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errTimeout matches both ErrTimeout and context.DeadlineExceeded, so
// callers can test either.
var errTimeout = fmt.Errorf("%w (%w)", ErrTimeout, context.DeadlineExceeded)

// pollSlice bounds each poll(2) while a context without a deadline may be
// cancelled, so cancellation is noticed within this time.
const pollSlice = 50 * time.Millisecond

// RequestBuffers allocates count driver buffers on a queue
// (VIDIOC_REQBUFS with V4L2_MEMORY_MMAP) and maps each plane of each
// buffer into memory. It returns how many buffers the driver granted, which
// may differ from count. Buffers already requested on the queue are
// released first. Set the format before requesting buffers: their size
// follows it. The call waits for running Queue/Dequeue calls to return.
func (d *Device) RequestBuffers(t BufType, count int) (int, error) {
	return d.requestBuffers(t, MemoryMMAP, count)
}

// RequestDMABufBuffers allocates count buffer slots that take dmabuf file
// descriptors (V4L2_MEMORY_DMABUF), for zero-copy import: set Plane.FD
// before each Queue. Nothing is mapped.
func (d *Device) RequestDMABufBuffers(t BufType, count int) (int, error) {
	return d.requestBuffers(t, MemoryDMABuf, count)
}

func (d *Device) requestBuffers(t BufType, mem Memory, count int) (int, error) {
	if count <= 0 || count > 32 {
		return 0, d.errorf("VIDIOC_REQBUFS", "buffer count %d: want 1..32 (V4L2 allows at most 32)", count)
	}
	if err := d.acquireExclusive(); err != nil {
		return 0, err
	}
	defer d.use.Unlock()
	if err := d.releaseLocked(t); err != nil {
		return 0, err
	}
	rb := rawRequestBuffers{Count: uint32(count), Type: uint32(t), Memory: uint32(mem)}
	if err := d.ioctl(vidiocReqBufs, unsafe.Pointer(&rb)); err != nil {
		return 0, err
	}
	if rb.Count == 0 {
		return 0, d.errorf("VIDIOC_REQBUFS", "the driver granted no %s buffers on %s (out of memory? try fewer or smaller buffers)", mem, t)
	}
	q := &queue{memory: mem, planes: 1, count: int(rb.Count)}
	d.queues[t] = q // registered now so that a failure below is cleaned up by releaseLocked
	for i := 0; i < q.count; i++ {
		lengths, maps, err := d.setupBuffer(t, mem, uint32(i))
		if err != nil {
			return 0, errors.Join(err, d.releaseLocked(t))
		}
		q.planes = len(lengths)
		q.lengths = append(q.lengths, lengths)
		if mem == MemoryMMAP {
			q.maps = append(q.maps, maps)
		}
	}
	return q.count, nil
}

// setupBuffer queries buffer i and, for MMAP, maps its planes.
func (d *Device) setupBuffer(t BufType, mem Memory, i uint32) ([]uint32, [][]byte, error) {
	var planes [maxPlanes]rawPlane
	a := bufArgs{index: i, typ: uint32(t), memory: uint32(mem)}
	var pin runtime.Pinner
	defer pin.Unpin()
	if t.IsMPlane() {
		pin.Pin(&planes[0])
		a.m = uintptr(unsafe.Pointer(&planes[0]))
		a.length = maxPlanes
	}
	if err := d.bufferIoctl(bufOpQuery, &a); err != nil {
		return nil, nil, err
	}
	type span struct{ offset, length uint32 }
	var spans []span
	if t.IsMPlane() {
		n := int(a.length)
		if n < 1 || n > maxPlanes {
			return nil, nil, d.errorf("VIDIOC_QUERYBUF", "buffer %d reports %d planes", i, n)
		}
		for p := 0; p < n; p++ {
			spans = append(spans, span{uint32(planes[p].M), planes[p].Length})
		}
	} else {
		spans = []span{{uint32(a.m), a.length}}
	}
	lengths := make([]uint32, len(spans))
	for p, s := range spans {
		lengths[p] = s.length
	}
	if mem != MemoryMMAP {
		return lengths, nil, nil
	}
	maps := make([][]byte, 0, len(spans))
	for p, s := range spans {
		if s.length == 0 {
			unmapAll(maps)
			return nil, nil, d.errorf("mmap", "buffer %d plane %d has length 0", i, p)
		}
		m, err := unix.Mmap(d.fd, int64(s.offset), int(s.length), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			unmapAll(maps)
			return nil, nil, &Error{Op: fmt.Sprintf("mmap buffer %d plane %d", i, p), Path: d.path, Err: err}
		}
		maps = append(maps, m)
	}
	return lengths, maps, nil
}

// unmapAll unmaps mappings made so far by setupBuffer after a failure.
func unmapAll(maps [][]byte) {
	for _, m := range maps {
		_ = unix.Munmap(m) // best effort on an error path that already reports the cause
	}
}

// ReleaseBuffers stops streaming on the queue, unmaps its buffers and frees
// them in the driver (VIDIOC_REQBUFS with count 0), so the format can be
// changed. It waits for running Queue/Dequeue calls to return.
func (d *Device) ReleaseBuffers(t BufType) error {
	if err := d.acquireExclusive(); err != nil {
		return err
	}
	defer d.use.Unlock()
	return d.releaseLocked(t)
}

func (d *Device) releaseLocked(t BufType) error {
	q, ok := d.queues[t]
	if !ok {
		return nil
	}
	delete(d.queues, t)
	typ := uint32(t)
	errs := []error{d.ioctl(vidiocStreamOff, unsafe.Pointer(&typ)), d.unmapLocked(q)}
	rb := rawRequestBuffers{Count: 0, Type: uint32(t), Memory: uint32(q.memory)}
	errs = append(errs, d.ioctl(vidiocReqBufs, unsafe.Pointer(&rb)))
	return errors.Join(errs...)
}

// unmapLocked unmaps every plane of a queue.
func (d *Device) unmapLocked(q *queue) error {
	var errs []error
	for i, planes := range q.maps {
		for p, m := range planes {
			if err := unix.Munmap(m); err != nil {
				errs = append(errs, &Error{Op: fmt.Sprintf("munmap buffer %d plane %d", i, p), Path: d.path, Err: err})
			}
		}
	}
	q.maps = nil
	return errors.Join(errs...)
}

// Mapping returns the mapped memory of each plane of an MMAP buffer, for
// writing raw frames into an encoder's OUTPUT buffers. The slices stay
// valid until the buffers are released or the device is closed.
func (d *Device) Mapping(t BufType, index int) ([][]byte, error) {
	if err := d.acquire(); err != nil {
		return nil, err
	}
	defer d.use.RUnlock()
	q, err := d.queueLocked(t, index)
	if err != nil {
		return nil, err
	}
	if q.maps == nil {
		return nil, d.errorf("mapping", "%s buffers use %s memory, which is not mapped", t, q.memory)
	}
	return append([][]byte(nil), q.maps[index]...), nil
}

// queueLocked returns the queue for t and checks the index.
func (d *Device) queueLocked(t BufType, index int) (*queue, error) {
	q, ok := d.queues[t]
	if !ok {
		return nil, &Error{Op: t.String(), Path: d.path, Err: ErrNoBuffers}
	}
	if index < 0 || index >= q.count {
		return nil, d.errorf(t.String(), "buffer index %d out of range 0..%d", index, q.count-1)
	}
	return q, nil
}

// Queue hands a buffer to the driver (VIDIOC_QBUF): an empty buffer to
// fill on a CAPTURE queue, or a filled one on an OUTPUT queue. Only Index,
// Type, Flags, Field, Timestamp and, per plane, BytesUsed (OUTPUT) and FD
// (DMABUF) are used; memory kind and plane count come from the queue.
func (d *Device) Queue(b Buffer) error {
	if err := d.acquire(); err != nil {
		return err
	}
	defer d.use.RUnlock()
	return d.queueBufLocked(b)
}

// userBufFlags are the flags user space may pass to QBUF; state flags
// reported by the driver (mapped, queued, done…) are stripped so that a
// dequeued Buffer can be queued again as is.
const userBufFlags = BufFlagKeyFrame | BufFlagPFrame | BufFlagBFrame | BufFlagTimecode |
	BufFlagLast | BufFlagTimestampMask

func (d *Device) queueBufLocked(b Buffer) error {
	q, err := d.queueLocked(b.Type, int(b.Index))
	if err != nil {
		return err
	}
	a := bufArgs{
		index: b.Index, typ: uint32(b.Type), memory: uint32(q.memory),
		flags: uint32(b.Flags & userBufFlags), field: uint32(b.Field),
	}
	a.setTimestamp(b.Timestamp)
	plane := func(p int) Plane {
		if p < len(b.Planes) {
			return b.Planes[p]
		}
		return Plane{}
	}
	// bytesUsed of 0 on an OUTPUT queue means "whole buffer" to old
	// drivers and is deprecated; say so explicitly.
	used := func(p int) uint32 {
		u := plane(p).BytesUsed
		if u == 0 && b.Type.IsOutput() {
			u = q.lengths[b.Index][p]
		}
		return u
	}
	var planes [maxPlanes]rawPlane
	var pin runtime.Pinner
	defer pin.Unpin()
	if b.Type.IsMPlane() {
		for p := 0; p < q.planes; p++ {
			pl := plane(p)
			planes[p] = rawPlane{BytesUsed: used(p), Length: q.lengths[b.Index][p], DataOffset: pl.DataOffset}
			if q.memory == MemoryDMABuf {
				planes[p].M = uintptr(uint32(pl.FD))
				if pl.Length != 0 {
					planes[p].Length = pl.Length
				}
			}
		}
		pin.Pin(&planes[0])
		a.m = uintptr(unsafe.Pointer(&planes[0]))
		a.length = uint32(q.planes)
	} else {
		a.bytesUsed = used(0)
		a.length = q.lengths[b.Index][0]
		if q.memory == MemoryDMABuf {
			a.m = uintptr(uint32(plane(0).FD))
			if l := plane(0).Length; l != 0 {
				a.length = l
			}
		}
	}
	return d.bufferIoctl(bufOpQueue, &a)
}

// Dequeue takes the next finished buffer from a queue (VIDIOC_DQBUF): a
// filled buffer from a CAPTURE queue or a consumed one from an OUTPUT
// queue. It waits with poll(2) until a buffer is ready, ctx is done (its
// deadline gives the timeout), or the device is closed; it never blocks
// indefinitely inside the kernel. For MMAP buffers, Buffer.Data views the
// payload in place: use it before queueing the buffer again.
//
// Errors: ErrTimeout when ctx's deadline passes, ctx.Err() when it is
// cancelled, ErrClosed after Close, ErrNotStreaming when the queue is not
// streaming or has nothing queued, and EPIPE after an encoder's last
// buffer (BufFlagLast) was dequeued.
func (d *Device) Dequeue(ctx context.Context, t BufType) (Buffer, error) {
	if err := d.acquire(); err != nil {
		return Buffer{}, err
	}
	defer d.use.RUnlock()
	deadline, _ := ctx.Deadline()
	return d.dequeueLocked(ctx, t, deadline)
}

// dequeueLocked implements Dequeue; a zero deadline means none.
func (d *Device) dequeueLocked(ctx context.Context, t BufType, deadline time.Time) (Buffer, error) {
	q, ok := d.queues[t]
	if !ok {
		return Buffer{}, &Error{Op: "VIDIOC_DQBUF", Path: d.path, Err: ErrNoBuffers}
	}
	for {
		b, err := d.tryDequeue(t, q)
		if errors.Is(err, unix.EINVAL) {
			// vb2 answers EINVAL when the queue is not streaming; the
			// arguments are ours and match the queue, so that is the cause.
			return b, &Error{Op: "VIDIOC_DQBUF", Path: d.path, Err: fmt.Errorf("%w: %w", unix.EINVAL, ErrNotStreaming)}
		}
		if !errors.Is(err, unix.EAGAIN) {
			return b, err
		}
		pollErr, err := d.waitReady(ctx, t.IsOutput(), deadline)
		if err != nil {
			return Buffer{}, err
		}
		if pollErr {
			b, err := d.tryDequeue(t, q)
			if errors.Is(err, unix.EAGAIN) {
				return Buffer{}, &Error{Op: "poll", Path: d.path, Err: ErrNotStreaming}
			}
			return b, err
		}
	}
}

// tryDequeue issues one non-blocking VIDIOC_DQBUF.
func (d *Device) tryDequeue(t BufType, q *queue) (Buffer, error) {
	var planes [maxPlanes]rawPlane
	a := bufArgs{typ: uint32(t), memory: uint32(q.memory)}
	var pin runtime.Pinner
	defer pin.Unpin()
	if t.IsMPlane() {
		pin.Pin(&planes[0])
		a.m = uintptr(unsafe.Pointer(&planes[0]))
		a.length = uint32(q.planes)
	}
	if err := d.bufferIoctl(bufOpDequeue, &a); err != nil {
		return Buffer{}, err
	}
	b := Buffer{
		Index: a.index, Type: t, Memory: Memory(a.memory), Flags: BufFlag(a.flags), Field: Field(a.field),
		Sequence: a.sequence, Timestamp: a.timestamp(),
	}
	if t.IsMPlane() {
		n := min(int(a.length), q.planes)
		b.Planes = make([]Plane, n)
		for p := 0; p < n; p++ {
			b.Planes[p] = Plane{
				BytesUsed: planes[p].BytesUsed, Length: planes[p].Length, DataOffset: planes[p].DataOffset,
			}
			if q.memory == MemoryDMABuf {
				b.Planes[p].FD = int32(uint32(planes[p].M))
			} else {
				b.Planes[p].MemOffset = uint32(planes[p].M)
			}
		}
	} else {
		b.Planes = []Plane{{BytesUsed: a.bytesUsed, Length: a.length}}
		if q.memory == MemoryDMABuf {
			b.Planes[0].FD = int32(uint32(a.m))
		} else {
			b.Planes[0].MemOffset = uint32(a.m)
		}
	}
	if q.maps != nil && int(b.Index) < len(q.maps) {
		b.Data = payloads(q.maps[b.Index], b.Planes)
	}
	return b, nil
}

// payloads slices each mapped plane to its payload, clamped to the mapping
// so that a misbehaving driver cannot make us read out of bounds.
func payloads(maps [][]byte, planes []Plane) [][]byte {
	out := make([][]byte, min(len(maps), len(planes)))
	for p := range out {
		end := min(int(planes[p].BytesUsed), len(maps[p]))
		start := min(int(planes[p].DataOffset), end)
		out[p] = maps[p][start:end]
	}
	return out
}

// waitReady polls the device until a buffer can be dequeued. It reports
// pollErr when the kernel signals POLLERR (not streaming / nothing queued)
// so the caller can try once and give up instead of spinning.
func (d *Device) waitReady(ctx context.Context, output bool, deadline time.Time) (pollErr bool, err error) {
	events := int16(unix.POLLIN)
	if output {
		events = unix.POLLOUT
	}
	done := ctx.Done()
	for {
		timeout := -1
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return false, &Error{Op: "poll", Path: d.path, Err: errTimeout}
			}
			timeout = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		if done != nil && (timeout < 0 || timeout > int(pollSlice/time.Millisecond)) {
			timeout = int(pollSlice / time.Millisecond)
		}
		fds := []unix.PollFd{{Fd: int32(d.fd), Events: events}, {Fd: int32(d.wake), Events: unix.POLLIN}}
		_, err := unix.Poll(fds, timeout)
		if err != nil && err != unix.EINTR {
			return false, &Error{Op: "poll", Path: d.path, Err: err}
		}
		if fds[1].Revents != 0 {
			return false, &Error{Op: "poll", Path: d.path, Err: ErrClosed}
		}
		if done != nil {
			select {
			case <-done:
				err := ctx.Err()
				if errors.Is(err, context.DeadlineExceeded) {
					err = errTimeout
				}
				return false, &Error{Op: "poll", Path: d.path, Err: err}
			default:
			}
		}
		switch r := fds[0].Revents; {
		case r&events != 0:
			return false, nil
		case r&unix.POLLNVAL != 0:
			return false, &Error{Op: "poll", Path: d.path, Err: ErrClosed}
		case r&(unix.POLLERR|unix.POLLHUP) != 0:
			return true, nil
		}
	}
}

// StreamOn starts streaming on a queue (VIDIOC_STREAMON). On a capture
// queue, queue the empty buffers first.
func (d *Device) StreamOn(t BufType) error {
	typ := uint32(t)
	return d.ioctlShared(vidiocStreamOn, unsafe.Pointer(&typ))
}

// StreamOff stops streaming on a queue (VIDIOC_STREAMOFF). All its buffers
// return to user space (dequeued state) without needing Dequeue.
func (d *Device) StreamOff(t BufType) error {
	typ := uint32(t)
	return d.ioctlShared(vidiocStreamOff, unsafe.Pointer(&typ))
}

// ExportBuffer exports one plane of an MMAP buffer as a dmabuf file
// descriptor (VIDIOC_EXPBUF), to queue it on another device without
// copying. flags are open flags for the new descriptor, typically
// unix.O_CLOEXEC|unix.O_RDONLY. The caller owns and must close the fd.
// Only devices with dma-contig buffers (unicam, ISP, codec) can be imported
// by bcm2835-codec; the legacy camera and UVC use vmalloc buffers.
func (d *Device) ExportBuffer(t BufType, index, plane int, flags int) (int, error) {
	if err := d.acquire(); err != nil {
		return -1, err
	}
	defer d.use.RUnlock()
	r := rawExportBuffer{Type: uint32(t), Index: uint32(index), Plane: uint32(plane), Flags: uint32(flags)}
	if err := d.ioctl(vidiocExpBuf, unsafe.Pointer(&r)); err != nil {
		return -1, err
	}
	return int(r.FD), nil
}

// EncoderCommand sends a command to a stateful encoder
// (VIDIOC_ENCODER_CMD). EncoderCmdStop starts a drain: keep dequeuing the
// CAPTURE queue until a buffer with BufFlagLast arrives.
func (d *Device) EncoderCommand(cmd EncoderCmd, flags uint32) error {
	if err := d.acquire(); err != nil {
		return err
	}
	defer d.use.RUnlock()
	r := rawEncoderCmd{Cmd: uint32(cmd), Flags: flags}
	return d.ioctl(vidiocEncoderCmd, unsafe.Pointer(&r))
}

// DMABufSync brackets CPU access to a mapped dmabuf (DMA_BUF_IOCTL_SYNC):
// call it with DMABufSyncStart|DMABufSyncRead (or Write) before touching
// the memory and with DMABufSyncEnd|… after, so caches stay coherent.
func DMABufSync(fd int, flags uint64) error {
	r := rawDMABufSync{Flags: flags}
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(dmaBufIoctlSync), uintptr(unsafe.Pointer(&r)))
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return &Error{Op: "DMA_BUF_IOCTL_SYNC", Path: fmt.Sprintf("fd %d", fd), Err: errno}
	}
}
