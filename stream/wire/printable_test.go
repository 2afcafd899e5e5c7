package wire

import (
	"strings"
	"testing"
)

// Issue 16: raw escape sequences and a forged "Client at port 1 said:" line from a client
// reached the operator's terminal.
func TestPrintableEscapesAndTruncates(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text, ünïcode ok", "plain text, ünïcode ok"},
		{"a\nClient at port 1 said: forged", `a\nClient at port 1 said: forged`},
		{"\x1b[2J\x07\r\t", `\x1b[2J\a\r\t`},
		{"back\\slash", `back\\slash`},
		{"bidi \u202e evil", `bidi \u202e evil`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"sep \u2028 line", `sep \u2028 line`},
	} {
		if got := Printable(c.in, 100); got != c.want {
			t.Errorf("Printable(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	long := strings.Repeat("\n", 10000)
	got := Printable(long, 64)
	if len(got) > 64+len("… (truncated: 10000 bytes)") || !strings.HasSuffix(got, "… (truncated: 10000 bytes)") || strings.Contains(got, "\n") {
		t.Fatalf("Printable of 10000 newlines = %q", got)
	}
}
