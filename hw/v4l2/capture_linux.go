//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Capture is a running MMAP capture stream on a camera, created by
// StartCapture. ReadFrame may be called from one goroutine at a time;
// Stop (or closing the Device) ends the stream.
type Capture struct {
	dev     *Device
	typ     BufType
	count   int
	stopped atomic.Bool
}

// StartCapture requests count MMAP buffers on the camera's capture queue
// (single-planar when offered, else multi-planar), queues them all and
// starts streaming. Set the format and frame rate first. Three or four
// buffers suit live streaming: more only add latency when the consumer
// falls behind.
func (d *Device) StartCapture(count int) (*Capture, error) {
	t, err := d.cap.CaptureType()
	if err != nil {
		return nil, &Error{Op: "StartCapture", Path: d.path, Err: err}
	}
	if !d.cap.Streaming() {
		return nil, d.errorf("StartCapture", "%s does not support streaming I/O", d.cap.Card)
	}
	n, err := d.RequestBuffers(t, count)
	if err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		if err := d.Queue(Buffer{Index: uint32(i), Type: t}); err != nil {
			return nil, errors.Join(err, d.ReleaseBuffers(t))
		}
	}
	if err := d.StreamOn(t); err != nil {
		return nil, errors.Join(err, d.ReleaseBuffers(t))
	}
	return &Capture{dev: d, typ: t, count: n}, nil
}

// BufType returns the queue the capture runs on.
func (c *Capture) BufType() BufType { return c.typ }

// Buffers returns how many buffers the driver granted.
func (c *Capture) Buffers() int { return c.count }

// ReadFrame waits up to timeout for the next frame, copies it into a fresh
// slice and gives the buffer straight back to the driver. Copying costs one
// memcpy per frame but means a slow consumer (or a transport holding on to
// the bytes) can never starve the driver of buffers or see them change.
// Errors are those of Dequeue; ErrTimeout if no frame arrived in time. If
// giving the buffer back fails, the frame is returned along with the error.
func (c *Capture) ReadFrame(timeout time.Duration) (Frame, error) {
	return c.read(context.Background(), time.Now().Add(timeout))
}

// ReadFrameContext is ReadFrame with the wait bounded by ctx instead of a
// timeout.
func (c *Capture) ReadFrameContext(ctx context.Context) (Frame, error) {
	deadline, _ := ctx.Deadline()
	return c.read(ctx, deadline)
}

func (c *Capture) read(ctx context.Context, deadline time.Time) (Frame, error) {
	d := c.dev
	if c.stopped.Load() {
		return Frame{}, &Error{Op: "ReadFrame", Path: d.path, Err: ErrClosed}
	}
	if err := d.acquire(); err != nil {
		return Frame{}, err
	}
	defer d.use.RUnlock()
	b, err := d.dequeueLocked(ctx, c.typ, deadline)
	if err != nil {
		return Frame{}, err
	}
	f := Frame{Sequence: b.Sequence, Timestamp: b.Timestamp, Flags: b.Flags}
	total := 0
	for _, p := range b.Data {
		total += len(p)
	}
	f.Data = make([]byte, total)
	f.Planes = make([][]byte, len(b.Data))
	off := 0
	for i, p := range b.Data {
		n := copy(f.Data[off:], p)
		f.Planes[i] = f.Data[off : off+n : off+n]
		off += n
	}
	if err := d.queueBufLocked(Buffer{Index: b.Index, Type: c.typ}); err != nil {
		return f, err
	}
	return f, nil
}

// Stop ends streaming and frees the buffers, after any ReadFrame in
// progress has returned. It is safe to call more than once; later calls
// return nil.
func (c *Capture) Stop() error {
	if c.stopped.Swap(true) {
		return nil
	}
	err := c.dev.ReleaseBuffers(c.typ)
	if errors.Is(err, ErrClosed) {
		return nil // Close already stopped streaming and freed everything
	}
	return err
}
