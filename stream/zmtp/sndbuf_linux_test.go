package zmtp

import (
	"context"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Dial asks for Options.SendBuffer (Linux reports twice the value asked for) and leaves the
// kernel's autotuning alone without it.
func TestDialSetsTheSendBuffer(t *testing.T) {
	ctx := context.Background()
	ln, err := Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				if c, err := Handshake(nc, Options{SocketType: SUB}); err == nil {
					defer c.Close()
					var m Msg
					c.ReadMsg(&m, nil) // until the dialer closes
				} else {
					nc.Close()
				}
			}()
		}
	}()
	sndbuf := func(size int) int {
		c, err := Dial(ctx, ln.Addr().String(), time.Second, Options{SocketType: PUB, SendBuffer: size})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		rc, err := c.NetConn().(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var v int
		var gerr error
		if err := rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF) }); err != nil {
			t.Fatal(err)
		}
		if gerr != nil {
			t.Fatal(gerr)
		}
		return v
	}
	const want = 96 << 10
	if got := sndbuf(want); got != 2*want {
		t.Errorf("SO_SNDBUF with SendBuffer %d: %d, want %d", want, got, 2*want)
	}
	if got := sndbuf(0); got == 2*want {
		t.Errorf("SO_SNDBUF without SendBuffer: %d, the value of the previous connection", got)
	}
}
