package main

import (
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
)

// The card's picam.conf names /boot/rtsp.password and /boot/http.token, which a new card does
// not have until the user writes them. Missing, they are not usage errors (the appliance must
// keep running): RTSP serves loopback only, as without credentials, and HTTP refuses every
// request but /healthz, saying which file to write. Nothing is let through.
func TestCardConfBeforeTheCredentialsAreWritten(t *testing.T) {
	o, err := parseFlags([]string{"--config", "../../buildroot/board/picam/picam.conf"}, io.Discard)
	if err != nil || o.configErr != nil {
		t.Fatal(err, o.configErr)
	}
	dir := t.TempDir()
	o.rtsp.passwordFile = filepath.Join(dir, "rtsp.password")
	o.httpAuth.tokenFile = filepath.Join(dir, "http.token")
	log := slog.New(slog.DiscardHandler)

	hub := fanout.New(fanout.Config{})
	defer hub.Close()
	srv, err := o.rtsp.prepare(av.JPEG, hub, log)
	if err != nil || srv == nil {
		t.Fatalf("RTSP with the password file missing: %v", err)
	}

	bind, auth, err := o.httpAuth.prepare(o.httpAddr, log)
	if err != nil || bind != "0.0.0.0:8080" || auth == nil {
		t.Fatalf("HTTP with the token file missing: bind %q auth %v err %v", bind, auth, err)
	}
	h := auth.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, c := range []struct {
		path, header string
		want         int
	}{
		{"/", "", 401},
		{"/api/clients", "", 401},
		{"/api/clients", "Bearer 0123456789abcdef0123", 401},
		{"/api/clients?token=0123456789abcdef0123", "", 401},
		{"/healthz", "", 200},
	} {
		w := serveGET(h, c.path, c.header)
		if w.Code != c.want {
			t.Errorf("%s %q: %d, want %d", c.path, c.header, w.Code, c.want)
		}
		if c.want == 401 && !strings.Contains(w.Body.String(), o.httpAuth.tokenFile) {
			t.Errorf("%s: the refusal does not name the file to write: %q", c.path, w.Body.String())
		}
	}
}
