package v4l2

import (
	"errors"
	"fmt"
	"syscall"
)

// Sentinel errors. Errors returned by this package wrap them (test with
// errors.Is) and carry the operation and device path.
var (
	// ErrUnsupported is returned on platforms without a V4L2 implementation.
	ErrUnsupported = errors.New("v4l2: not supported on this platform (needs linux/amd64, linux/arm64 or linux/arm)")
	// ErrClosed is returned by calls on a closed Device, and by a Dequeue
	// that was waiting when Close was called.
	ErrClosed = errors.New("device closed")
	// ErrTimeout is returned by Dequeue and ReadFrame when no buffer became
	// ready in time.
	ErrTimeout = errors.New("timed out waiting for a buffer")
	// ErrNotStreaming is returned by Dequeue when poll reports an error
	// condition and no buffer is ready: the queue is not streaming, or no
	// buffer is queued for the driver to fill.
	ErrNotStreaming = errors.New("queue not streaming or no buffers queued")
	// ErrNoBuffers is returned by Queue, Dequeue and friends when no
	// buffers were requested on the queue.
	ErrNoBuffers = errors.New("no buffers requested on this queue (call RequestBuffers first)")
)

// Error is a failed V4L2 operation on a device. Err is usually a
// syscall.Errno, so errors.Is(err, unix.EBUSY) works.
type Error struct {
	Op   string // ioctl or system call, e.g. "VIDIOC_S_FMT", "open", "mmap"
	Path string // device path
	Err  error
}

// Error formats the failure with a hint on how to fix the common cases.
func (e *Error) Error() string {
	msg := fmt.Sprintf("v4l2: %s %s: %v", e.Op, e.Path, e.Err)
	if h := hint(e.Op, e.Err); h != "" {
		msg += " (" + h + ")"
	}
	return msg
}

// Unwrap returns the underlying error, usually a syscall.Errno.
func (e *Error) Unwrap() error { return e.Err }

// hint returns advice for errnos users can do something about.
func hint(op string, err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return ""
	}
	switch errno {
	case syscall.EACCES, syscall.EPERM:
		return "add the user to the video group or run as root"
	case syscall.ENOENT, syscall.ENODEV, syscall.ENXIO:
		if op == "open" || errno == syscall.ENODEV {
			return "no such device: is the camera enabled / the driver loaded (modprobe vivid)?"
		}
	case syscall.EBUSY:
		return "the device is in use: another process is streaming, or buffers are still allocated"
	case syscall.ENOTTY:
		if op == "VIDIOC_QUERYCAP" {
			return "not a V4L2 device"
		}
		return "the driver does not implement this ioctl"
	case syscall.ENOSYS:
		return "the kernel does not know this ioctl; under qemu-user emulation V4L2 ioctls are not translated, run natively"
	case syscall.EPIPE:
		if op == "VIDIOC_DQBUF" {
			return "the last buffer was already dequeued: the encoder is drained, restart streaming"
		}
	}
	return ""
}
