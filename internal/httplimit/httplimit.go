// Package httplimit bounds what HTTP clients can make a picam command hold: picam-server's
// status API (--http) and picam-client's browser viewer (--view) serve through it (README,
// Security, "Bounds"). /healthz and the viewer need no token, so anyone who can reach the port
// can open connections: without these limits 1000 keep-alive connections stayed open for ever
// (+1000 FDs and goroutines), and at the FD limit the stream's own sockets could not be opened.
package httplimit

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Bounds are one server's limits.
type Bounds struct {
	ReadHeader time.Duration // the request line and headers must arrive within this
	// Read bounds the whole request, body included; 0 = no limit beyond ReadHeader and
	// MaxBody. Keep it 0 for long-lived responses: net/http cancels a request's context when
	// it passes, even while the response is still streaming.
	Read time.Duration
	// Write bounds the writing of each response. A handler that streams sets its own
	// deadline before each write (http.ResponseController), which replaces this one.
	Write     time.Duration
	Idle      time.Duration // a keep-alive connection with no request is closed after this
	MaxHeader int           // request line plus headers, bytes
	MaxBody   int64         // request body bytes a handler may read
	MaxConns  int           // open connections; the oldest idle one makes room for a new one
	// BodyFor gives "METHOD /path" routes their own body bound instead of MaxBody (picam-server's
	// POST /api/update, which streams a bundle to disk).
	BodyFor map[string]int64
}

// Default are picam-server's status API limits (no endpoint takes a body, none streams).
var Default = Bounds{
	ReadHeader: 5 * time.Second,
	Read:       10 * time.Second,
	Write:      30 * time.Second,
	Idle:       15 * time.Second,
	MaxHeader:  8 << 10,
	MaxBody:    4 << 10,
	MaxConns:   32,
}

// Server returns an http.Server for handler with b's limits, and the listener to serve it
// on: ln wrapped so that no more than b.MaxConns connections are open at once.
func Server(handler http.Handler, ln net.Listener, b Bounds, log *slog.Logger) (*http.Server, *Listener) {
	cl := &Listener{Listener: ln, max: b.MaxConns, conns: map[net.Conn]*connEntry{}, log: log}
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			max := b.MaxBody
			if n, ok := b.BodyFor[r.Method+" "+r.URL.Path]; ok {
				max = n
			}
			r.Body = http.MaxBytesReader(w, r.Body, max)
			rc := http.NewResponseController(w)
			if b.Write > 0 {
				_ = rc.SetWriteDeadline(time.Now().Add(b.Write))
			}
			if b.Read == 0 && (r.ContentLength != 0 || len(r.TransferEncoding) > 0) {
				// No whole-request limit (long-lived responses), but a body must still arrive
				// within ReadHeader: net/http reads an unread one after the handler, without a
				// deadline of its own.
				_ = rc.SetReadDeadline(time.Now().Add(b.ReadHeader))
			}
			handler.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: b.ReadHeader,
		ReadTimeout:       b.Read,
		IdleTimeout:       b.Idle,
		MaxHeaderBytes:    b.MaxHeader,
		ConnState:         cl.track,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return hs, cl
}

// Listener is a listener that keeps at most a cap of connections open. When a new one
// arrives at the cap, the connection idle the longest (between keep-alive requests, or
// connected without a request yet) is closed to make room; if every connection is busy with a
// request, the new one is closed instead. Either way it is counted and logged, at most once
// every 10 s.
type Listener struct {
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
func (l *Listener) Accept() (net.Conn, error) {
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
				l.log.Warn("http: connection cap reached; closing the longest idle connection, or the new one if all are busy", "cap", l.max, "cut", l.cut)
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
func (l *Listener) track(c net.Conn, st http.ConnState) {
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

// Open is the number of connections counted as open.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Cut is the number of connections closed for the cap.
func (l *Listener) Cut() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut
}
