package main

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// httpBounds are the status API's limits (README, Security, "Bounds"). /healthz needs no token,
// so anyone who can reach the port can open connections: without them 1000 keep-alive
// connections stayed open for ever (+1000 FDs and goroutines), and at the FD limit the stream's
// own sockets could not be opened.
type httpBounds struct {
	readHeader time.Duration // the request line and headers must arrive within this
	read       time.Duration // the whole request
	write      time.Duration // the whole response
	idle       time.Duration // a keep-alive connection with no request is closed after this
	maxHeader  int           // request line plus headers, bytes
	maxBody    int64         // request body bytes a handler may read (no endpoint takes one)
	maxConns   int           // open connections; the oldest idle one makes room for a new one

	// bodyFor: "METHOD /path" routes with their own body bound instead of maxBody (POST
	// /api/update, which streams a bundle to disk).
	bodyFor map[string]int64
}

var defaultHTTPBounds = httpBounds{
	readHeader: 5 * time.Second,
	read:       10 * time.Second,
	write:      30 * time.Second,
	idle:       15 * time.Second,
	maxHeader:  8 << 10,
	maxBody:    4 << 10,
	maxConns:   32,
}

// boundedHTTP returns an http.Server for handler with b's limits, and the listener to serve it
// on: ln wrapped so that no more than b.maxConns connections are open at once.
func boundedHTTP(handler http.Handler, ln net.Listener, b httpBounds, log *slog.Logger) (*http.Server, net.Listener) {
	cl := &connCap{Listener: ln, max: b.maxConns, conns: map[net.Conn]*connEntry{}, log: log}
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			max := b.maxBody
			if n, ok := b.bodyFor[r.Method+" "+r.URL.Path]; ok {
				max = n
			}
			r.Body = http.MaxBytesReader(w, r.Body, max)
			handler.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: b.readHeader,
		ReadTimeout:       b.read,
		WriteTimeout:      b.write,
		IdleTimeout:       b.idle,
		MaxHeaderBytes:    b.maxHeader,
		ConnState:         cl.track,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return hs, cl
}

// connCap is a listener that keeps at most max connections open. When a new one arrives at
// the cap, the connection idle the longest (between keep-alive requests, or connected without
// a request yet) is closed to make room; if every connection is busy with a request, the new
// one is closed instead. Either way it is counted and logged, at most once every 10 s.
type connCap struct {
	net.Listener
	max int
	log *slog.Logger

	mu      sync.Mutex
	conns   map[net.Conn]*connEntry
	cut     uint64
	lastLog time.Time
}

type connEntry struct {
	state http.ConnState
	since time.Time
}

// Accept returns the next connection, having made room for it.
func (l *connCap) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		var victim net.Conn
		if len(l.conns) >= l.max {
			var oldest time.Time
			for vc, e := range l.conns {
				if e.state != http.StateActive && (victim == nil || e.since.Before(oldest)) {
					victim, oldest = vc, e.since
				}
			}
			l.cut++
			if now := time.Now(); now.Sub(l.lastLog) >= 10*time.Second {
				l.lastLog = now
				l.log.Warn("http: connection cap reached; closing the longest idle connection", "cap", l.max, "cut", l.cut)
			}
			if victim == nil {
				l.mu.Unlock()
				c.Close()
				continue
			}
			delete(l.conns, victim)
		}
		l.conns[c] = &connEntry{state: http.StateNew, since: time.Now()}
		l.mu.Unlock()
		if victim != nil {
			victim.Close()
		}
		return c, nil
	}
}

// track follows each connection's state (http.Server.ConnState).
func (l *connCap) track(c net.Conn, st http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.conns[c]
	if !ok {
		return
	}
	if st == http.StateClosed || st == http.StateHijacked {
		delete(l.conns, c)
		return
	}
	e.state, e.since = st, time.Now()
}

// open is the number of connections counted as open.
func (l *connCap) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}
