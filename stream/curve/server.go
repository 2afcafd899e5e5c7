package curve

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/nacl/box"
	"golang.org/x/crypto/nacl/secretbox"
)

// cookieKeyLifetime is how long one cookie key seals new cookies. RFC 26 asks for a fresh key
// at least every minute, so a captured cookie is useless soon after; the previous key still
// opens cookies for one more period so a handshake that straddles a rotation succeeds.
const cookieKeyLifetime = time.Minute

// Server is the CURVE server configuration: our long-term keys, the authorizer that decides
// which clients may connect, and the rotating cookie key. One Server serves any number of
// connections at once.
type Server struct {
	keys KeyPair
	auth Authorizer
	rand io.Reader        // nil means crypto/rand
	now  func() time.Time // nil means time.Now

	mu      sync.Mutex
	cookie  [32]byte
	prev    [32]byte
	since   time.Time // when cookie was made; zero before the first handshake
	hasPrev bool
}

// NewServer returns a server configuration. A nil auth accepts every client (StoneHouse
// without an allow-list).
func NewServer(keys KeyPair, auth Authorizer) *Server {
	if auth == nil {
		auth = StoneHouse()
	}
	return &Server{keys: keys, auth: auth}
}

// PublicKey is our long-term public key, the one clients must be given.
func (s *Server) PublicKey() PublicKey { return s.keys.Public }

// AsServer implements Handshaker: the server announces as-server 1.
func (s *Server) AsServer() bool { return true }

// Handshake implements Handshaker for the server side. A client the Authorizer refuses gets
// ERROR "400" (libzmq's ZAP code for "not authorized") and the returned error says why. Broken
// or mis-keyed HELLO and INITIATE commands end the handshake without an answer, as in libzmq.
func (s *Server) Handshake(cc CommandConn, remote net.Addr, metadata []byte) (*Session, []byte, error) {
	h := s.start()
	name, body, err := cc.ReadCommand()
	if err != nil {
		return nil, nil, fmt.Errorf("curve: read HELLO: %w", err)
	}
	if name != "HELLO" {
		return nil, nil, unexpected("the handshake", "HELLO", name)
	}
	if err := h.hello(body); err != nil {
		return nil, nil, err
	}
	welcome, err := h.welcome()
	if err != nil {
		return nil, nil, err
	}
	name, body, err = exchange(cc, "WELCOME", welcome, "INITIATE")
	if err != nil {
		return nil, nil, err
	}
	if name != "INITIATE" {
		return nil, nil, unexpected("the handshake", "INITIATE", name)
	}
	peerMeta, err := h.initiate(body)
	if err != nil {
		return nil, nil, err
	}
	if err := s.auth.Authorize(remote, h.clientKey); err != nil {
		werr := cc.WriteCommand("ERROR", errorBody("400"))
		if werr != nil {
			return nil, nil, fmt.Errorf("curve: client %s from %v refused: %w (and sending ERROR failed: %v)", h.clientKey, remote, err, werr)
		}
		return nil, nil, fmt.Errorf("curve: client %s from %v refused: %w", h.clientKey, remote, err)
	}
	ready, err := h.ready(metadata)
	if err != nil {
		return nil, nil, err
	}
	if err := cc.WriteCommand("READY", ready); err != nil {
		return nil, nil, fmt.Errorf("curve: send READY: %w", err)
	}
	return h.session(), peerMeta, nil
}

// cookieKeys returns the key that seals new cookies and, when still valid, the previous one,
// rotating first when the current key is a minute old.
func (s *Server) cookieKeys(r io.Reader) (cur, prev [32]byte, hasPrev bool, err error) {
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	t := now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if age := t.Sub(s.since); s.since.IsZero() || age >= cookieKeyLifetime || age < 0 {
		var fresh [32]byte
		if err := randomBytes(r, fresh[:]); err != nil {
			return cur, prev, false, err
		}
		// The old key stays usable only if it was current until just now.
		s.hasPrev = !s.since.IsZero() && age >= 0 && age < 2*cookieKeyLifetime
		s.prev, s.cookie, s.since = s.cookie, fresh, t
	}
	return s.cookie, s.prev, s.hasPrev, nil
}

// serverHandshake holds one server handshake's state; its steps do no I/O.
type serverHandshake struct {
	srv       *Server
	rand      io.Reader
	clientTx  PublicKey // C'
	helloKey  [32]byte  // box key of s and C'
	helloN    uint64
	tx        KeyPair  // our transient keys S', s'
	key       [32]byte // session key of s' and C'
	clientKey PublicKey
	initN     uint64
}

func (s *Server) start() *serverHandshake {
	r := s.rand
	if r == nil {
		r = rand.Reader
	}
	return &serverHandshake{srv: s, rand: r}
}

// hello checks HELLO: exact length, version 1.0, and a box of 64 zeros from C' to S (which
// only opens if the client was given our real public key).
func (h *serverHandshake) hello(body []byte) error {
	if len(body) != helloBodyLen {
		return fmt.Errorf("%w: HELLO of %d bytes, want %d", ErrMalformed, len(body), helloBodyLen)
	}
	if body[0] != 1 || body[1] != 0 {
		return fmt.Errorf("%w: HELLO for CurveZMQ version %d.%d, only 1.0 exists", ErrMalformed, body[0], body[1])
	}
	copy(h.clientTx[:], body[74:106])
	h.helloN = binary.BigEndian.Uint64(body[106:114])
	var err error
	if h.helloKey, err = sharedKey(&h.clientTx, &h.srv.keys.Secret); err != nil {
		return fmt.Errorf("curve: client transient key: %w", err)
	}
	var zeros [64]byte
	plain, ok := box.OpenAfterPrecomputation(zeros[:0], body[114:], shortNonce(prefixHello, h.helloN), &h.helloKey)
	if !ok {
		return fmt.Errorf("%w: HELLO does not open with our key %s; the client was given another server key", ErrBadBox, h.srv.keys.Public)
	}
	if subtle.ConstantTimeCompare(plain, make([]byte, 64)) != 1 {
		return fmt.Errorf("%w: HELLO box does not hold zeros", ErrMalformed)
	}
	return nil
}

// welcome makes our transient keys and the cookie, a secretbox under the cookie key holding
// C' and s', and returns WELCOME: a random nonce and a box from S to C' holding S' and the
// cookie.
func (h *serverHandshake) welcome() ([]byte, error) {
	var err error
	if h.tx, err = generateKeyPair(h.rand); err != nil {
		return nil, err
	}
	if h.key, err = sharedKey(&h.clientTx, &h.tx.Secret); err != nil {
		return nil, fmt.Errorf("curve: client transient key: %w", err)
	}
	cookieKey, _, _, err := h.srv.cookieKeys(h.rand)
	if err != nil {
		return nil, err
	}
	var cn [16]byte
	if err := randomBytes(h.rand, cn[:]); err != nil {
		return nil, err
	}
	var cookiePlain [64]byte
	copy(cookiePlain[:32], h.clientTx[:])
	copy(cookiePlain[32:], h.tx.Secret[:])
	plain := make([]byte, 0, 32+cookieLen)
	plain = append(plain, h.tx.Public[:]...)
	plain = append(plain, cn[:]...)
	plain = secretbox.Seal(plain, cookiePlain[:], longNonce(prefixCookie, cn[:]), &cookieKey)
	clear(cookiePlain[:])

	var wn [16]byte
	if err := randomBytes(h.rand, wn[:]); err != nil {
		return nil, err
	}
	b := make([]byte, 0, welcomeBodyLen)
	b = append(b, wn[:]...)
	b = box.SealAfterPrecomputation(b, plain, longNonce(prefixWelcome, wn[:]), &h.helloKey)
	return b, nil
}

// initiate checks INITIATE: the cookie must open under a current cookie key and hold this
// connection's C' and s'; the box from C' must open; the vouch inside must open with the
// client's long-term key C and hold C' and our S (so C really speaks through this session).
// It returns the client's metadata; the caller then asks the Authorizer about C.
func (h *serverHandshake) initiate(body []byte) ([]byte, error) {
	if len(body) < initiateMinLen {
		return nil, fmt.Errorf("%w: INITIATE of %d bytes, at least %d needed", ErrMalformed, len(body), initiateMinLen)
	}
	if err := h.openCookie(body[:cookieLen]); err != nil {
		return nil, err
	}
	h.initN = binary.BigEndian.Uint64(body[cookieLen:])
	if h.initN <= h.helloN {
		return nil, fmt.Errorf("%w: INITIATE nonce %d after HELLO nonce %d", ErrReplay, h.initN, h.helloN)
	}
	plain, ok := box.OpenAfterPrecomputation(nil, body[cookieLen+8:], shortNonce(prefixInitiate, h.initN), &h.key)
	if !ok {
		return nil, fmt.Errorf("%w: INITIATE", ErrBadBox)
	}
	copy(h.clientKey[:], plain[:32])
	vouchKey, err := sharedKey(&h.clientKey, &h.tx.Secret)
	if err != nil {
		return nil, fmt.Errorf("curve: client long-term key: %w", err)
	}
	var vouch [64]byte
	if _, ok := box.OpenAfterPrecomputation(vouch[:0], plain[48:48+vouchLen], longNonce(prefixVouch, plain[32:48]), &vouchKey); !ok {
		return nil, fmt.Errorf("%w: the vouch in INITIATE does not open with the client key %s it names", ErrBadBox, h.clientKey)
	}
	if subtle.ConstantTimeCompare(vouch[:32], h.clientTx[:]) != 1 {
		return nil, fmt.Errorf("%w: the vouch in INITIATE is for another session's transient key", ErrBadBox)
	}
	if subtle.ConstantTimeCompare(vouch[32:], h.srv.keys.Public[:]) != 1 {
		return nil, fmt.Errorf("%w: the vouch in INITIATE is for another server", ErrBadBox)
	}
	return plain[48+vouchLen:], nil
}

func (h *serverHandshake) openCookie(c []byte) error {
	cur, prev, hasPrev, err := h.srv.cookieKeys(h.rand)
	if err != nil {
		return err
	}
	var plain [64]byte
	nonce := longNonce(prefixCookie, c[:16])
	_, ok := secretbox.Open(plain[:0], c[16:], nonce, &cur)
	if !ok && hasPrev {
		_, ok = secretbox.Open(plain[:0], c[16:], nonce, &prev)
	}
	// Both failures come from a cookie this handshake did not make: a recorded handshake sent
	// again (or a forged one), never from wrong keys, so they are named as replays, not ErrBadBox.
	if !ok {
		return fmt.Errorf("%w: the INITIATE cookie does not open (a recorded handshake replayed after its cookie key expired, or forged)", ErrReplay)
	}
	defer clear(plain[:])
	if subtle.ConstantTimeCompare(plain[:32], h.clientTx[:]) != 1 || subtle.ConstantTimeCompare(plain[32:], h.tx.Secret[:]) != 1 {
		return fmt.Errorf("%w: the INITIATE cookie belongs to another handshake (a recorded handshake replayed)", ErrReplay)
	}
	return nil
}

// ready returns READY: short nonce 1 and a box from S' to C' holding our metadata.
func (h *serverHandshake) ready(metadata []byte) ([]byte, error) {
	b := make([]byte, 0, 8+box.Overhead+len(metadata))
	b = binary.BigEndian.AppendUint64(b, 1)
	return box.SealAfterPrecomputation(b, metadata, shortNonce(prefixReady, 1), &h.key), nil
}

func (h *serverHandshake) session() *Session {
	return &Session{
		key:        h.key,
		peer:       h.clientKey,
		sendPrefix: prefixMessageS,
		recvPrefix: prefixMessageC,
		sendNonce:  1, // READY
		recvNonce:  h.initN,
	}
}
