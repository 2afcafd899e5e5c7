package rtsp

import (
	"strings"
	"testing"
)

// The client answers a Digest challenge the way the server side checks it.
func TestRecorderDigestAnswersTheServersCheck(t *testing.T) {
	d := &digest{realm: "picam", user: "cam", password: "correct horse"}
	nonce := newNonce()
	authz := authorizer([]string{`Basic realm="picam"`, d.challenge(nonce)}, "cam", "correct horse")
	if authz == nil {
		t.Fatal("no answer to a Digest challenge")
	}
	uri := "rtsp://127.0.0.1:8554/cam"
	if h := authz("ANNOUNCE", uri); !d.verify(h, "ANNOUNCE", nonce) {
		t.Errorf("the server refuses %q", h)
	}
	wrong := authorizer([]string{d.challenge(nonce)}, "cam", "wrong")
	if d.verify(wrong("ANNOUNCE", uri), "ANNOUNCE", nonce) {
		t.Error("a wrong password passes")
	}
	basic := authorizer([]string{`Basic realm="x"`}, "a", "b")
	if basic == nil || !strings.HasPrefix(basic("RECORD", uri), "Basic ") {
		t.Error("no Basic answer when only Basic is offered")
	}
	if authorizer([]string{`Bearer x`}, "a", "b") != nil {
		t.Error("answered an unknown scheme")
	}
}
