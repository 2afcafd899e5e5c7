package curve

import (
	"encoding/binary"
	"fmt"
	"math"

	"golang.org/x/crypto/nacl/box"
)

// MESSAGE flags, carried inside the box (RFC 26 with ZMTP 3.1's COMMAND bit): the outer ZMTP
// frame's flags say nothing, libzmq sends every MESSAGE as a final data frame.
const (
	FlagMore    = 0x01
	FlagCommand = 0x02
)

// messageName is the MESSAGE command's name with its length byte, the start of every
// encrypted frame body.
const messageName = "\x07MESSAGE"

// Overhead is what sealing adds to a frame: name (8), nonce (8), MAC (16) and flags (1).
const Overhead = len(messageName) + 8 + box.Overhead + 1

// Session is the state of one connection after a successful handshake: the transient shared
// key, the peer's long-term key and the two nonce counters.
//
// Seal and Open may run in two different goroutines at once (one writer, one reader), but
// each must not run concurrently with itself.
type Session struct {
	key        [32]byte
	peer       PublicKey
	sendPrefix string
	recvPrefix string
	sendNonce  uint64 // last nonce used; the next MESSAGE uses sendNonce+1
	recvNonce  uint64 // last nonce accepted; the next must be larger
	plain      []byte // Seal's scratch for flags + payload (the box API needs them contiguous)
}

// PeerKey is the peer's long-term public key, proven by the handshake: the server's key on a
// client, the client's (the one the Authorizer saw) on a server.
func (s *Session) PeerKey() PublicKey { return s.peer }

// Seal appends one MESSAGE command body ("\x07MESSAGE", nonce, box of flags+payload) to dst and
// returns the extended slice, len(payload)+Overhead bytes longer. The payload is copied first
// (the box needs the flags byte in front of it), so it may be reused as soon as Seal returns.
func (s *Session) Seal(dst []byte, flags byte, payload []byte) ([]byte, error) {
	if s.sendNonce == math.MaxUint64 {
		return dst, fmt.Errorf("curve: message nonces exhausted; reconnect")
	}
	s.sendNonce++
	s.plain = append(append(s.plain[:0], flags), payload...)
	dst = append(dst, messageName...)
	dst = binary.BigEndian.AppendUint64(dst, s.sendNonce)
	dst = box.SealAfterPrecomputation(dst, s.plain, shortNonce(s.sendPrefix, s.sendNonce), &s.key)
	return dst, nil
}

// Open authenticates and decrypts one MESSAGE command body. It appends the plaintext, the
// flags byte followed by the frame, to dst and returns the extended slice; dst must not overlap
// body. It refuses bodies that are too short or not MESSAGE (ErrMalformed), nonces that do not
// increase (ErrReplay) and boxes that do not open (ErrBadBox). After an error the connection
// must be closed: the stream can no longer be trusted.
func (s *Session) Open(dst, body []byte) ([]byte, error) {
	if len(body) < Overhead {
		return dst, fmt.Errorf("%w: MESSAGE of %d bytes, at least %d needed", ErrMalformed, len(body), Overhead)
	}
	if string(body[:len(messageName)]) != messageName {
		return dst, fmt.Errorf("%w: expected MESSAGE after the handshake", ErrMalformed)
	}
	n := binary.BigEndian.Uint64(body[len(messageName):])
	if n <= s.recvNonce {
		return dst, fmt.Errorf("%w: nonce %d after %d", ErrReplay, n, s.recvNonce)
	}
	out, ok := box.OpenAfterPrecomputation(dst, body[len(messageName)+8:], shortNonce(s.recvPrefix, n), &s.key)
	if !ok {
		return dst, fmt.Errorf("%w: MESSAGE %d", ErrBadBox, n)
	}
	s.recvNonce = n
	return out, nil
}
