//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// pollLines reads lines from f, waiting with poll(2) in short slices so that it returns soon
// after ctx is done even when f (a terminal) never ends. handled is false when f cannot be
// polled, and the caller falls back to plain reads.
func pollLines(ctx context.Context, f *os.File, fn func(string)) (handled bool, err error) {
	sc, err := f.SyscallConn()
	if err != nil {
		return false, nil
	}
	var fd int
	if err := sc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return false, nil
	}
	var split lineSplitter
	buf := make([]byte, 4096)
	for ctx.Err() == nil {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 200)
		if errors.Is(err, unix.EINTR) || n == 0 {
			continue
		}
		if err != nil {
			return true, fmt.Errorf("waiting for standard input: %w", err)
		}
		m, err := unix.Read(fd, buf)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil {
			return true, fmt.Errorf("reading standard input: %w", err)
		}
		if m == 0 {
			split.flush(fn)
			return true, nil
		}
		split.feed(buf[:m], fn)
	}
	return true, nil
}
