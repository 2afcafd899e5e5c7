package curve

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"

	"golang.org/x/crypto/nacl/box"
)

// Client is the CURVE client configuration: our long-term keys and the server's public key,
// which we must know beforehand (it is what authenticates the server). One Client may serve
// any number of connections at once.
type Client struct {
	keys   KeyPair
	server PublicKey
	rand   io.Reader // tests make handshakes reproducible; nil means crypto/rand
}

// NewClient returns a client configuration.
func NewClient(keys KeyPair, serverKey PublicKey) *Client {
	return &Client{keys: keys, server: serverKey}
}

// PublicKey is our long-term public key, the one an IronHouse server must trust.
func (c *Client) PublicKey() PublicKey { return c.keys.Public }

// ServerKey is the server public key we expect.
func (c *Client) ServerKey() PublicKey { return c.server }

// AsServer implements Handshaker: the client announces as-server 0.
func (c *Client) AsServer() bool { return false }

// Handshake implements Handshaker for the client side.
func (c *Client) Handshake(cc CommandConn, _ net.Addr, metadata []byte) (*Session, []byte, error) {
	h, err := c.start()
	if err != nil {
		return nil, nil, err
	}
	hello, err := h.hello()
	if err != nil {
		return nil, nil, err
	}
	if err := cc.WriteCommand("HELLO", hello); err != nil {
		return nil, nil, fmt.Errorf("curve: send HELLO: %w", err)
	}
	name, body, err := cc.ReadCommand()
	if err != nil {
		if closedEarly(err) {
			return nil, nil, fmt.Errorf("%w (%w); most likely the server key we use (%s) is not the server's: check public_keys/server.key", ErrNoWelcome, err, c.server)
		}
		return nil, nil, fmt.Errorf("curve: read WELCOME: %w", err)
	}
	switch name {
	case "WELCOME":
	case "ERROR":
		return nil, nil, refused(body)
	case "HELLO":
		return nil, nil, fmt.Errorf("%w: the peer sent HELLO too, so it is also a CURVE client; the receiver must be the CURVE server", ErrMalformed)
	default:
		return nil, nil, unexpected("the handshake", "WELCOME", name)
	}
	if err := h.welcome(body); err != nil {
		return nil, nil, err
	}
	initiate, err := h.initiate(metadata)
	if err != nil {
		return nil, nil, err
	}
	name, body, err = exchange(cc, "INITIATE", initiate, "READY")
	if err != nil {
		return nil, nil, err
	}
	switch name {
	case "READY":
	case "ERROR":
		return nil, nil, refused(body)
	default:
		return nil, nil, unexpected("the handshake", "READY", name)
	}
	peerMeta, err := h.ready(body)
	if err != nil {
		return nil, nil, err
	}
	return h.session(), peerMeta, nil
}

// clientHandshake holds one client handshake's state; its steps do no I/O.
type clientHandshake struct {
	cfg      *Client
	rand     io.Reader
	tx       KeyPair   // our transient keys C', c'
	helloKey [32]byte  // box key of c' and S (= s and C'), for HELLO and WELCOME
	serverTx PublicKey // S'
	cookie   [cookieLen]byte
	key      [32]byte // session key of c' and S'

	readyNonce uint64
}

func (c *Client) start() (*clientHandshake, error) {
	r := c.rand
	if r == nil {
		r = rand.Reader
	}
	h := &clientHandshake{cfg: c, rand: r}
	var err error
	if h.tx, err = generateKeyPair(r); err != nil {
		return nil, err
	}
	if h.helloKey, err = sharedKey(&c.server, &h.tx.Secret); err != nil {
		return nil, fmt.Errorf("curve: server key %s: %w", c.server, err)
	}
	return h, nil
}

// hello builds HELLO: version 1.0, 72 zero bytes (so HELLO is as large as WELCOME and cannot
// amplify), C', short nonce 1 and a box of 64 zeros from c' to S proving we know S.
func (h *clientHandshake) hello() ([]byte, error) {
	b := make([]byte, 0, helloBodyLen)
	b = append(b, 1, 0)
	b = append(b, make([]byte, 72)...)
	b = append(b, h.tx.Public[:]...)
	b = binary.BigEndian.AppendUint64(b, 1)
	b = box.SealAfterPrecomputation(b, make([]byte, 64), shortNonce(prefixHello, 1), &h.helloKey)
	return b, nil
}

// welcome opens WELCOME: a 16-byte nonce and a box from S to C' holding S' and the cookie.
func (h *clientHandshake) welcome(body []byte) error {
	if len(body) != welcomeBodyLen {
		return fmt.Errorf("%w: WELCOME of %d bytes, want %d", ErrMalformed, len(body), welcomeBodyLen)
	}
	var plain [32 + cookieLen]byte
	if _, ok := box.OpenAfterPrecomputation(plain[:0], body[16:], longNonce(prefixWelcome, body[:16]), &h.helloKey); !ok {
		return fmt.Errorf("%w: WELCOME does not open with server key %s (a server with other keys?)", ErrBadBox, h.cfg.server)
	}
	copy(h.serverTx[:], plain[:32])
	copy(h.cookie[:], plain[32:])
	var err error
	if h.key, err = sharedKey(&h.serverTx, &h.tx.Secret); err != nil {
		return fmt.Errorf("curve: server transient key: %w", err)
	}
	return nil
}

// initiate builds INITIATE: the cookie, short nonce 2 and a box from c' to S' holding our
// long-term key C, the vouch (a box from c to S' holding C' and S, proving that C owns this
// session) and our metadata.
func (h *clientHandshake) initiate(metadata []byte) ([]byte, error) {
	vouchKey, err := sharedKey(&h.serverTx, &h.cfg.keys.Secret)
	if err != nil {
		return nil, fmt.Errorf("curve: server transient key: %w", err)
	}
	var vn [16]byte
	if err := randomBytes(h.rand, vn[:]); err != nil {
		return nil, err
	}
	var vouchPlain [64]byte
	copy(vouchPlain[:32], h.tx.Public[:])
	copy(vouchPlain[32:], h.cfg.server[:])
	plain := make([]byte, 0, 32+16+vouchLen+len(metadata))
	plain = append(plain, h.cfg.keys.Public[:]...)
	plain = append(plain, vn[:]...)
	plain = box.SealAfterPrecomputation(plain, vouchPlain[:], longNonce(prefixVouch, vn[:]), &vouchKey)
	plain = append(plain, metadata...)

	b := make([]byte, 0, cookieLen+8+box.Overhead+len(plain))
	b = append(b, h.cookie[:]...)
	b = binary.BigEndian.AppendUint64(b, 2)
	b = box.SealAfterPrecomputation(b, plain, shortNonce(prefixInitiate, 2), &h.key)
	return b, nil
}

// ready opens READY: short nonce and a box from S' to C' holding the server's metadata.
func (h *clientHandshake) ready(body []byte) ([]byte, error) {
	if len(body) < readyMinLen {
		return nil, fmt.Errorf("%w: READY of %d bytes, at least %d needed", ErrMalformed, len(body), readyMinLen)
	}
	n := binary.BigEndian.Uint64(body)
	meta, ok := box.OpenAfterPrecomputation(nil, body[8:], shortNonce(prefixReady, n), &h.key)
	if !ok {
		return nil, fmt.Errorf("%w: READY", ErrBadBox)
	}
	if meta == nil {
		meta = []byte{}
	}
	h.readyNonce = n
	return meta, nil
}

func (h *clientHandshake) session() *Session {
	return &Session{
		key:        h.key,
		peer:       h.cfg.server,
		sendPrefix: prefixMessageC,
		recvPrefix: prefixMessageS,
		sendNonce:  2, // HELLO 1, INITIATE 2
		recvNonce:  h.readyNonce,
	}
}

// exchange sends the command name with body and reads the peer's answer,
// which should be the command want (the caller checks; want names the read in
// errors).
func exchange(cc CommandConn, name string, body []byte, want string) (string, []byte, error) {
	if err := cc.WriteCommand(name, body); err != nil {
		return "", nil, fmt.Errorf("curve: send %s: %w", name, err)
	}
	got, reply, err := cc.ReadCommand()
	if err != nil {
		return "", nil, fmt.Errorf("curve: read %s: %w", want, err)
	}
	return got, reply, nil
}
