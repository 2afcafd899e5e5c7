package httplimit

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveBounded serves /healthz with b's limits on a loopback port.
func serveBounded(t *testing.T, b Bounds) (string, *Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	hs, bln := Server(mux, ln, b, slog.New(slog.DiscardHandler))
	go hs.Serve(bln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String(), bln
}

// keepAlive opens a connection, makes one keep-alive request and leaves it open.
func keepAlive(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return c // cut at once: the cap was full of busy connections
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return c
}

// closedByServer reports whether the server has closed c (a read sees EOF or a reset).
func closedByServer(c net.Conn, wait time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(wait))
	_, err := c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return err != nil
}

// Issue 16: 1000 keep-alive connections to the unauthenticated /healthz were all still open
// after 60 s. Now at most maxConns are open at any time, idle ones close after the idle
// time-out, and a new request is served while the flood sits there.
func TestHTTPKeepAliveFloodIsBounded(t *testing.T) {
	b := Default
	b.Idle, b.MaxConns = 700*time.Millisecond, 16
	addr, cl := serveBounded(t, b)
	var conns []net.Conn
	for i := 0; i < 300; i++ {
		conns = append(conns, keepAlive(t, addr))
		if n := cl.Open(); n > b.MaxConns {
			t.Fatalf("%d connections open, cap %d", n, b.MaxConns)
		}
	}
	// A new client is served at once.
	hc := &http.Client{Timeout: 2 * time.Second}
	resp, err := hc.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("request during the flood: %v", err)
	}
	resp.Body.Close()
	hc.CloseIdleConnections()
	// Those over the cap were closed at once; the others after the idle time-out.
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := 0
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !closedByServer(c, b.Idle+2*time.Second) {
				mu.Lock()
				open++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(time.Second) // the server's side of the last close
	for cl.Open() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if open != 0 || cl.Open() != 0 {
		t.Fatalf("%d of %d keep-alive connections still open after the idle time-out (server counts %d)", open, len(conns), cl.Open())
	}
}

// A client that never finishes its headers (slowloris) is cut after the header time-out, and
// headers over maxHeader are refused.
func TestHTTPSlowAndLargeHeaders(t *testing.T) {
	b := Default
	b.ReadHeader = 300 * time.Millisecond
	addr, _ := serveBounded(t, b)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	start := time.Now()
	io.Copy(io.Discard, c) // returns when the server closes
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("slow header held for %v", d)
	}

	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c2, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 64<<10))
	resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB header: %s", resp.Status)
	}
}

// streamBounds are bounds like picam-client's viewer's: no whole-request limit.
func streamBounds() Bounds {
	b := Default
	b.Read = 0
	b.ReadHeader, b.Idle, b.Write = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	return b
}

// A streaming response (picam-client's viewer) outlives every time-out when its handler sets a
// deadline per write, and a request body trickled on such a server is still cut: net/http
// would otherwise wait for it without a deadline after the handler.
func TestStreamingResponseAndSlowBody(t *testing.T) {
	b := streamBounds()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for i := 0; i < 15; i++ {
			rc.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := fmt.Fprintf(w, "%d\n", i); err != nil || rc.Flush() != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	hs, bln := Server(mux, ln, b, slog.New(slog.DiscardHandler))
	go hs.Serve(bln)
	t.Cleanup(func() { hs.Close() })
	addr := ln.Addr().String()

	resp, err := http.Get("http://" + addr + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if n := strings.Count(string(body), "\n"); n != 15 {
		t.Fatalf("the stream ended after %d of 15 lines (1.5 s, the time-outs are 0.3 s)", n)
	}

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx")
	start := time.Now()
	go func() { // one byte every 100 ms, for ever
		for i := 0; i < 100; i++ {
			time.Sleep(100 * time.Millisecond)
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	if !closedByServer(c, 5*time.Second) {
		// The response came; the server must then close rather than wait for the body.
		if !closedByServer(c, 3*time.Second) {
			t.Fatalf("a trickled body held the connection for %v", time.Since(start))
		}
	}
}
