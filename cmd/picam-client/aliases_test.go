package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// NetGear's option names for the modes picam-client shares with NetGear's client.
func TestNetGearOptionNames(t *testing.T) {
	o, err := parseFlags([]string{"--port", "5577", "--bidirectional_mode", "--custom_cert_location", "/keys"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !o.bidirectional || o.sec.CertDir != "/keys" {
		t.Errorf("bidirectional %v cert-dir %q", o.bidirectional, o.sec.CertDir)
	}
}

// A flag error is one line naming the flag as users type it, without the usage text.
func TestFlagErrorIsOneLine(t *testing.T) {
	var stderr bytes.Buffer
	_, err := parseFlags([]string{"--port"}, &stderr)
	want := "flag --port needs a value: --port takes a number: "
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "(see --help)") ||
		strings.Contains(err.Error(), "\n") || stderr.Len() != 0 {
		t.Errorf("error %v, printed %q; want one line %q... and nothing printed", err, stderr.String(), want)
	}
}
