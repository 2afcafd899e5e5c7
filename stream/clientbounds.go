package stream

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picam-project/picam/stream/wire"
	"github.com/picam-project/picam/stream/zmtp"
)

// A Client's bounds on what the servers connecting to it can make it hold: connections per
// port (with an idle time-out), and the bytes of messages being read at once over all of them
// (ClientConfig.MaxConns, IdleTimeout, MaxMemory). The frames queued for Recv are bounded in
// handle (QueueLen, QueueBytes).

// serverConn is one connection accepted on a Client's port.
type serverConn struct {
	nc       net.Conn
	port     int
	accepted time.Time
	lastMsg  atomic.Int64 // unix nanos of the last complete message; 0 before the first
	// The newest frame queued from this connection (unix nanos; 0 before the first) and the
	// largest payload of those frames: what an honest server sends on this port.
	lastFrame atomic.Int64
	largest   atomic.Int64

	// In-flight bytes reserved in the Client's memPool, guarded by memPool.mu.
	held    int64
	evicted bool
	pool    *memPool
}

// lastActive is when the connection last delivered a message, or was accepted.
func (sc *serverConn) lastActive() time.Time {
	if n := sc.lastMsg.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return sc.accepted
}

// memPool is the Client's MaxMemory, shared by its connections.
type memPool struct {
	mu    sync.Mutex
	limit int64
	used  int64
	conns map[*serverConn]struct{}
	onCut func(sc *serverConn, why string)
}

// Acquire reserves n bytes for sc's message being read (zmtp.Budget). When they do not fit,
// the connection holding the most is cut to make room if it holds more than n, so a peer
// trickling a huge frame cannot starve a server sending ordinary ones.
func (sc *serverConn) Acquire(n int64) bool {
	p := sc.pool
	p.mu.Lock()
	if sc.evicted {
		p.mu.Unlock()
		return false
	}
	var cut []*serverConn
	for p.used+n > p.limit {
		var victim *serverConn
		for o := range p.conns {
			if o != sc && o.held > n && (victim == nil || o.held > victim.held) {
				victim = o
			}
		}
		if victim == nil {
			p.mu.Unlock()
			for _, v := range cut {
				v.nc.Close()
				p.onCut(v, "its message was the largest when memory ran short")
			}
			return false
		}
		p.used -= victim.held
		victim.held, victim.evicted = 0, true
		delete(p.conns, victim)
		cut = append(cut, victim)
	}
	p.used += n
	sc.held += n
	p.conns[sc] = struct{}{}
	p.mu.Unlock()
	for _, v := range cut {
		v.nc.Close()
		p.onCut(v, "its message was the largest when memory ran short")
	}
	return true
}

// Release returns bytes reserved by Acquire (zmtp.Budget); an evicted connection's were
// already returned when it was cut.
func (sc *serverConn) Release(n int64) {
	p := sc.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	n = min(n, sc.held)
	sc.held -= n
	p.used -= n
	if sc.held == 0 {
		delete(p.conns, sc)
	}
}

// inUse is the bytes reserved now.
func (p *memPool) inUse() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used
}

// admit registers a new connection on port, making room at the MaxConns cap by cutting the
// connection on that port idle the longest, if it has been idle for IdleTimeout; it returns
// nil when there is no room.
func (c *Client) admit(nc net.Conn, port int) *serverConn {
	now := time.Now()
	c.mu.Lock()
	n := 0
	var victim *serverConn
	for sc := range c.accepted {
		if sc.port != port {
			continue
		}
		n++
		if now.Sub(sc.lastActive()) >= c.cfg.IdleTimeout && (victim == nil || sc.lastActive().Before(victim.lastActive())) {
			victim = sc
		}
	}
	if n >= c.cfg.MaxConns {
		if victim == nil {
			c.mu.Unlock()
			c.cutConn(port, nc.RemoteAddr(), "the port's connection cap is reached and every connection is active")
			return nil
		}
		delete(c.accepted, victim)
	} else {
		victim = nil
	}
	sc := &serverConn{nc: nc, port: port, accepted: now, pool: c.mem}
	c.accepted[sc] = struct{}{}
	c.mu.Unlock()
	if victim != nil {
		victim.nc.Close()
		c.cutConn(port, victim.nc.RemoteAddr(), "idle connection closed for a new one at the port's connection cap")
	}
	return sc
}

// forget unregisters a connection that ended.
func (c *Client) forget(sc *serverConn) {
	c.mu.Lock()
	delete(c.accepted, sc)
	c.mu.Unlock()
}

// cutConn counts a connection cut off for a bound and logs it, at most once per cutLogEvery.
func (c *Client) cutConn(port int, remote net.Addr, why string) {
	n := c.cut.Add(1)
	if ok, suppressed := c.cutLog.allow(); ok {
		c.log.Warn("server connection cut: "+why, "port", port, "remote", remote, "cut", n, "suppressed", suppressed)
	}
}

// OpenConns is the number of connections open on the client's ports, handshakes included.
func (c *Client) OpenConns() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.accepted)
}

// delivered records a frame of n payload bytes queued from sc at t.
func (sc *serverConn) delivered(n int64, t time.Time) {
	sc.lastFrame.Store(t.UnixNano())
	if n > sc.largest.Load() {
		sc.largest.Store(n) // only sc's reader writes it
	}
}

// errForeignFrame is a frame over foreignLimit.
var errForeignFrame = errors.New("a frame far larger than the port's server sends, while that server delivers frames")

// foreignFrameFactor bounds a payload on a connection while another connection on the same
// port is delivering frames: at most this many times the largest payload delivered on the
// port (and at least checkAbove). A NetGear port serves one server; a second connection
// announcing frames far larger than that server's is a flood, not a picture.
const foreignFrameFactor = 4

// foreignLimit is the largest payload sc may announce while another connection on its port
// delivered a frame within IdleTimeout, or 0 when there is no such connection (no limit).
func (c *Client) foreignLimit(sc *serverConn) int64 {
	since := time.Now().Add(-c.cfg.IdleTimeout).UnixNano()
	var largest int64
	other := false
	c.mu.Lock()
	for o := range c.accepted {
		if o.port != sc.port {
			continue
		}
		largest = max(largest, o.largest.Load())
		if o != sc && o.lastFrame.Load() > since {
			other = true
		}
	}
	c.mu.Unlock()
	if !other {
		return 0
	}
	return max(foreignFrameFactor*largest, checkAbove)
}

// checkAbove is the frame size from which a Client checks a payload against its header before
// reading it (zmtp.Options.CheckFrame): smaller frames cost less to read than to check twice.
const checkAbove = 1 << 20

// checkFrame cuts a server whose payload frame contradicts its header before the payload is
// read: a raw array's header states its size (dtype × shape), so a peer announcing 60 MiB
// after a header that says otherwise costs the client neither the read nor the memory (issue
// 16). Everything else (a header that does not parse, compressed payloads) is left to handle.
//
// While another connection on the port is delivering frames, a payload larger than
// foreignLimit is cut the same way, counted as cut (a bound): with headers that agree with
// their 60 MiB frames, a flood used to be read whole, 200 MiB of it in 8 s, which cost the
// honest server on the port frames and took the client to its 256 MiB memory limit.
func (c *Client) checkFrame(sc *serverConn, parts [][]byte, size int64) error {
	if size < checkAbove {
		return nil
	}
	if limit := c.foreignLimit(sc); limit > 0 && size > limit {
		return fmt.Errorf("%w: %d bytes, limit %d", errForeignFrame, size, limit)
	}
	if c.cfg.Pattern == ReqRep {
		_, rest, err := zmtp.SplitEnvelope(parts)
		if err != nil {
			return nil
		}
		parts = rest
	}
	if len(parts) != 1 { // the payload is the frame after the header
		return nil
	}
	h, err := wire.ParseHeader(parts[0])
	if err != nil || h.Terminate {
		return nil
	}
	return wire.CheckPayloadSize(&h, size)
}
