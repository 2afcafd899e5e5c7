//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestOpenMissingDevice(t *testing.T) {
	_, err := Open("/dev/video-does-not-exist")
	if !errors.Is(err, unix.ENOENT) {
		t.Fatalf("Open: %v, want ENOENT", err)
	}
	if !strings.Contains(err.Error(), "modprobe vivid") || !strings.Contains(err.Error(), "/dev/video-does-not-exist") {
		t.Errorf("message %q lacks the hint or the path", err)
	}
}

func TestOpenRegularFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "video0")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(p)
	if err == nil || !strings.Contains(err.Error(), "not a character device") {
		t.Fatalf("Open(regular file) = %v, want a 'not a character device' error", err)
	}
}

func TestOpenNonV4L2CharDevice(t *testing.T) {
	_, err := Open("/dev/null")
	// qemu-user (used to run the arm/arm64 tests on amd64) does not
	// translate V4L2 ioctls and answers ENOSYS instead of passing them on.
	if errors.Is(err, unix.ENOSYS) {
		if !strings.Contains(err.Error(), "qemu-user") {
			t.Errorf("ENOSYS message %q lacks the emulation hint", err)
		}
		return
	}
	if !errors.Is(err, unix.ENOTTY) {
		t.Fatalf("Open(/dev/null) = %v, want ENOTTY from VIDIOC_QUERYCAP", err)
	}
	if !strings.Contains(err.Error(), "VIDIOC_QUERYCAP") || !strings.Contains(err.Error(), "not a V4L2 device") {
		t.Errorf("message %q lacks the ioctl name or the hint", err)
	}
}

// pipeDevice returns a Device whose fd is the read end of a pipe, so the
// poll/close machinery can be exercised without V4L2 hardware. Writing to
// the returned write end makes the "device" readable.
func pipeDevice(t *testing.T) (*Device, int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	d := &Device{path: "pipe", fd: p[0], wake: wake, queues: map[BufType]*queue{}}
	t.Cleanup(func() {
		d.Close()
		unix.Close(p[1])
	})
	return d, p[1]
}

func TestWaitReadyTimeout(t *testing.T) {
	d, _ := pipeDevice(t)
	_, err := d.waitReady(context.Background(), false, time.Now().Add(time.Millisecond))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waitReady on an idle fd = %v, want ErrTimeout (and DeadlineExceeded)", err)
	}
	// A deadline already in the past must not poll at all.
	_, err = d.waitReady(context.Background(), false, time.Now().Add(-time.Second))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("past deadline: %v", err)
	}
}

func TestWaitReadyReadable(t *testing.T) {
	d, w := pipeDevice(t)
	if _, err := unix.Write(w, []byte{1}); err != nil {
		t.Fatal(err)
	}
	pollErr, err := d.waitReady(context.Background(), false, time.Time{})
	if err != nil || pollErr {
		t.Fatalf("waitReady on a readable fd = %v, %v", pollErr, err)
	}
}

func TestWaitReadyHangupReportsPollErr(t *testing.T) {
	d, w := pipeDevice(t)
	unix.Close(w) // the read end now reports POLLHUP, like a queue that is not streaming
	pollErr, err := d.waitReady(context.Background(), false, time.Time{})
	if err != nil || !pollErr {
		t.Fatalf("waitReady after hangup = %v, %v; want pollErr", pollErr, err)
	}
}

func TestWaitReadyContextCancel(t *testing.T) {
	d, _ := pipeDevice(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := d.waitReady(ctx, false, time.Time{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("waitReady with a cancelled ctx = %v", err)
	}
}

// TestCloseWakesWaiter checks the Close protocol: a call waiting in poll
// with no deadline returns ErrClosed, and Close waits for it before closing
// the descriptor.
func TestCloseWakesWaiter(t *testing.T) {
	d, _ := pipeDevice(t)
	if err := d.acquire(); err != nil {
		t.Fatal(err)
	}
	result := make(chan error, 1)
	go func() {
		defer d.use.RUnlock()
		_, err := d.waitReady(context.Background(), false, time.Time{})
		result <- err
	}()
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Close returned, so the waiter has released the lock and reported.
	select {
	case err := <-result:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("waiter got %v, want ErrClosed", err)
		}
	default:
		t.Fatal("Close returned before the waiter finished")
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, err := d.GetFormat(BufTypeVideoCapture); !errors.Is(err, ErrClosed) {
		t.Errorf("GetFormat after Close = %v, want ErrClosed", err)
	}
	if _, err := d.Dequeue(context.Background(), BufTypeVideoCapture); !errors.Is(err, ErrClosed) {
		t.Errorf("Dequeue after Close = %v, want ErrClosed", err)
	}
}

func TestDequeueWithoutBuffers(t *testing.T) {
	d, _ := pipeDevice(t)
	_, err := d.Dequeue(context.Background(), BufTypeVideoCapture)
	if !errors.Is(err, ErrNoBuffers) {
		t.Fatalf("Dequeue with no buffers = %v, want ErrNoBuffers", err)
	}
	if err := d.Queue(Buffer{Type: BufTypeVideoCapture}); !errors.Is(err, ErrNoBuffers) {
		t.Fatalf("Queue with no buffers = %v, want ErrNoBuffers", err)
	}
}

func TestQueueIndexOutOfRange(t *testing.T) {
	d, _ := pipeDevice(t)
	d.queues[BufTypeVideoCapture] = &queue{memory: MemoryMMAP, planes: 1, count: 2, lengths: [][]uint32{{10}, {10}}}
	err := d.Queue(Buffer{Type: BufTypeVideoCapture, Index: 2})
	if err == nil || !strings.Contains(err.Error(), "out of range 0..1") {
		t.Fatalf("Queue(index 2 of 2) = %v", err)
	}
}

func TestRequestBuffersRejectsBadCount(t *testing.T) {
	d, _ := pipeDevice(t)
	for _, n := range []int{0, -1, 33} {
		if _, err := d.RequestBuffers(BufTypeVideoCapture, n); err == nil || !strings.Contains(err.Error(), "want 1..32") {
			t.Errorf("RequestBuffers(%d) = %v", n, err)
		}
	}
}

func TestSetFrameRateRejectsZero(t *testing.T) {
	d, _ := pipeDevice(t)
	if _, err := d.SetFrameRate(0); err == nil {
		t.Error("SetFrameRate(0) accepted")
	}
	if _, err := d.SetFrameInterval(BufTypeVideoCapture, Fract{1, 0}); err == nil {
		t.Error("SetFrameInterval(1/0) accepted")
	}
}
