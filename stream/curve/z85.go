package curve

import (
	"encoding/binary"
	"fmt"
)

// z85Alphabet is RFC 32's character set: printable, no quotes or backslash, so keys can sit in
// ZPL files, shell arguments and JSON unescaped.
const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// z85Decode maps a character to its value plus one; 0 marks characters outside the alphabet.
var z85Decode = func() (t [256]byte) {
	for i := 0; i < len(z85Alphabet); i++ {
		t[z85Alphabet[i]] = byte(i + 1)
	}
	return t
}()

// Z85Encode encodes src as Z85 text (RFC 32). len(src) must be a multiple of 4, as the RFC
// requires; keys (32 bytes) always are.
func Z85Encode(src []byte) (string, error) {
	if len(src)%4 != 0 {
		return "", fmt.Errorf("curve: Z85 needs a multiple of 4 bytes, got %d", len(src))
	}
	out := make([]byte, 0, len(src)/4*5)
	for i := 0; i < len(src); i += 4 {
		v := binary.BigEndian.Uint32(src[i:])
		var chunk [5]byte
		for j := 4; j >= 0; j-- {
			chunk[j] = z85Alphabet[v%85]
			v /= 85
		}
		out = append(out, chunk[:]...)
	}
	return string(out), nil
}

// Z85Decode decodes Z85 text (RFC 32). It refuses lengths that are not a multiple of 5,
// characters outside the alphabet and 5-character groups above 2^32-1 (libzmq silently wraps
// those; a real key never contains one).
func Z85Decode(s string) ([]byte, error) {
	if len(s)%5 != 0 {
		return nil, fmt.Errorf("curve: Z85 text needs a multiple of 5 characters, got %d", len(s))
	}
	out := make([]byte, 0, len(s)/5*4)
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for j := 0; j < 5; j++ {
			d := z85Decode[s[i+j]]
			if d == 0 {
				return nil, fmt.Errorf("curve: invalid Z85 character %q at offset %d", s[i+j], i+j)
			}
			v = v*85 + uint64(d-1)
		}
		if v > 0xFFFFFFFF {
			return nil, fmt.Errorf("curve: Z85 group %q at offset %d overflows 32 bits", s[i:i+5], i)
		}
		out = binary.BigEndian.AppendUint32(out, uint32(v))
	}
	return out, nil
}
