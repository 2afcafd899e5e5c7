package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/picam-project/picam/internal/cli"
)

// --pattern 0 is NetGear's default mode: not multi-client, port 5555 unless given, return
// data only with --bidirectional; an explicit --multiclient is NetGear's ValueError.
func TestPattern0Flags(t *testing.T) {
	o, err := parseFlags([]string{"--pattern", "0"}, io.Discard)
	if err != nil || o.multiClient || o.port != 5555 {
		t.Fatalf("--pattern 0: %+v, %v", o, err)
	}
	o, err = parseFlags([]string{"--pattern", "0", "--port", "6000", "--bidirectional", "--return", "x"}, io.Discard)
	if err != nil || o.port != 6000 || o.multiClient {
		t.Fatalf("--pattern 0 --port 6000 --bidirectional --return: %+v, %v", o, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--pattern", "0", "--return", "x"}, "need --bidirectional"},
		{[]string{"--pattern", "0", "--multiclient"}, "`0` pattern is not valid when Multi-Client Mode is enabled"},
		{[]string{"--pattern", "0", "--ports", "5566,5567"}, "`0` pattern is not valid when Multi-Server Mode is enabled"},
	} {
		var stderr bytes.Buffer
		code := run(c.args, strings.NewReader(""), io.Discard, &stderr)
		if code != cli.ExitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}
