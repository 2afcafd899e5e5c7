package main

import (
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/stream"
	"github.com/picam-project/picam/web"
)

// With --http-token-file (any bind off loopback needs one), the page and WHEP need the token
// like every other path: POST /whep without it, or with it only in the URL, is 401 and starts
// no peer; the bearer header works, and so does the cookie the page's ?token= visit set (the
// page cannot turn an HttpOnly cookie into a header), for POST /whep and its DELETE only.
func TestWebRTCNeedsTheToken(t *testing.T) {
	const token = "webrtc-test-token-0123456789"
	srv, err := stream.NewServer(stream.ServerConfig{Pattern: stream.PubSub, NoClientsOK: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hub := fanout.New(fanout.Config{})
	t.Cleanup(hub.Close)
	log := slog.New(slog.DiscardHandler)
	wr, err := web.New(web.Config{Hub: hub, Codec: av.H264, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wr.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := startHTTP(ctx, addr, &httpAuth{digest: sha256.Sum256([]byte(token))}, srv, codec.Selection{Codec: av.H264}, nil, nil, wr, nil,
		func() (status.State, int) { return status.Waiting, 0 }, log); err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr
	do := func(method, path string, h http.Header) (int, string, *http.Response) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader("v=0\r\n"))
		for k, v := range h {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/sdp")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b), resp
	}
	for _, c := range []struct {
		method, path string
		h            http.Header
	}{
		{"GET", "/", nil},
		{"POST", "/whep", nil},
		{"POST", "/whep?token=" + token, nil},
		{"POST", "/whep", http.Header{"Authorization": {"Bearer wrong-token-0123456789"}}},
		{"POST", "/whep", http.Header{"Cookie": {tokenCookie + "=wrong-token-0123456789"}}},
		{"DELETE", "/whep/0123", nil},
	} {
		if code, body, _ := do(c.method, c.path, c.h); code != http.StatusUnauthorized || !strings.Contains(body, "?token=") {
			t.Errorf("%s %s %v: %d %q; want 401 naming the fix", c.method, c.path, c.h, code, body)
		}
	}
	if n := len(wr.Peers()); n != 0 {
		t.Fatalf("%d peers after the refusals", n)
	}
	// Past the token check, a bad offer is the endpoint's own 400.
	if code, body, _ := do("POST", "/whep", http.Header{"Authorization": {"Bearer " + token}}); code != http.StatusBadRequest {
		t.Errorf("POST /whep with the bearer token: %d %q; want the endpoint's 400 for a bad offer", code, body)
	}
	code, body, resp := do("GET", "/?token="+token, nil)
	if code != 200 || !strings.Contains(body, "/whep") {
		t.Fatalf("GET /?token=: %d", code)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == tokenCookie {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("GET /?token= set no cookie")
	}
	jar := http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}
	if code, body, _ := do("POST", "/whep", jar); code != http.StatusBadRequest {
		t.Errorf("POST /whep with the page's cookie: %d %q; want the endpoint's 400", code, body)
	}
	if code, _, _ := do("DELETE", "/whep/0123", jar); code != http.StatusNotFound {
		t.Errorf("DELETE /whep/ID with the cookie: %d; want the endpoint's 404", code)
	}
	if code, _, _ := do("POST", "/api/update", jar); code != http.StatusUnauthorized {
		t.Errorf("POST /api/update with the cookie: %d; want 401 (the cookie is for GET and the page's WHEP only)", code)
	}
}
