package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/internal/httplimit"
	"github.com/picam-project/picam/stream"
	"github.com/picam-project/picam/update"
)

// The 4 KiB body bound holds for every route but those given their own (POST /api/update,
// whose bundle is streamed to disk under the update package's bound).
func TestHTTPBodyBoundPerRoute(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	read := func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		w.Write([]byte{byte(n >> 16)})
	}
	mux.HandleFunc("POST /api/update", read)
	mux.HandleFunc("POST /other", read)
	b := httplimit.Default
	b.BodyFor = map[string]int64{"POST /api/update": 1 << 20}
	hs, bln := httplimit.Server(mux, ln, b, slog.New(slog.DiscardHandler))
	go hs.Serve(bln)
	t.Cleanup(func() { hs.Close() })
	url := "http://" + ln.Addr().String()
	for _, c := range []struct {
		path string
		size int
		want int
	}{
		{"/api/update", 512 << 10, 200},
		{"/api/update", 1<<20 + 1, 413},
		{"/other", 4 << 10, 200},
		{"/other", 512 << 10, 413},
	} {
		resp, err := http.Post(url+c.path, "", bytes.NewReader(make([]byte, c.size)))
		if err != nil {
			t.Fatalf("POST %s (%d bytes): %v", c.path, c.size, err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("POST %s with %d bytes: %d, want %d", c.path, c.size, resp.StatusCode, c.want)
		}
	}
}

// startHTTP registers /api/update behind the token: without it, 401; with it, a machine without
// RAUC's system.conf (this one) refuses with the reason, 501.
func TestUpdateRouteNeedsTheToken(t *testing.T) {
	if _, err := os.Stat(update.SystemConf); err == nil {
		t.Fatalf("%s exists on this machine: this test expects a machine that is not the appliance", update.SystemConf)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv, err := stream.NewServer(stream.ServerConfig{Address: "127.0.0.1", Ports: []int{port}, Pattern: stream.PubSub})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const token = "update-test-token-0123456789"
	auth := &httpAuth{digest: sha256.Sum256([]byte(token))}
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := hln.Addr().String()
	hln.Close()
	_, err = startHTTP(ctx, addr, auth, srv, codec.Selection{}, nil, nil, nil, nil, func() (status.State, int) { return status.Waiting, 0 }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		token string
		want  int
	}{{"", 401}, {"wrong-token-0123456789", 401}, {token, 501}} {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/update", bytes.NewReader(make([]byte, 64<<10)))
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want || (c.want == 501 && !strings.Contains(string(body), update.CodeNoEngine)) {
			t.Errorf("POST /api/update with token %q: %d %s; want %d", c.token, resp.StatusCode, body, c.want)
		}
	}
}

// slowBody sends left bytes in pieces, pausing before each.
type slowBody struct {
	left, piece int
	pause       time.Duration
}

func (s *slowBody) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.pause)
	k := min(len(p), s.piece, s.left)
	s.left -= k
	return k, nil
}

type acceptAll struct{}

func (acceptAll) Check(context.Context, string) (update.Bundle, error) {
	return update.Bundle{Version: "t"}, nil
}
func (acceptAll) Install(context.Context, string, func(string)) error { return nil }
func (acceptAll) Reboot() error                                       { return nil }

// An upload may take longer than the server's bound on a whole request (10 s; 300 ms here):
// POST /api/update sets its own deadline, where any other request is cut at the bound.
func TestSlowUploadOutlastsTheRequestBound(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	up := update.New(update.Options{Engine: acceptAll{}, Dir: t.TempDir()})
	up.Register(mux)
	b := httplimit.Default
	b.Read = 300 * time.Millisecond
	b.BodyFor = map[string]int64{"POST /api/update": up.MaxBody()}
	hs, bln := httplimit.Server(mux, ln, b, slog.New(slog.DiscardHandler))
	go hs.Serve(bln)
	t.Cleanup(func() { hs.Close() })
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/update?reboot=0", &slowBody{left: 100000, piece: 10000, pause: 120 * time.Millisecond})
	req.ContentLength = 100000
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a 1.2 s upload against a 300 ms request bound: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || time.Since(start) < 1200*time.Millisecond {
		t.Errorf("a slow upload: %d %s after %v; want 200 after at least 1.2 s", resp.StatusCode, body, time.Since(start))
	}
}
