package rtsp

import (
	"context"
	"crypto/md5"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// offLoopback makes the server treat every client, loopback ones included, as remote:
// the tests have only loopback networking.
func offLoopback(s *Server) { s.local = func(net.Addr) bool { return false } }

// digestResponse computes an RFC 2617 Digest answer (no qop) the way a client does.
func digestResponse(user, realm, password, method, uri, nonce string) string {
	h := func(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }
	return h(h(user+":"+realm+":"+password) + ":" + nonce + ":" + h(method+":"+uri))
}

func TestAuthOffLoopback(t *testing.T) {
	ts := startServer(t, Config{Logger: quietLogger(), User: "viewer", Password: "s3cret"}, jpegSource(t, 30), 30, offLoopback)
	c := dialRaw(t, ts.url)
	r := c.do("DESCRIBE", ts.url)
	challenge := r.header.Get("WWW-Authenticate")
	if r.status != 401 || !strings.HasPrefix(challenge, "Digest ") || len(r.body) != 0 {
		t.Fatalf("DESCRIBE without credentials: %d %q body %q", r.status, challenge, r.body)
	}
	// Nothing is streamed to a client that skips authentication.
	for _, req := range [][]string{
		{"SETUP", ts.url + "/trackID=0", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1"},
		{"PLAY", ts.url, "Session: 0"},
		{"DESCRIBE", ts.url, "Authorization: Basic dmlld2VyOnMzY3JldA=="}, // viewer:s3cret, in clear
		{"DESCRIBE", ts.url, `Authorization: Digest username="viewer", realm="picam", nonce="x", uri="/cam", response="0"`},
	} {
		if r := c.do(req[0], req[1], req[2:]...); r.status != 401 {
			t.Errorf("%s %q: %d, want 401", req[0], req[2:], r.status)
		}
	}
	if n, err := c.countFrames(time.Second); n != 0 || err != nil {
		t.Errorf("an unauthenticated client received %d pictures (%v)", n, err)
	}
	// The right Digest answer is accepted, on this connection's nonce.
	params := parseAuthParams(strings.TrimPrefix(challenge, "Digest "))
	resp := digestResponse("viewer", params["realm"], "s3cret", "DESCRIBE", ts.url, params["nonce"])
	r = c.do("DESCRIBE", ts.url, fmt.Sprintf(`Authorization: Digest username="viewer", realm="%s", nonce="%s", uri="%s", response="%s"`,
		params["realm"], params["nonce"], ts.url, resp))
	if r.status != 200 || !strings.Contains(string(r.body), "JPEG/90000") {
		t.Errorf("DESCRIBE with Digest: %d", r.status)
	}

	// ffmpeg authenticates with Digest and decodes; with a wrong password it gets nothing.
	needTool(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	withUser := strings.Replace(ts.url, "rtsp://", "rtsp://viewer:s3cret@", 1)
	hashes, log := ffmpegDecode(ctx, t, withUser, "tcp", 30)
	if len(hashes) != 30 || strings.TrimSpace(log) != "" {
		t.Errorf("ffmpeg with the password decoded %d of 30 pictures; log %q", len(hashes), log)
	}
	wrong := strings.Replace(ts.url, "rtsp://", "rtsp://viewer:wrong@", 1)
	out, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", wrong,
		"-frames:v", "1", "-f", "null", "-").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "401") {
		t.Errorf("ffmpeg with a wrong password: %v\n%s", err, out)
	}
}

func TestNoCredentialsConfiguredRefusesRemoteClients(t *testing.T) {
	ts := startServer(t, Config{Logger: quietLogger()}, jpegSource(t, 30), 30, offLoopback)
	c := dialRaw(t, ts.url)
	if r := c.do("DESCRIBE", ts.url); r.status != 401 || len(r.body) != 0 {
		t.Errorf("DESCRIBE off loopback without configured credentials: %d", r.status)
	}
	if ts.b.subscribed != 0 {
		t.Errorf("a refused client subscribed %d feeds", ts.b.subscribed)
	}
}
