package main

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
func serveBounded(t *testing.T, b httpBounds) (string, *connCap) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	hs, bln := boundedHTTP(mux, ln, b, slog.New(slog.DiscardHandler))
	go hs.Serve(bln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String(), bln.(*connCap)
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
	b := defaultHTTPBounds
	b.idle, b.maxConns = 700*time.Millisecond, 16
	addr, cl := serveBounded(t, b)
	var conns []net.Conn
	for i := 0; i < 300; i++ {
		conns = append(conns, keepAlive(t, addr))
		if n := cl.open(); n > b.maxConns {
			t.Fatalf("%d connections open, cap %d", n, b.maxConns)
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
			if !closedByServer(c, b.idle+2*time.Second) {
				mu.Lock()
				open++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(time.Second) // the server's side of the last close
	for cl.open() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if open != 0 || cl.open() != 0 {
		t.Fatalf("%d of %d keep-alive connections still open after the idle time-out (server counts %d)", open, len(conns), cl.open())
	}
}

// A client that never finishes its headers (slowloris) is cut after the header time-out, and
// headers over maxHeader are refused.
func TestHTTPSlowAndLargeHeaders(t *testing.T) {
	b := defaultHTTPBounds
	b.readHeader = 300 * time.Millisecond
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
