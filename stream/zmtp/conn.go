package zmtp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/picam-project/picam/stream/curve"
)

// Socket types as they appear in the READY command's Socket-Type property.
const (
	REQ = "REQ"
	REP = "REP"
	PUB = "PUB"
	SUB = "SUB"
	// PAIR is NetGear's pattern 0: one exclusive peer, also a PAIR, with no envelope.
	PAIR = "PAIR"
)

// DefaultMaxFrameSize bounds one frame read from a peer. A 4K BGR frame is about 25 MB; 64 MiB
// leaves room while a peer announcing gigabytes is refused before anything is allocated.
const DefaultMaxFrameSize = 64 << 20

// DefaultMaxParts bounds the number of frames in one message: NetGear never sends more than
// four (REQ_CORRELATE id, delimiter, header, payload).
const DefaultMaxParts = 16

// PicamProperty is an application metadata property that picam peers put in their READY
// command. libzmq keeps "X-" properties as metadata and otherwise ignores them, so Python
// peers are unaffected; picam peers use it to know they may send heartbeats (PING).
const PicamProperty = "X-Picam"

// ErrFrameTooLarge is returned when a peer announces a frame bigger than the configured cap.
var ErrFrameTooLarge = errors.New("zmtp: peer announced a frame larger than the limit")

// ErrOverBudget is returned when a frame does not fit in Options.Budget: the process already
// holds as much incoming data as it allows.
var ErrOverBudget = errors.New("zmtp: incoming data over the memory budget")

// Budget is shared by connections to bound the bytes of messages being read at once (see
// Options.Budget). Each connection may have its own Budget value backed by a shared pool, so
// that the pool can tell who holds what.
type Budget interface {
	// Acquire reserves n bytes, or reports false if they cannot be had.
	Acquire(n int64) bool
	// Release returns n bytes reserved by Acquire.
	Release(n int64)
}

// ErrProtocol is wrapped by every error caused by bytes that do not follow ZMTP.
var ErrProtocol = errors.New("zmtp: protocol error")

// MechanismError is a peer whose greeting names another security mechanism than this side's:
// one side is in secure mode (CURVE), the other is not (NULL). It wraps ErrProtocol.
type MechanismError struct {
	Peer, Own string // "NULL" or "CURVE"
}

func (e *MechanismError) Error() string {
	return fmt.Sprintf("%v: peer uses security mechanism %q; this side uses %s (check secure mode on both sides)", ErrProtocol, e.Peer, e.Own)
}

// Unwrap returns ErrProtocol.
func (e *MechanismError) Unwrap() error { return ErrProtocol }

const (
	flagMore    = 0x01
	flagLong    = 0x02
	flagCommand = 0x04
)

// Options configure a connection's handshake and limits.
type Options struct {
	// SocketType is this side's type: REQ, REP, PUB, SUB or PAIR.
	SocketType string
	// HandshakeTimeout bounds greeting plus READY exchange (default 5 s).
	HandshakeTimeout time.Duration
	// MaxFrameSize caps one incoming frame (default DefaultMaxFrameSize).
	MaxFrameSize int64
	// MaxParts caps the frames of one incoming message (default DefaultMaxParts).
	MaxParts int
	// Picam marks this side as a picam peer in its READY metadata.
	Picam bool
	// Curve, when set, replaces the NULL mechanism with CURVE (NetGear's secure_mode): a
	// *curve.Client on the side that connects, a *curve.Server on the side that binds. Every
	// frame is then sealed, and both sides must use it (curve.go).
	Curve curve.Handshaker
	// Budget, when set, is asked for every incoming data frame's size before it is allocated,
	// and given it back when ReadMsg returns: it bounds what all the connections sharing it
	// have in flight at once. A frame it refuses ends ReadMsg with ErrOverBudget.
	Budget Budget
	// CheckFrame, when set, is called before the body of each frame after a message's first is
	// read or allocated, with the frames read so far and the new frame's size (its plaintext
	// size under CURVE). An error ends ReadMsg, wrapped in ErrProtocol: a peer whose frame
	// contradicts what its message announced is cut before its bytes are read.
	CheckFrame func(parts [][]byte, size int64) error
	// SendBuffer, when positive, is the kernel send buffer (SO_SNDBUF) Dial asks for; Linux
	// doubles it for bookkeeping and stops autotuning that socket. Zero keeps the autotuning.
	SendBuffer int
}

func (o Options) withDefaults() Options {
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 5 * time.Second
	}
	if o.MaxFrameSize <= 0 {
		o.MaxFrameSize = DefaultMaxFrameSize
	}
	if o.MaxParts <= 0 {
		o.MaxParts = DefaultMaxParts
	}
	return o
}

// compatible reports whether ZMTP allows a peer of type peer to talk to a socket of type own
// (RFC 23: REQ-REP/ROUTER, REP-REQ/DEALER, PUB-SUB/XSUB, SUB-PUB/XPUB, PAIR-PAIR).
func compatible(own, peer string) bool {
	switch own {
	case REQ:
		return peer == REP || peer == "ROUTER"
	case REP:
		return peer == REQ || peer == "DEALER"
	case PUB:
		return peer == SUB || peer == "XSUB"
	case SUB:
		return peer == PUB || peer == "XPUB"
	case PAIR:
		return peer == PAIR
	}
	return false
}

// Conn is one established ZMTP connection. Reads must come from one goroutine at a time; writes
// are serialised internally, so a reader goroutine may answer PINGs while another writes.
type Conn struct {
	nc   net.Conn
	br   *bufio.Reader
	opts Options

	// PeerType is the peer's Socket-Type; PeerProps holds all its READY properties.
	PeerType  string
	PeerProps map[string]string

	wmu     sync.Mutex
	hdrs    []byte      // scratch for frame headers, guarded by wmu
	vec     net.Buffers // scratch for writev, guarded by wmu
	scratch [9]byte     // read-side frame header scratch: flags + up to 8 size bytes
	cv      *curveState // CURVE session after the handshake; nil with NULL (curve.go)
}

// Handshake runs the ZMTP 3.0 greeting and the NULL READY exchange on nc, or the CURVE
// handshake when opts.Curve is set. On error nc is left open: the caller owns it.
func Handshake(nc net.Conn, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	c := &Conn{nc: nc, br: bufio.NewReaderSize(nc, 64<<10), opts: opts}
	if err := nc.SetDeadline(time.Now().Add(opts.HandshakeTimeout)); err != nil {
		return nil, fmt.Errorf("zmtp: set handshake deadline: %w", err)
	}
	if err := c.greet(); err != nil {
		return nil, err
	}
	var body []byte
	var err error
	if opts.Curve != nil {
		body, err = c.curveHandshake()
	} else {
		body, err = c.nullReady()
	}
	if err != nil {
		return nil, err
	}
	props, err := parseProps(body)
	if err != nil {
		return nil, err
	}
	c.PeerProps = props
	c.PeerType = props["Socket-Type"]
	if !compatible(opts.SocketType, c.PeerType) {
		return nil, fmt.Errorf("%w: a %s socket cannot talk to a %q peer (is the other side using the same pattern?)",
			ErrProtocol, opts.SocketType, c.PeerType)
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("zmtp: clear handshake deadline: %w", err)
	}
	return c, nil
}

// nullReady is the NULL mechanism: READY both ways; it returns the peer's properties.
func (c *Conn) nullReady() ([]byte, error) {
	if err := c.writeCommand("READY", c.readyProps()); err != nil {
		return nil, fmt.Errorf("zmtp: send READY: %w", err)
	}
	name, body, err := c.readCommand()
	if err != nil {
		return nil, fmt.Errorf("zmtp: read READY: %w", err)
	}
	if name == "ERROR" {
		return nil, fmt.Errorf("%w: peer refused the handshake: %q", ErrProtocol, errorReason(body))
	}
	if name != "READY" {
		return nil, fmt.Errorf("%w: expected READY, got command %q", ErrProtocol, name)
	}
	return body, nil
}

func (c *Conn) readyProps() [][2]string {
	props := [][2]string{{"Socket-Type", c.opts.SocketType}}
	if c.opts.SocketType == REQ {
		props = append(props, [2]string{"Identity", ""})
	}
	if c.opts.Picam {
		props = append(props, [2]string{PicamProperty, "1"})
	}
	return props
}

// greeting is the 64-byte ZMTP 3.0 greeting for mechanism mech ("NULL" or "CURVE").
func greeting(mech string, asServer bool) []byte {
	g := make([]byte, 64)
	g[0] = 0xFF
	g[9] = 0x7F
	g[10], g[11] = 3, 0
	copy(g[12:32], mech)
	if asServer {
		g[32] = 1
	}
	return g
}

func (c *Conn) greet() error {
	mech, asServer := c.mechanism()
	if _, err := c.nc.Write(greeting(mech, asServer)); err != nil {
		return fmt.Errorf("zmtp: send greeting: %w", err)
	}
	var peer [64]byte
	if _, err := io.ReadFull(c.br, peer[:]); err != nil {
		return fmt.Errorf("zmtp: read greeting: %w", err)
	}
	if peer[0] != 0xFF || peer[9]&0x01 != 0x01 {
		return fmt.Errorf("%w: the peer is not speaking ZMTP (bad signature)", ErrProtocol)
	}
	if peer[10] < 3 {
		return fmt.Errorf("%w: peer speaks ZMTP %d.%d; 3.0 or later is required", ErrProtocol, peer[10], peer[11])
	}
	peerMech := string(bytes.TrimRight(peer[12:32], "\x00"))
	if peerMech != mech {
		return &MechanismError{Peer: peerMech, Own: mech}
	}
	return c.checkAsServer(peer[32])
}

// Close closes the underlying network connection.
func (c *Conn) Close() error { return c.nc.Close() }

// RemoteAddr is the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// IsPicam reports whether the peer announced itself as a picam peer.
func (c *Conn) IsPicam() bool { return c.PeerProps[PicamProperty] != "" }

// SetReadDeadline sets the deadline for the next reads.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// SetWriteDeadline sets the deadline for the next writes.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }

func appendFrameHeader(dst []byte, flags byte, n int) []byte {
	if n > 255 {
		dst = append(dst, flags|flagLong)
		return binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, flags, byte(n))
}

// WriteMsg sends one message of len(parts) frames with a single writev. It returns when the
// bytes are in the kernel, so the caller may reuse the parts' memory afterwards. A write that
// fails (including a deadline) leaves the stream in an unknown state: close the connection.
func (c *Conn) WriteMsg(parts ...[]byte) error {
	if len(parts) == 0 {
		return errors.New("zmtp: a message needs at least one frame")
	}
	if c.cv != nil {
		return c.writeCurveMsg(parts)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.hdrs = c.hdrs[:0]
	for i, p := range parts {
		var flags byte
		if i < len(parts)-1 {
			flags = flagMore
		}
		c.hdrs = appendFrameHeader(c.hdrs, flags, len(p))
	}
	c.vec = c.vec[:0]
	off := 0
	for _, p := range parts {
		n := 2
		if len(p) > 255 {
			n = 9
		}
		c.vec = append(c.vec, c.hdrs[off:off+n])
		off += n
		if len(p) > 0 {
			c.vec = append(c.vec, p)
		}
	}
	// WriteTo consumes the slice; keep our scratch backing array for the next call.
	vec := c.vec
	_, err := vec.WriteTo(c.nc)
	for i := range c.vec {
		c.vec[i] = nil
	}
	if err != nil {
		return fmt.Errorf("zmtp: write: %w", err)
	}
	return nil
}

// WriteCommand sends a command frame (PING, PONG, ...).
func (c *Conn) WriteCommand(name string, body []byte) error {
	if c.cv != nil {
		return c.writeCurveCommand(name, body)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeRawCommand(name, body)
}

func (c *Conn) writeCommand(name string, props [][2]string) error {
	body := encodeProps(props)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeRawCommand(name, body)
}

func (c *Conn) writeRawCommand(name string, body []byte) error {
	n := 1 + len(name) + len(body)
	buf := appendFrameHeader(nil, flagCommand, n)
	buf = append(buf, byte(len(name)))
	buf = append(buf, name...)
	buf = append(buf, body...)
	_, err := c.nc.Write(buf)
	return err
}

// readFrameHeader reads one frame's flags and size and enforces the size cap.
func (c *Conn) readFrameHeader() (flags byte, size int64, err error) {
	if _, err = io.ReadFull(c.br, c.scratch[:2]); err != nil {
		return 0, 0, err
	}
	flags = c.scratch[0]
	if flags&^(flagMore|flagLong|flagCommand) != 0 {
		return 0, 0, fmt.Errorf("%w: reserved frame flag bits set (0x%02x)", ErrProtocol, flags)
	}
	if flags&flagLong == 0 {
		return flags, int64(c.scratch[1]), nil
	}
	if _, err = io.ReadFull(c.br, c.scratch[2:9]); err != nil {
		return 0, 0, err
	}
	u := binary.BigEndian.Uint64(c.scratch[1:9])
	if u > uint64(c.opts.MaxFrameSize) {
		return 0, 0, fmt.Errorf("%w: %d bytes announced, limit %d", ErrFrameTooLarge, u, c.opts.MaxFrameSize)
	}
	return flags, int64(u), nil
}

func (c *Conn) readCommand() (string, []byte, error) {
	flags, size, err := c.readFrameHeader()
	if err != nil {
		return "", nil, err
	}
	if flags&flagCommand == 0 {
		return "", nil, fmt.Errorf("%w: expected a command frame", ErrProtocol)
	}
	if size > 64<<10 {
		return "", nil, fmt.Errorf("%w: command of %d bytes is too large", ErrProtocol, size)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(c.br, buf); err != nil {
		return "", nil, err
	}
	return splitCommand(buf)
}

func splitCommand(buf []byte) (string, []byte, error) {
	if len(buf) < 1 || int(buf[0]) > len(buf)-1 {
		return "", nil, fmt.Errorf("%w: malformed command name", ErrProtocol)
	}
	return string(buf[1 : 1+buf[0]]), buf[1+buf[0]:], nil
}

func parseProps(b []byte) (map[string]string, error) {
	props := map[string]string{}
	for len(b) > 0 {
		nl := int(b[0])
		if 1+nl+4 > len(b) {
			return nil, fmt.Errorf("%w: truncated READY property", ErrProtocol)
		}
		name := string(b[1 : 1+nl])
		vl := binary.BigEndian.Uint32(b[1+nl:])
		b = b[1+nl+4:]
		if uint64(vl) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: truncated READY property value", ErrProtocol)
		}
		props[name] = string(b[:vl])
		b = b[vl:]
	}
	return props, nil
}

func errorReason(body []byte) string {
	if len(body) < 1 || int(body[0]) > len(body)-1 {
		return string(body)
	}
	return string(body[1 : 1+body[0]])
}

// Msg is a received message. Its part buffers are reused by the next ReadMsg into the same Msg,
// so copy what must outlive that call.
type Msg struct {
	// Parts are the frames of the message, in order.
	Parts [][]byte
	bufs  [][]byte
}

// Size is the total number of payload bytes in the message.
func (m *Msg) Size() int {
	n := 0
	for _, p := range m.Parts {
		n += len(p)
	}
	return n
}

// ReadMsg reads the next message into m, reusing m's buffers. Commands that arrive between
// messages are handled here: PING is answered with PONG, everything else is ignored. onCommand,
// when not nil, is told of every command (heartbeats count as a sign of life).
func (c *Conn) ReadMsg(m *Msg, onCommand func(name string)) error {
	if c.opts.Budget != nil {
		var held int64
		defer func() { c.opts.Budget.Release(held) }()
		return c.readMsg(m, onCommand, &held)
	}
	return c.readMsg(m, onCommand, nil)
}

// admitFrame checks a data frame of size bytes (plaintext) against the message's caps before
// anything of it is read: total, the message's bytes with this frame, against max; the number
// of frames; and Options.CheckFrame, if any, for a frame that follows others.
func (c *Conn) admitFrame(m *Msg, total, max, size int64) error {
	if total > max {
		return fmt.Errorf("%w: message of more than %d bytes", ErrFrameTooLarge, max)
	}
	if len(m.Parts) >= c.opts.MaxParts {
		return fmt.Errorf("%w: message with more than %d frames", ErrProtocol, c.opts.MaxParts)
	}
	if c.opts.CheckFrame == nil || len(m.Parts) == 0 {
		return nil
	}
	if err := c.opts.CheckFrame(m.Parts, size); err != nil {
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	return nil
}

// reserve asks the budget, if any, for n more bytes of this message; held counts them.
func (c *Conn) reserve(n int64, held *int64) error {
	if held == nil {
		return nil
	}
	if !c.opts.Budget.Acquire(n) {
		return fmt.Errorf("%w: a frame of %d bytes while %d of this message are held", ErrOverBudget, n, *held)
	}
	*held += n
	return nil
}

func (c *Conn) readMsg(m *Msg, onCommand func(name string), held *int64) error {
	if c.cv != nil {
		return c.readCurveMsg(m, onCommand, held)
	}
	m.Parts = m.Parts[:0]
	var total int64
	for {
		flags, size, err := c.readFrameHeader()
		if err != nil {
			return err
		}
		if flags&flagCommand != 0 {
			if len(m.Parts) > 0 {
				return fmt.Errorf("%w: command inside a multi-frame message", ErrProtocol)
			}
			if size > 64<<10 {
				return fmt.Errorf("%w: command of %d bytes is too large", ErrProtocol, size)
			}
			buf := make([]byte, size)
			if _, err := io.ReadFull(c.br, buf); err != nil {
				return err
			}
			if err := c.command(buf, onCommand); err != nil {
				return err
			}
			continue
		}
		total += size
		if err := c.admitFrame(m, total, c.opts.MaxFrameSize, size); err != nil {
			return err
		}
		i := len(m.Parts)
		if err := c.reserve(size, held); err != nil {
			return err
		}
		if i == len(m.bufs) {
			m.bufs = append(m.bufs, nil)
		}
		var p []byte
		if int64(cap(m.bufs[i])) >= size {
			p = m.bufs[i][:size]
			if _, err := io.ReadFull(c.br, p); err != nil {
				return err
			}
		} else {
			var err error
			p, err = readGrowing(c.br, size)
			m.bufs[i] = p
			if err != nil {
				return err
			}
		}
		m.Parts = append(m.Parts, p)
		if flags&flagMore == 0 {
			return nil
		}
	}
}

// growStep is the first allocation readGrowing makes: frames up to this size (a raw VGA frame
// is 900 KiB) are allocated at once.
const growStep = 4 << 20

// yieldEvery is how many bytes of a large frame readGrowing reads before it lets other
// goroutines run. A peer sending a large frame as fast as loopback goes keeps its socket full,
// so its reader never parks; without a yield it held a core for whole 10 ms time slices while
// the honest connections' readers and the application waited for it, and under a flood of
// 60 MiB frames (issue 16) picam-client's own queue dropped honest frames (0-8 of 300 under
// -race on 2 cores; none with the yield in the same runs).
const yieldEvery = 256 << 10

// readGrowing reads a frame of size bytes into a new buffer that grows (doubling from
// growStep) as the bytes arrive, so a peer that announces a large frame and sends little of it
// costs what it sent, not what it announced. It yields the processor every yieldEvery bytes.
func readGrowing(r io.Reader, size int64) ([]byte, error) {
	buf := make([]byte, 0, min(size, growStep))
	for int64(len(buf)) < size {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(size, 2*int64(cap(buf))))
			copy(nb, buf)
			buf = nb
		}
		n, err := io.ReadFull(r, buf[len(buf):min(cap(buf), len(buf)+yieldEvery)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
		runtime.Gosched()
	}
	return buf, nil
}

// pong answers a PING (RFC 37): the context after the 2-byte TTL is echoed.
// command handles a command frame that arrived between messages: a PING is
// answered, and onCommand (when set) is told the command's name.
func (c *Conn) command(frame []byte, onCommand func(string)) error {
	name, body, err := splitCommand(frame)
	if err != nil {
		return err
	}
	if name == "PING" {
		if err := c.pong(body); err != nil {
			return err
		}
	}
	if onCommand != nil {
		onCommand(name)
	}
	return nil
}

func (c *Conn) pong(body []byte) error {
	var ctx []byte
	if len(body) > 2 {
		ctx = body[2:]
		if len(ctx) > 16 {
			ctx = ctx[:16]
		}
	}
	return c.WriteCommand("PONG", ctx)
}

// Ping sends a heartbeat with a TTL of ttl (tenths of a second, as ZMTP 3.1 counts it).
func (c *Conn) Ping(ttl uint16) error {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], ttl)
	return c.WriteCommand("PING", b[:])
}

// CloseWrite half-closes the connection (TCP FIN) so the peer reads everything we wrote and
// then EOF, while we can still read its last messages.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// NetConn is the underlying connection, for tests that need to put raw bytes on the wire.
func (c *Conn) NetConn() net.Conn { return c.nc }
