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

// Show decodes only a prefix of a large JSON string reply, escapes it and names the full size.
func TestReplyShowLargeString(t *testing.T) {
	long := `"\u001b[2J\nClient at port 1 said: forged ` + strings.Repeat(`\u001b`, 100000) + `"`
	r := Reply{ReturnType: "str", Data: []byte(long)}
	got := r.Show(64)
	want := `\x1b[2J\nClient at port 1 said: forged \x1b\x1b`
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "… (truncated: 600043 bytes)") || len(got) > 64+40 {
		t.Fatalf("Show = %q", got)
	}
	small := Reply{ReturnType: "str", Data: []byte(`"hi\n"`)}
	if got := small.Show(64); got != `hi\n` {
		t.Fatalf("Show small = %q", got)
	}
}
