package curve

import (
	"crypto/rand"
	"fmt"
	"io"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"
)

// KeyLen is the size of a Curve25519 key in bytes; its Z85 text is KeyTextLen characters.
const (
	KeyLen     = 32
	KeyTextLen = 40
)

// PublicKey is a Curve25519 public key. Its String form is the Z85 text used in certificate
// files and by libzmq's ZMQ_CURVE_SERVERKEY.
type PublicKey [KeyLen]byte

// String returns the key as 40 characters of Z85.
func (k PublicKey) String() string {
	s, _ := Z85Encode(k[:]) // 32 bytes is always a multiple of 4
	return s
}

// SecretKey is a Curve25519 secret key. Its String method does not reveal it, so a key that
// ends up in a log line or an error message stays secret; use Z85 to write it on purpose.
type SecretKey [KeyLen]byte

// String hides the key.
func (SecretKey) String() string { return "[secret key]" }

// GoString hides the key from %#v as well.
func (SecretKey) GoString() string { return "curve.SecretKey{[secret]}" }

// Z85 returns the key as 40 characters of Z85, for writing certificate files.
func (k SecretKey) Z85() string {
	s, _ := Z85Encode(k[:])
	return s
}

// KeyPair is a long-term (certificate) or transient key pair.
type KeyPair struct {
	Public PublicKey
	Secret SecretKey
}

// GenerateKeyPair makes a new random key pair, as zmq.curve_keypair does.
func GenerateKeyPair() (KeyPair, error) { return generateKeyPair(rand.Reader) }

func generateKeyPair(r io.Reader) (KeyPair, error) {
	var kp KeyPair
	if _, err := io.ReadFull(r, kp.Secret[:]); err != nil {
		return KeyPair{}, fmt.Errorf("curve: read random key: %w", err)
	}
	return KeyPairFromSecret(kp.Secret)
}

// KeyPairFromSecret derives the public key from a secret key (zmq.curve_public), so a secret
// certificate's two keys can be checked against each other.
func KeyPairFromSecret(sk SecretKey) (KeyPair, error) {
	pub, err := curve25519.X25519(sk[:], curve25519.Basepoint)
	if err != nil {
		return KeyPair{}, fmt.Errorf("curve: derive public key: %w", err)
	}
	kp := KeyPair{Secret: sk}
	copy(kp.Public[:], pub)
	return kp, nil
}

// ParsePublicKey decodes a 40-character Z85 public key.
func ParsePublicKey(s string) (PublicKey, error) {
	var k PublicKey
	err := parseKey(k[:], s, "public")
	return k, err
}

// ParseSecretKey decodes a 40-character Z85 secret key. Errors never echo the text.
func ParseSecretKey(s string) (SecretKey, error) {
	var k SecretKey
	err := parseKey(k[:], s, "secret")
	return k, err
}

func parseKey(dst []byte, s, kind string) error {
	if len(s) != KeyTextLen {
		return fmt.Errorf("curve: a %s key is %d characters of Z85, got %d", kind, KeyTextLen, len(s))
	}
	b, err := Z85Decode(s)
	if err != nil {
		if kind == "secret" {
			return fmt.Errorf("curve: secret key is not valid Z85")
		}
		return err
	}
	copy(dst, b)
	return nil
}

// sharedKey is crypto_box_beforenm (box.Precompute: X25519 then HSalsa20), but it first refuses
// low-order public keys, whose shared secret is all zeros and therefore known to anyone:
// curve25519.X25519 reports them, box.Precompute does not.
func sharedKey(peer *PublicKey, own *SecretKey) ([KeyLen]byte, error) {
	var key [KeyLen]byte
	if _, err := curve25519.X25519(own[:], peer[:]); err != nil {
		return key, fmt.Errorf("%w: %w", ErrBadKey, err)
	}
	box.Precompute(&key, (*[KeyLen]byte)(peer), (*[KeyLen]byte)(own))
	return key, nil
}
