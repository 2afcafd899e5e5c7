package wire

import (
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way Python's json.dumps writes it (pyzmq's
// send_json, ensure_ascii): `"` and `\` escaped, \n \r \t \b \f by name, other control
// characters, DEL and everything outside ASCII as \uXXXX (UTF-16 surrogate pairs above U+FFFF),
// bytes that are not UTF-8 as \ufffd. strconv.Quote would write Go escapes such as \x7f or
// \a, which JSON does not have.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			case c < 0x20 || c == 0x7f: // Python escapes all but ' '..'~'
				dst = appendU(dst, rune(c))
			default:
				dst = append(dst, c)
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r >= 0x10000 {
			r -= 0x10000
			dst = appendU(dst, 0xD800+(r>>10))
			dst = appendU(dst, 0xDC00+(r&0x3FF))
			continue
		}
		dst = appendU(dst, r) // utf8.RuneError (U+FFFD) for a byte that is not UTF-8
	}
	return append(dst, '"')
}

// appendU appends \uXXXX for a rune below 0x10000.
func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
}
