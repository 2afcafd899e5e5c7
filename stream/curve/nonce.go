package curve

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Nonce prefixes of RFC 26. Short nonces are a 16-byte prefix plus an 8-byte big-endian
// counter; long nonces an 8-byte prefix plus 16 random bytes.
const (
	prefixHello    = "CurveZMQHELLO---"
	prefixInitiate = "CurveZMQINITIATE"
	prefixReady    = "CurveZMQREADY---"
	prefixMessageC = "CurveZMQMESSAGEC" // client to server
	prefixMessageS = "CurveZMQMESSAGES" // server to client
	prefixWelcome  = "WELCOME-"
	prefixCookie   = "COOKIE--"
	prefixVouch    = "VOUCH---"
)

func shortNonce(prefix string, n uint64) *[24]byte {
	var nonce [24]byte
	copy(nonce[:16], prefix)
	binary.BigEndian.PutUint64(nonce[16:], n)
	return &nonce
}

func longNonce(prefix string, tail []byte) *[24]byte {
	var nonce [24]byte
	copy(nonce[:8], prefix)
	copy(nonce[8:], tail)
	return &nonce
}

func randomBytes(r io.Reader, b []byte) error {
	if _, err := io.ReadFull(r, b); err != nil {
		return fmt.Errorf("curve: read random bytes: %w", err)
	}
	return nil
}
