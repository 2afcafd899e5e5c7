//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Device is an open V4L2 device node. Its methods may be called from
// several goroutines: an encoder typically queues frames on the OUTPUT
// queue in one goroutine while another dequeues the bitstream from the
// CAPTURE queue. Buffer (re)allocation and Close are exclusive and wait for
// the other calls to return; Close wakes calls waiting in Dequeue.
type Device struct {
	path string
	fd   int
	wake int // eventfd, readable once Close has begun; wakes pollers
	cap  Capability

	// use guards fd and the buffer mappings. Calls hold it for reading
	// while they use them; RequestBuffers, ReleaseBuffers and Close hold
	// it for writing, so memory is never unmapped under a reader.
	use    sync.RWMutex
	closed atomic.Bool
	queues map[BufType]*queue // written only with use held for writing

	// bufTime32 is set on 32-bit ARM once the kernel has refused the
	// 64-bit-time struct v4l2_buffer (kernels before 5.6).
	//lint:ignore U1000 used by rawbuf_arm_linux.go; staticcheck sees one GOARCH at a time
	bufTime32 atomic.Bool
}

// queue is the state of one buffer queue with buffers requested.
type queue struct {
	memory  Memory
	planes  int        // planes per buffer; 1 for single-planar queues
	count   int        // number of buffers
	lengths [][]uint32 // [buffer][plane] plane sizes from QUERYBUF
	maps    [][][]byte // [buffer][plane] mmap'd memory; nil for DMABUF
}

// Open opens a V4L2 device node such as "/dev/video0" for streaming and
// reads its capabilities. The node is opened non-blocking, so no call can
// hang in the kernel; waiting happens in Dequeue with a timeout.
func Open(path string) (*Device, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &Error{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &Error{Op: "fstat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR {
		unix.Close(fd)
		return nil, &Error{Op: "open", Path: path, Err: errors.New("not a character device, so not a V4L2 device node (expected something like /dev/video0)")}
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(fd)
		return nil, &Error{Op: "eventfd", Path: path, Err: err}
	}
	d := &Device{path: path, fd: fd, wake: wake, queues: map[BufType]*queue{}}
	var c rawCapability
	if err := d.ioctl(vidiocQueryCap, unsafe.Pointer(&c)); err != nil {
		unix.Close(fd)
		unix.Close(wake)
		return nil, err
	}
	d.cap = Capability{
		Driver:       cString(c.Driver[:]),
		Card:         cString(c.Card[:]),
		BusInfo:      cString(c.BusInfo[:]),
		Version:      c.Version,
		Capabilities: Cap(c.Capabilities),
		DeviceCaps:   Cap(c.DeviceCaps),
	}
	return d, nil
}

// Path returns the path the device was opened with.
func (d *Device) Path() string { return d.path }

// Fd returns the file descriptor, for callers that poll it themselves. It
// stays owned by the Device: do not close it.
func (d *Device) Fd() int { return d.fd }

// Capability returns the capabilities read when the device was opened.
func (d *Device) Capability() Capability { return d.cap }

// Close stops any waiting Dequeue, unmaps all buffers and closes the
// device. Closing the file descriptor makes the kernel stop streaming and
// free the buffers. Calling Close again returns nil.
func (d *Device) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	one := [8]byte{1}
	_, _ = unix.Write(d.wake, one[:]) // cannot fail usefully: the counter is far from overflow
	d.use.Lock()
	defer d.use.Unlock()
	var errs []error
	for t, q := range d.queues {
		errs = append(errs, d.unmapLocked(q))
		delete(d.queues, t)
	}
	if err := unix.Close(d.fd); err != nil {
		errs = append(errs, &Error{Op: "close", Path: d.path, Err: err})
	}
	if err := unix.Close(d.wake); err != nil {
		errs = append(errs, &Error{Op: "close eventfd", Path: d.path, Err: err})
	}
	return errors.Join(errs...)
}

// acquire takes the shared lock for one call, or fails if closed.
func (d *Device) acquire() error { return d.lockOpen(d.use.RLocker()) }

// ioctlShared issues one request under the shared lock, or fails if closed.
func (d *Device) ioctlShared(req uint32, arg unsafe.Pointer) error {
	if err := d.acquire(); err != nil {
		return err
	}
	defer d.use.RUnlock()
	return d.ioctl(req, arg)
}

// acquireExclusive takes the exclusive lock for buffer (re)allocation.
func (d *Device) acquireExclusive() error { return d.lockOpen(&d.use) }

// lockOpen takes l, or fails (holding nothing) if the device is closed.
func (d *Device) lockOpen(l sync.Locker) error {
	l.Lock()
	if d.closed.Load() {
		l.Unlock()
		return &Error{Op: "use", Path: d.path, Err: ErrClosed}
	}
	return nil
}

// ioctl issues one request, retrying on EINTR, and wraps errors with the
// request name and device path.
func (d *Device) ioctl(req uint32, arg unsafe.Pointer) error {
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(d.fd), uintptr(req), uintptr(arg))
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return &Error{Op: ioctlName(req), Path: d.path, Err: errno}
	}
}

// cString converts a NUL-terminated C char array to a string.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// errorf builds an *Error for failures detected in Go rather than by the kernel.
func (d *Device) errorf(op, format string, args ...any) error {
	return &Error{Op: op, Path: d.path, Err: fmt.Errorf(format, args...)}
}
