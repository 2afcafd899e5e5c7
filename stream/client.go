package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picam-project/picam/stream/wire"
	"github.com/picam-project/picam/stream/zmtp"
)

// Frame is one frame received by a Client.
type Frame struct {
	Port     int // the local port it arrived on
	Header   wire.Header
	Payload  []byte // valid until Release
	Received time.Time
	// Connected is when the connection the frame came on was accepted: a capture time before
	// it is not a latency (picam-client's statistics ignore such a sample).
	Connected time.Time

	c   *Client
	msg *zmtp.Msg
}

// Release hands the frame's buffer back for reuse. The frame must not be used afterwards.
// Not calling it is safe; it only costs garbage.
func (f *Frame) Release() {
	if f.c != nil && f.msg != nil {
		f.c.pool.Put(f.msg)
	}
	f.c, f.msg, f.Payload = nil, nil, nil
}

// ClientStats are a Client's counters.
type ClientStats struct {
	Frames       uint64 `json:"frames"`        // frames received and queued
	Bytes        uint64 `json:"bytes"`         // payload bytes of those frames
	Dropped      uint64 `json:"dropped"`       // frames dropped because Recv fell behind
	DecodeErrors uint64 `json:"decode_errors"` // malformed headers or payloads
	MissingParts uint64 `json:"missing_parts"` // frames without their payload part
	Connections  uint64 `json:"connections"`   // server connections accepted
	Rejected     uint64 `json:"rejected"`      // connections dropped for protocol errors
	Cut          uint64 `json:"cut"`           // connections cut for a bound: count, idle time, memory
}

// Client receives frames as a NetGear client does: it binds its port and lets a server connect.
// In patterns 0 and 1 it answers each frame at once with its return data (NetGear's behaviour); frames
// then wait in a short queue for Recv, where the oldest is dropped when the reader falls behind,
// so a slow consumer sees fresh frames rather than a growing backlog.
type Client struct {
	cfg   ClientConfig
	log   *slog.Logger
	lns   []net.Listener
	ports []int
	pool  sync.Pool

	mu         sync.Mutex
	queue      []*Frame
	seenPorts  map[int]bool
	termPorts  map[int]bool
	terminated bool
	retJSON    json.RawMessage
	retArray   *arrayReturn
	conns      map[*zmtp.Conn]struct{}
	accepted   map[*serverConn]struct{} // every open connection, handshakes included (clientbounds.go)
	queueBytes int64
	pairConn   *zmtp.Conn // pattern 0: the one server connection a PAIR keeps
	notify     chan struct{}
	// deviceID is the 8-character ID in a plain pattern-0 client's answer, as NetGear's.
	deviceID string

	mem     *memPool
	cut     atomic.Uint64
	cutLog  logLimiter // connections cut for a bound
	dropLog logLimiter // connections dropped for protocol errors

	heard     atomic.Bool
	lastHeard atomic.Int64
	started   bool
	startedAt time.Time // when Start bound the ports: WaitLimit counts from here
	closed    chan struct{}
	closeOnce sync.Once

	frames, bytes, dropped, decodeErrs, missing, connCount, rejected atomic.Uint64

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type arrayReturn struct {
	dtype string
	shape []int
	data  []byte
}

// NewClient validates cfg (NetGear's errors for invalid combinations, as a *ConfigError).
// Nothing is bound until Start.
//
// A Client's life is NewClient, Start, Close, Wait (as every long-lived type in picam): Close
// ends it, Wait blocks until it has ended.
func NewClient(cfg ClientConfig) (*Client, error) {
	cfg.setDefaults()
	ports, err := cfg.ports()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:       cfg,
		log:       cfg.Logger,
		ports:     ports,
		seenPorts: map[int]bool{},
		termPorts: map[int]bool{},
		conns:     map[*zmtp.Conn]struct{}{},
		accepted:  map[*serverConn]struct{}{},
		notify:    make(chan struct{}, 1),
		deviceID:  newDeviceID(),
		closed:    make(chan struct{}),
	}
	c.pool.New = func() any { return new(zmtp.Msg) }
	c.mem = &memPool{limit: cfg.MaxMemory, conns: map[*serverConn]struct{}{}, onCut: func(sc *serverConn, why string) {
		c.cutConn(sc.port, sc.nc.RemoteAddr(), why)
	}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Start binds the client's port(s) and starts accepting servers; WaitLimit counts from here.
// A port that cannot be bound is an error naming it, and nothing stays bound. It returns
// ErrClosed after Close, and an error when called twice.
func (c *Client) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx.Err() != nil {
		return ErrClosed
	}
	if c.started {
		return errors.New("stream: Client started twice")
	}
	c.started = true
	c.startedAt = time.Now()
	for _, p := range c.ports {
		addr := net.JoinHostPort(c.cfg.Address, strconv.Itoa(p))
		ln, err := zmtp.Listen(c.ctx, addr)
		if err != nil {
			for _, ln := range c.lns {
				ln.Close()
			}
			c.lns = nil
			//lint:ignore ST1005 NetGear's RuntimeError words it so (docs/netgear-protocol.md), and users search for it
			return fmt.Errorf("Receive Mode failed to bind address %s (is another client using port %d, or is %q not an address of this machine?): %w",
				addr, p, c.cfg.Address, err)
		}
		c.lns = append(c.lns, ln)
	}
	for i, ln := range c.lns {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.acceptLoop(ln, c.ports[i])
		}()
	}
	return nil
}

// Addrs are the bound listener addresses (useful with port 0 in tests).
func (c *Client) Addrs() []net.Addr {
	out := make([]net.Addr, len(c.lns))
	for i, ln := range c.lns {
		out[i] = ln.Addr()
	}
	return out
}

// SetReturn sets the data (a JSON value) sent back with every following reply in pattern 1.
// Like NetGear's return_data it is sticky: it stays until changed.
func (c *Client) SetReturn(data json.RawMessage) error {
	if len(data) > 0 && !json.Valid(data) {
		return fmt.Errorf("return data is not valid JSON: %s", data)
	}
	c.mu.Lock()
	c.retJSON, c.retArray = data, nil
	c.mu.Unlock()
	return nil
}

// SetReturnArray makes following replies carry an array (NetGear's 2-part ndarray reply).
func (c *Client) SetReturnArray(dtype string, shape []int, data []byte) error {
	n, err := wire.ArraySize(dtype, shape)
	if err != nil {
		return err
	}
	if n != int64(len(data)) {
		return fmt.Errorf("array of %s %v needs %d bytes, got %d", dtype, shape, n, len(data))
	}
	c.mu.Lock()
	c.retJSON, c.retArray = nil, &arrayReturn{dtype: dtype, shape: shape, data: data}
	c.mu.Unlock()
	return nil
}

// Stats returns the client's counters.
func (c *Client) Stats() ClientStats {
	return ClientStats{
		Frames: c.frames.Load(), Bytes: c.bytes.Load(), Dropped: c.dropped.Load(),
		DecodeErrors: c.decodeErrs.Load(), MissingParts: c.missing.Load(),
		Connections: c.connCount.Load(), Rejected: c.rejected.Load(), Cut: c.cut.Load(),
	}
}

// Recv returns the next frame. It returns ErrTerminated after the server's terminate (once the
// frames received before it were returned), ErrServerGone when a server once heard has been
// silent for Timeout, ErrNoServer when none appeared within WaitLimit.
func (c *Client) Recv(ctx context.Context) (*Frame, error) {
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			f := c.queue[0]
			c.queue[0] = nil
			c.queue = c.queue[1:]
			c.queueBytes -= int64(len(f.Payload))
			c.mu.Unlock()
			return f, nil
		}
		term := c.terminated
		c.mu.Unlock()
		if term {
			return nil, ErrTerminated
		}
		var wait time.Duration
		var waitErr error
		switch {
		case c.heard.Load():
			wait = c.cfg.Timeout - time.Since(time.Unix(0, c.lastHeard.Load()))
			waitErr = ErrServerGone
		case c.cfg.WaitLimit > 0:
			wait = c.cfg.WaitLimit - time.Since(c.startedAt)
			waitErr = ErrNoServer
		default:
			wait = time.Hour
		}
		if wait <= 0 {
			return nil, waitErr
		}
		t := time.NewTimer(wait)
		select {
		case <-c.notify:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-c.ctx.Done():
			t.Stop()
			return nil, ErrClosed
		}
		t.Stop()
	}
}

// Close stops accepting, drops every connection and waits for the client's goroutines.
// Later calls do the same and return at once.
func (c *Client) Close() error {
	c.mu.Lock() // no Start while closing
	c.cancel()
	lns := c.lns
	for conn := range c.conns {
		conn.Close()
	}
	for sc := range c.accepted {
		sc.nc.Close()
	}
	c.mu.Unlock()
	for _, ln := range lns {
		ln.Close()
	}
	c.wg.Wait()
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

// Wait blocks until the client has been closed.
func (c *Client) Wait() error {
	<-c.closed
	return nil
}

func (c *Client) wakeup() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

func (c *Client) hear() {
	c.lastHeard.Store(time.Now().UnixNano())
	c.heard.Store(true)
}

func (c *Client) acceptLoop(ln net.Listener, port int) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if c.ctx.Err() == nil {
				c.log.Error("accept failed; no more servers can connect", "port", port, "err", err)
			}
			return
		}
		sc := c.admit(nc, port)
		if sc == nil {
			nc.Close()
			continue
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer c.forget(sc)
			c.serveConn(sc)
		}()
	}
}

func (c *Client) serveConn(sc *serverConn) {
	nc, port := sc.nc, sc.port
	typ := zmtp.SUB
	switch c.cfg.Pattern {
	case ReqRep:
		typ = zmtp.REP
	case Pair:
		typ = zmtp.PAIR
	}
	conn, err := zmtp.Handshake(nc, zmtp.Options{SocketType: typ, Picam: true, MaxFrameSize: c.cfg.MaxFrameSize, Curve: c.cfg.Curve,
		HandshakeTimeout: c.cfg.HandshakeTimeout, Budget: sc, CheckFrame: func(parts [][]byte, size int64) error {
			return c.checkFrame(sc, parts, size)
		}})
	if err != nil {
		nc.Close()
		level := slog.LevelDebug // a port probe or a server that gave up mid-handshake
		if errors.Is(err, zmtp.ErrProtocol) {
			c.rejected.Add(1)
			level = slog.LevelWarn
		}
		var suppressed uint64
		if level == slog.LevelWarn {
			var ok bool
			if ok, suppressed = c.dropLog.allow(); !ok {
				level = slog.LevelDebug
			}
		}
		c.log.Log(c.ctx, level, "server connection refused during handshake", "port", port, "remote", nc.RemoteAddr(), "err", err, "suppressed", suppressed)
		return
	}
	c.mu.Lock()
	if c.ctx.Err() != nil {
		c.mu.Unlock()
		conn.Close()
		return
	}
	if typ == zmtp.PAIR {
		// A PAIR talks to one peer: like libzmq's, it keeps the first server and hangs up on
		// any other until that one is gone.
		if c.pairConn != nil {
			c.mu.Unlock()
			c.rejected.Add(1) // counted before the hang-up the server sees
			conn.Close()
			c.log.Warn("a second server connected in pattern 0 (PAIR), which serves one server at a time; hung up on it",
				"port", port, "remote", nc.RemoteAddr())
			return
		}
		c.pairConn = conn
	}
	c.conns[conn] = struct{}{}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.conns, conn)
		if c.pairConn == conn {
			c.pairConn = nil
		}
		c.mu.Unlock()
		conn.Close()
	}()
	c.connCount.Add(1)
	c.log.Info("server connected", "port", port, "remote", conn.RemoteAddr(), "picam", conn.IsPicam())
	if typ == zmtp.SUB {
		if err := conn.WriteMsg([]byte{1}); err != nil { // subscribe to everything
			return
		}
	}
	// Heartbeats between messages keep the connection open; a message must arrive whole
	// within IdleTimeout of the last sign of life.
	idle := func() { conn.SetReadDeadline(time.Now().Add(c.cfg.IdleTimeout)) }
	onCommand := func(string) { c.hear(); idle() }
	for {
		m := c.pool.Get().(*zmtp.Msg)
		idle()
		if err := conn.ReadMsg(m, onCommand); err != nil {
			// m is not returned to the pool: a message cut off may have grown a buffer as
			// large as MaxFrameSize, which the pool would keep alive for honest frames.
			if c.ctx.Err() == nil {
				var ne net.Error
				switch {
				case errors.Is(err, errForeignFrame):
					c.cutConn(port, conn.RemoteAddr(), "it announced "+err.Error())
				case errors.Is(err, zmtp.ErrOverBudget):
					c.cutConn(port, conn.RemoteAddr(), "its frame does not fit in the client's memory (MaxMemory)")
				case errors.As(err, &ne) && ne.Timeout():
					c.cutConn(port, conn.RemoteAddr(), fmt.Sprintf("no message for %v (idle time-out)", c.cfg.IdleTimeout))
				case errors.Is(err, zmtp.ErrFrameTooLarge) || errors.Is(err, zmtp.ErrProtocol):
					c.rejected.Add(1)
					if ok, suppressed := c.dropLog.allow(); ok {
						c.log.Warn("server connection dropped", "port", port, "err", err, "suppressed", suppressed)
					}
				default:
					c.log.Debug("server connection closed", "port", port, "err", err)
				}
			}
			return
		}
		sc.lastMsg.Store(time.Now().UnixNano())
		c.hear()
		if !c.handle(conn, sc, m) {
			return
		}
	}
}

// handle processes one message; false drops the connection.
func (c *Client) handle(conn *zmtp.Conn, sc *serverConn, m *zmtp.Msg) bool {
	port := sc.port
	parts := m.Parts
	var envelope [][]byte
	if c.cfg.Pattern == ReqRep {
		var err error
		if envelope, parts, err = zmtp.SplitEnvelope(parts); err != nil {
			c.pool.Put(m)
			c.rejected.Add(1)
			c.log.Warn("request without a REQ envelope; dropping the connection", "port", port)
			return false
		}
	}
	if len(parts) == 0 {
		c.pool.Put(m)
		c.countDecodeError(port, errors.New("empty message"))
		return c.reply(conn, envelope, port, false)
	}
	h, err := wire.ParseHeader(parts[0])
	if err != nil {
		c.pool.Put(m)
		c.countDecodeError(port, err)
		return c.reply(conn, envelope, port, false)
	}
	if h.Terminate {
		c.pool.Put(m)
		ok := c.reply(conn, envelope, port, true)
		c.mu.Lock()
		c.seenPorts[port] = true
		c.termPorts[port] = true
		if len(c.termPorts) == len(c.seenPorts) {
			c.terminated = true
		}
		c.mu.Unlock()
		c.wakeup()
		return ok
	}
	if !c.reply(conn, envelope, port, false) {
		c.pool.Put(m)
		return false
	}
	if len(parts) < 2 {
		c.pool.Put(m)
		c.missing.Add(1)
		c.log.Warn("frame without its payload part", "port", port)
		return true
	}
	if err := wire.CheckPayload(&h, parts[1]); err != nil {
		c.pool.Put(m)
		c.countDecodeError(port, err)
		return true
	}
	f := &Frame{Port: port, Header: h, Payload: parts[1], Received: time.Now(), Connected: sc.accepted, c: c, msg: m}
	sc.delivered(int64(len(f.Payload)), f.Received)
	c.frames.Add(1)
	c.bytes.Add(uint64(len(f.Payload)))
	c.mu.Lock()
	c.seenPorts[port] = true
	for len(c.queue) > 0 && (len(c.queue) >= c.cfg.QueueLen || c.queueBytes+int64(len(f.Payload)) > c.cfg.QueueBytes) {
		old := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.queueBytes -= int64(len(old.Payload))
		c.dropped.Add(1)
		old.Release()
	}
	c.queue = append(c.queue, f)
	c.queueBytes += int64(len(f.Payload))
	c.mu.Unlock()
	c.wakeup()
	return true
}

// reply answers a pattern-1 request with the envelope echoed, or a pattern-0 frame as
// NetGear's receiver does: its device string, or in bidirectional mode the return data as JSON
// without a port; a pattern-0 terminate is not answered. No-op in pattern 2.
func (c *Client) reply(conn *zmtp.Conn, envelope [][]byte, port int, terminate bool) bool {
	if c.cfg.Pattern == PubSub || (c.cfg.Pattern == Pair && terminate) {
		return true
	}
	parts := append([][]byte(nil), envelope...)
	switch {
	case terminate:
		parts = append(parts, []byte(wire.TerminateAck))
	case c.cfg.Pattern == Pair && !c.cfg.Bidirectional:
		parts = append(parts, []byte("Data received on device: "+c.deviceID+" !"))
	default:
		portStr := ""
		if len(c.ports) == 1 && !c.cfg.MultiServer && c.cfg.Pattern != Pair {
			portStr = strconv.Itoa(port)
		}
		c.mu.Lock()
		ret, arr := c.retJSON, c.retArray
		c.mu.Unlock()
		if arr != nil {
			parts = append(parts, wire.AppendArrayReply(nil, portStr, arr.dtype, arr.shape), arr.data)
		} else {
			parts = append(parts, wire.AppendReply(nil, portStr, wire.ReturnTypeOf(ret), ret))
		}
	}
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := conn.WriteMsg(parts...); err != nil {
		c.log.Debug("reply failed", "port", port, "err", err)
		return false
	}
	return true
}

func (c *Client) countDecodeError(port int, err error) {
	n := c.decodeErrs.Add(1)
	if n <= 5 || n%100 == 0 {
		c.log.Warn("bad frame ignored", "port", port, "err", err, "count", n)
	}
}

// newDeviceID is 8 random characters from A-Z and 0-9, like NetGear's device ID.
func newDeviceID() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 8)
	for i := range b {
		b[i] = chars[rand.IntN(len(chars))]
	}
	return string(b)
}
