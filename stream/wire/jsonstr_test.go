package wire

import (
	"encoding/json"
	"testing"
)

// appendString writes what Python's json.dumps writes, and encoding/json reads it back.
// strconv.AppendQuote, used before, wrote "\x7f" for a colorspace of DEL: not JSON.
func TestAppendStringIsPythonJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"BGR", `"BGR"`},
		{"a\"b\\c", `"a\"b\\c"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x1f", `"\u0000\u001f"`},
		{"\x7f", `"\u007f"`},                               // json.dumps escapes everything outside ' '..'~'
		{"\x7f\x00é😀", `"\u007f\u0000\u00e9\ud83d\ude00"`}, // json.dumps("\x7f\x00é😀") on Debian 12
		{"é", `"\u00e9"`},
		{"€", `"\u20ac"`},
		{"😀", `"\ud83d\ude00"`},
		{"\xff", `"\ufffd"`},
	} {
		got := string(appendString(nil, c.in))
		if got != c.want {
			t.Errorf("appendString(%q) = %s, want %s", c.in, got, c.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendString(%q) = %s does not parse: %v", c.in, got, err)
		}
	}
}
