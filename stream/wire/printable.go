package wire

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPrintable is how much of a peer's text Printable shows by default (callers that print
// client replies on a terminal or in a log use it).
const MaxPrintable = 256

// Show renders a client's reply data for a terminal or a log: escaped (Printable), at most
// max bytes, with a note of the full size when it was cut.
func (r *Reply) Show(max int) string {
	s, cut := r.DataPrefix(4 * max)
	out, cut2 := escape(s, max)
	if cut || cut2 {
		size := len(s)
		if cut {
			size = len(r.Data)
		}
		out += "… (truncated: " + strconv.Itoa(size) + " bytes)"
	}
	return out
}

// Printable makes text that came from a peer safe to show on a terminal or in a log: control
// characters (newline, escape, ...), Unicode format characters (bidirectional overrides),
// invalid UTF-8 and the backslash itself are shown as Go escapes (\n, \x1b, \u202e, \\), so
// a peer can neither drive the terminal nor start a line of its own that looks like ours. The
// result is at most max bytes of escaped text; anything longer is cut there, followed by a
// note with the original size.
func Printable(s string, max int) string {
	out, cut := escape(s, max)
	if cut {
		out += "… (truncated: " + strconv.Itoa(len(s)) + " bytes)"
	}
	return out
}

// escape is Printable without the note: the escaped text, at most max bytes, and whether s
// went on.
func escape(s string, max int) (string, bool) {
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
			return b.String(), true
		}
		b.WriteString(esc)
		i += n
	}
	return b.String(), false
}

// DataPrefix is DataString for display, reading at most about limit bytes of the data: a
// large JSON string is decoded from its first bytes only, so showing a big reply costs no
// more than a small one. truncated reports that the data went on.
func (r *Reply) DataPrefix(limit int) (s string, truncated bool) {
	if r.ReturnType == "ndarray" || len(r.Data) <= limit {
		return r.DataString(), false
	}
	head := r.Data[:limit]
	if head[0] != '"' {
		return string(head), true
	}
	// Close the string after the prefix; a prefix cut inside an escape does not decode, so
	// drop up to an escape's length (\uXXXX) from its end until it does.
	for cut := 0; cut <= 6 && cut < len(head)-1; cut++ {
		var v string
		if json.Unmarshal(append(append([]byte(nil), head[:len(head)-cut]...), '"'), &v) == nil {
			return v, true
		}
	}
	return string(head), true
}
