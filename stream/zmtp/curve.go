package zmtp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/picam-project/picam/stream/curve"
)

// The CURVE mechanism (RFC 25/26) inside our ZMTP layer. Package curve does the cryptography;
// this file puts its handshake into the greeting/command flow and seals every frame.
//
// Framing, as libzmq 4.3 does it (docs/curve.md §1): each message part becomes its own ZMTP
// data frame whose body is "\x07MESSAGE", an 8-byte nonce and a box of one flags byte plus the
// part. MORE (and COMMAND, for PING/PONG) travel inside the box; the outer frame flags carry
// neither, so the receiver ignores them and learns message boundaries only after opening.

// curveState is a connection's CURVE session and its reusable buffers.
type curveState struct {
	s        *curve.Session
	maxPlain int64  // the caller's MaxFrameSize; the wire cap is this plus curve.Overhead
	wbuf     []byte // sealed frames of one message, guarded by Conn.wmu
	cmd      []byte // plaintext of one outgoing command, guarded by Conn.wmu
	rbuf     []byte // one sealed incoming frame of at most keepSealed bytes, reader-owned
}

// keepSealed bounds the sealed-frame buffer a CURVE connection keeps between messages: frames
// up to it (a raw 720p BGR frame) reuse it; a larger one is read into a buffer that grows as
// its bytes arrive and is dropped once opened. A connection that once received a 64 MiB frame
// thus holds no 64 MiB buffer for the rest of its life.
const keepSealed = growStep

// mechanism is what this side announces in the greeting.
func (c *Conn) mechanism() (name string, asServer bool) {
	if c.opts.Curve == nil {
		return "NULL", false
	}
	return "CURVE", c.opts.Curve.AsServer()
}

// checkAsServer looks at the peer's as-server bit. RFC 23 says exactly one CURVE side sets it,
// but libzmq 4.3 sends zeros there whatever its role (and ignores the bit), so only a peer
// that claims to be a server while we are one can be refused here: two servers would each wait
// for the other's HELLO until the deadline. Two clients are caught by the handshake instead.
func (c *Conn) checkAsServer(peerAsServer byte) error {
	if c.opts.Curve != nil && c.opts.Curve.AsServer() && peerAsServer == 1 {
		return fmt.Errorf("%w: both sides are CURVE servers; the sender must be the CURVE client", ErrProtocol)
	}
	return nil
}

// handshakeConn gives package curve the command channel during the handshake, before any
// frame is sealed and while no other goroutine uses the connection.
type handshakeConn struct{ c *Conn }

func (h handshakeConn) WriteCommand(name string, body []byte) error {
	return h.c.writeRawCommand(name, body)
}

func (h handshakeConn) ReadCommand() (string, []byte, error) { return h.c.readCommand() }

// curveHandshake runs HELLO..READY with our READY properties as metadata and returns the
// peer's. Failures of the peer's making wrap ErrProtocol as well as the curve sentinel.
func (c *Conn) curveHandshake() ([]byte, error) {
	sess, meta, err := c.opts.Curve.Handshake(handshakeConn{c}, c.nc.RemoteAddr(), encodeProps(c.readyProps()))
	if err != nil {
		if errors.Is(err, curve.ErrSecurity) {
			return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		return nil, fmt.Errorf("zmtp: CURVE handshake: %w", err)
	}
	c.cv = &curveState{s: sess, maxPlain: c.opts.MaxFrameSize}
	c.opts.MaxFrameSize += int64(curve.Overhead) // readFrameHeader caps the sealed size
	return meta, nil
}

// encodeProps writes ZMTP metadata properties: name length, name, value length, value.
func encodeProps(props [][2]string) []byte {
	var b []byte
	for _, p := range props {
		b = append(b, byte(len(p[0])))
		b = append(b, p[0]...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(p[1])))
		b = append(b, p[1]...)
	}
	return b
}

// PeerKey is the peer's long-term CURVE public key, proven by the handshake (the server's on a
// client, the client's on a server); ok is false on a NULL connection.
func (c *Conn) PeerKey() (key curve.PublicKey, ok bool) {
	if c.cv == nil {
		return key, false
	}
	return c.cv.s.PeerKey(), true
}

// writeCurveMsg seals each part into its own frame and sends the message with one write. Like
// the NULL path it returns when the bytes are in the kernel, so parts may be reused at once.
func (c *Conn) writeCurveMsg(parts [][]byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	buf := c.cv.wbuf[:0]
	for i, p := range parts {
		var flags byte
		if i < len(parts)-1 {
			flags = curve.FlagMore
		}
		buf = appendFrameHeader(buf, 0, len(p)+curve.Overhead)
		var err error
		if buf, err = c.cv.s.Seal(buf, flags, p); err != nil {
			return fmt.Errorf("zmtp: seal: %w", err)
		}
	}
	c.cv.wbuf = buf
	if _, err := c.nc.Write(buf); err != nil {
		return fmt.Errorf("zmtp: write: %w", err)
	}
	return nil
}

// writeCurveCommand sends a command (PING, PONG) as a sealed MESSAGE with the COMMAND flag, as
// libzmq does once CURVE is up: a plaintext command would be unauthenticated.
func (c *Conn) writeCurveCommand(name string, body []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.cv.cmd = append(append(append(c.cv.cmd[:0], byte(len(name))), name...), body...)
	buf := appendFrameHeader(c.cv.wbuf[:0], 0, len(c.cv.cmd)+curve.Overhead)
	buf, err := c.cv.s.Seal(buf, curve.FlagCommand, c.cv.cmd)
	if err != nil {
		return fmt.Errorf("zmtp: seal: %w", err)
	}
	c.cv.wbuf = buf
	if _, err := c.nc.Write(buf); err != nil {
		return fmt.Errorf("zmtp: write: %w", err)
	}
	return nil
}

// readCurveMsg is ReadMsg for CURVE: every frame must be a MESSAGE that opens; the flags inside
// say whether more parts follow or whether it is a command. Sizes are checked against the caps
// before anything is allocated, as on the NULL path.
func (c *Conn) readCurveMsg(m *Msg, onCommand func(name string), held *int64) error {
	m.Parts = m.Parts[:0]
	var total int64
	for {
		_, size, err := c.readFrameHeader() // outer flags carry nothing under CURVE
		if err != nil {
			return err
		}
		if size < int64(curve.Overhead) {
			return fmt.Errorf("%w: %w: frame of %d bytes is shorter than a CURVE MESSAGE", ErrProtocol, curve.ErrMalformed, size)
		}
		plain := size - int64(curve.Overhead)
		if err := c.admitFrame(m, total+plain, c.cv.maxPlain, plain); err != nil {
			return err
		}
		i := len(m.Parts)
		// The budget counts both copies of the frame, sealed and opened: NaCl cannot open in
		// place, so a frame costs twice its size while it is read.
		if err := c.reserve(size, held); err != nil {
			return err
		}
		var wire []byte
		if size <= keepSealed {
			if int64(cap(c.cv.rbuf)) < size {
				c.cv.rbuf = make([]byte, size)
			}
			wire = c.cv.rbuf[:size]
			if _, err := io.ReadFull(c.br, wire); err != nil {
				return err
			}
		} else if wire, err = readGrowing(c.br, size); err != nil {
			return err
		}
		if err := c.reserve(plain+1, held); err != nil {
			return err
		}
		if i == len(m.bufs) {
			m.bufs = append(m.bufs, nil)
		}
		if int64(cap(m.bufs[i])) < plain+1 {
			m.bufs[i] = make([]byte, 0, plain+1)
		}
		out, err := c.cv.s.Open(m.bufs[i][:0], wire)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		flags, p := out[0], out[1:]
		if flags&curve.FlagCommand != 0 {
			if i > 0 {
				return fmt.Errorf("%w: command inside a multi-frame message", ErrProtocol)
			}
			if held != nil { // a heartbeat between messages holds nothing afterwards
				c.opts.Budget.Release(size + plain + 1)
				*held -= size + plain + 1
			}
			if err := c.command(p, onCommand); err != nil {
				return err
			}
			continue
		}
		total += plain
		m.Parts = append(m.Parts, p)
		if flags&curve.FlagMore == 0 {
			return nil
		}
	}
}
