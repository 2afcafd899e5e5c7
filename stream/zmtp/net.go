package zmtp

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"time"
)

// TCP liveness settings for every picam connection (W6): a peer that vanishes without a FIN
// (Wi-Fi gone, power cut) is noticed in seconds rather than the kernel's ~15 minutes.
const (
	keepAliveIdle     = 5 * time.Second
	keepAliveInterval = 2 * time.Second
	keepAliveCount    = 3
	userTimeout       = 10 * time.Second
)

func keepAlive() net.KeepAliveConfig {
	return net.KeepAliveConfig{Enable: true, Idle: keepAliveIdle, Interval: keepAliveInterval, Count: keepAliveCount}
}

// Dial opens a TCP connection to addr ("host:port") within timeout and runs the ZMTP handshake.
// It makes one attempt; reconnect policy belongs to the caller.
func Dial(ctx context.Context, addr string, timeout time.Duration, opts Options) (*Conn, error) {
	d := net.Dialer{Timeout: timeout, KeepAliveConfig: keepAlive(), Control: controlUserTimeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok && opts.SendBuffer > 0 {
		if err := tc.SetWriteBuffer(opts.SendBuffer); err != nil {
			nc.Close()
			return nil, fmt.Errorf("zmtp: set the send buffer to %d bytes: %w", opts.SendBuffer, err)
		}
	}
	c, err := Handshake(nc, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// Listen binds a TCP listener on addr with the same liveness settings as Dial. Accepted
// connections are raw: run Handshake on each in its own goroutine, so that a peer that never
// speaks cannot hold up the others (go-zeromq/zmq4 issue #131, W7).
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAliveConfig: keepAlive(), Control: controlUserTimeout}
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bind %s: %w", addr, err)
	}
	return ln, nil
}

// controlUserTimeout sets TCP_USER_TIMEOUT so unacknowledged data fails the connection after
// userTimeout. It is best effort: platforms without the option keep the kernel default.
func controlUserTimeout(network, address string, rc syscall.RawConn) error {
	return setUserTimeout(rc, userTimeout)
}
