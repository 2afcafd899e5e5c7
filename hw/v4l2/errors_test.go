package v4l2

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

func TestErrorHints(t *testing.T) {
	for _, tc := range []struct {
		op   string
		err  error
		want string
	}{
		{"open", syscall.EACCES, "add the user to the video group or run as root"},
		{"VIDIOC_S_CTRL", syscall.EPERM, "video group"},
		{"open", syscall.ENOENT, "no such device: is the camera enabled / the driver loaded (modprobe vivid)?"},
		{"VIDIOC_QBUF", syscall.ENODEV, "no such device"},
		{"VIDIOC_S_FMT", syscall.EBUSY, "in use"},
		{"VIDIOC_QUERYCAP", syscall.ENOTTY, "not a V4L2 device"},
		{"VIDIOC_ENCODER_CMD", syscall.ENOTTY, "does not implement this ioctl"},
		{"VIDIOC_DQBUF", syscall.EPIPE, "encoder is drained"},
	} {
		e := &Error{Op: tc.op, Path: "/dev/video0", Err: tc.err}
		msg := e.Error()
		if !strings.Contains(msg, tc.want) || !strings.Contains(msg, tc.op) || !strings.Contains(msg, "/dev/video0") {
			t.Errorf("%s %v: message %q lacks %q, the op or the path", tc.op, tc.err, msg, tc.want)
		}
		if !errors.Is(e, tc.err) {
			t.Errorf("%s: errors.Is(%v) false", tc.op, tc.err)
		}
	}
	plain := (&Error{Op: "VIDIOC_S_FMT", Path: "/dev/video0", Err: syscall.EINVAL}).Error()
	if strings.Contains(plain, "(") {
		t.Errorf("EINVAL got a hint: %q", plain)
	}
}
