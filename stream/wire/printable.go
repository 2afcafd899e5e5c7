package wire

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPrintable is how much of a peer's text Printable shows by default (callers that print
// client replies on a terminal or in a log use it).
const MaxPrintable = 256

// Printable makes text that came from a peer safe to show on a terminal or in a log: control
// characters (newline, escape, ...), Unicode format characters (bidirectional overrides),
// invalid UTF-8 and the backslash itself are shown as Go escapes (\n, \x1b, \u202e, \\), so
// a peer can neither drive the terminal nor start a line of its own that looks like ours. The
// result is at most max bytes of escaped text; anything longer is cut there, followed by a
// note with the original size.
func Printable(s string, max int) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch {
		case r == utf8.RuneError && n == 1:
			esc = `\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:]
		case r == '\\':
			esc = `\\`
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029':
			q := strconv.QuoteRuneToASCII(r)
			esc = q[1 : len(q)-1]
		default:
			esc = s[i : i+n]
		}
		if b.Len()+len(esc) > max {
			b.WriteString("… (truncated: ")
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteString(" bytes)")
			return b.String()
		}
		b.WriteString(esc)
		i += n
	}
	return b.String()
}
