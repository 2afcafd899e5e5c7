package rtsp

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picam-project/picam/av"
)

// Feed is one consumer's packets from the fan-out: one per RTSP session.
type Feed interface {
	// Next blocks until the next packet this consumer can decode; the first one is a
	// keyframe (for H.264 with SPS and PPS). It returns an error once the feed is closed or
	// ctx is done.
	Next(ctx context.Context) (av.Packet, error)
	// Close ends the subscription.
	Close()
}

// Config configures a Server. Only Subscribe is required.
type Config struct {
	// Subscribe returns a new Feed for a consumer; name identifies the consumer in logs
	// and statistics ("rtsp 192.0.2.7:50123").
	Subscribe func(name string) Feed
	// Path is the stream's path (default "/cam").
	Path string
	// User and Password are the credentials clients off loopback must give (Digest).
	// Without them, only loopback clients are served.
	User, Password string
	// Realm is the Digest realm (default "picam").
	Realm string
	// MaxConns caps open RTSP connections (default 32) and MaxSessions the sessions set up
	// on them (default 16).
	MaxConns, MaxSessions int
	// SessionTimeout ends a session (and connection) that sends no request or RTCP for this
	// long, plus 10 % of grace (default 60 s); it is announced in the Session header. A
	// session playing over TCP lives as long as its connection.
	SessionTimeout time.Duration
	// WriteTimeout drops a client that cannot take a packet or response for this long
	// (default 5 s).
	WriteTimeout time.Duration
	// StartTimeout is how long DESCRIBE and SETUP wait for the feed's first packet
	// (default 10 s); then they answer 503.
	StartTimeout time.Duration
	// UDPPort is the server's RTP port for UDP transport (even; RTCP is UDPPort+1). 0 picks
	// a free pair.
	UDPPort int
	// Logger receives the server's logs (default slog.Default()).
	Logger *slog.Logger
}

// srInterval is how often a playing session sends an RTCP sender report (the first goes
// with the first packet).
const srInterval = 5 * time.Second

// requestTimeout bounds the time to read one request or interleaved frame once it has begun.
const requestTimeout = 10 * time.Second

// sendBufferBytes is the socket send buffer of each RTSP connection: a few frames of 1080p
// H.264, or one large JPEG.
const sendBufferBytes = 256 << 10

// Server is an RTSP server for one live video stream.
type Server struct {
	cfg   Config
	log   *slog.Logger
	auth  *digest
	local func(net.Addr) bool // clients served without credentials
	// requestTimeout is requestTimeout, shortened by tests.
	requestTimeout time.Duration

	connSlots chan struct{}
	sessions  atomic.Int32

	udpRTP, udpRTCP *net.UDPConn
	mu              sync.Mutex
	udpClients      map[netip.AddrPort]*session // a UDP session's client RTP and RTCP addresses
	all             map[*session]bool           // every session, for Sessions
}

// New returns a server for cfg, with defaults filled in.
func New(cfg Config) (*Server, error) {
	if cfg.Subscribe == nil {
		return nil, errors.New("rtsp: Config.Subscribe is required")
	}
	if cfg.Path == "" {
		cfg.Path = "/cam"
	}
	if cfg.Path[0] != '/' || len(cfg.Path) > 1 && cfg.Path[len(cfg.Path)-1] == '/' {
		return nil, fmt.Errorf("rtsp: path %q must start with / and not end with one", cfg.Path)
	}
	if (cfg.User == "") != (cfg.Password == "") {
		return nil, errors.New("rtsp: give both a user and a password, or neither (then only loopback clients are served)")
	}
	if cfg.UDPPort%2 != 0 || cfg.UDPPort < 0 || cfg.UDPPort > 65534 {
		return nil, fmt.Errorf("rtsp: UDP port %d must be even (RTCP uses the next one)", cfg.UDPPort)
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.MaxConns, 32)
	def(&cfg.MaxSessions, 16)
	defDur(&cfg.SessionTimeout, 60*time.Second)
	defDur(&cfg.WriteTimeout, 5*time.Second)
	defDur(&cfg.StartTimeout, 10*time.Second)
	if cfg.Realm == "" {
		cfg.Realm = "picam"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("output", "rtsp"), local: isLoopback, requestTimeout: requestTimeout,
		connSlots: make(chan struct{}, cfg.MaxConns), udpClients: map[netip.AddrPort]*session{},
		all: map[*session]bool{}}
	if cfg.User != "" {
		s.auth = &digest{realm: cfg.Realm, user: cfg.User, password: cfg.Password}
	}
	return s, nil
}

func isLoopback(a net.Addr) bool {
	ap, err := netip.ParseAddrPort(a.String())
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// ListenAndServe listens on the TCP address addr (":8554") and serves until ctx is done.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("rtsp: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve accepts RTSP connections on ln until ctx is done, then closes ln and every
// connection and returns once they are all gone. It returns nil when ctx ended it.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.openUDP(ln.Addr()); err != nil {
		ln.Close()
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		s.udpRTP.Close()
		s.udpRTCP.Close()
	})
	defer stop()
	wg.Go(func() { s.readUDP(s.udpRTP) })
	wg.Go(func() { s.readUDP(s.udpRTCP) })
	s.log.Info("rtsp: serving", "addr", ln.Addr().String(), "path", s.cfg.Path,
		"udp", s.udpRTP.LocalAddr().String(), "auth", s.auth != nil)
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("rtsp: accept: %w", err)
			}
			s.log.Warn("rtsp: accept", "err", err) // e.g. out of file descriptors: retry
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		wg.Go(func() { s.serveConn(ctx, nc) })
	}
}

// openUDP opens the server's RTP and RTCP sockets on the listener's IP.
func (s *Server) openUDP(tcpAddr net.Addr) error {
	ip := net.IP(nil)
	if ta, ok := tcpAddr.(*net.TCPAddr); ok && !ta.IP.IsUnspecified() {
		ip = ta.IP
	}
	for try := 0; try < 100; try++ {
		rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: s.cfg.UDPPort})
		if err != nil {
			return fmt.Errorf("rtsp: RTP port: %w", err)
		}
		port := rtpConn.LocalAddr().(*net.UDPAddr).Port
		if port%2 == 0 {
			rtcpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: port + 1})
			if err == nil {
				s.udpRTP, s.udpRTCP = rtpConn, rtcpConn
				return nil
			}
			if s.cfg.UDPPort != 0 {
				rtpConn.Close()
				return fmt.Errorf("rtsp: RTCP port %d: %w", port+1, err)
			}
		}
		rtpConn.Close()
	}
	return errors.New("rtsp: found no free even/odd UDP port pair for RTP and RTCP")
}

// readUDP reads what clients send to the server's UDP ports (receiver reports, NAT
// hole-punching packets) and counts it as a sign of life of their session.
func (s *Server) readUDP(pc *net.UDPConn) {
	buf := make([]byte, 2048)
	for {
		_, from, err := pc.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		s.mu.Lock()
		ss := s.udpClients[netip.AddrPortFrom(from.Addr().Unmap(), from.Port())]
		s.mu.Unlock()
		if ss != nil {
			ss.touch()
		}
	}
}

// UDPPorts returns the server's RTP and RTCP ports for UDP transport (once serving).
func (s *Server) UDPPorts() (rtpPort, rtcpPort int) {
	return s.udpRTP.LocalAddr().(*net.UDPAddr).Port, s.udpRTCP.LocalAddr().(*net.UDPAddr).Port
}

// newSessionID returns 16 random hex digits.
func newSessionID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// conn is one client's RTSP connection, with at most one session on it.
type conn struct {
	s      *Server
	nc     net.Conn
	br     *bufio.Reader
	log    *slog.Logger
	nonce  string
	local  bool
	remote netip.AddrPort

	wmu sync.Mutex // serialises writes: responses and the session's interleaved frames

	// Before SETUP: the feed DESCRIBE opened and its preroll, handed to the session.
	feed    Feed
	pre     *preroll
	started av.Packet // the feed's first packet (its SPS/PPS describe the stream)

	sess *session
}

// serveConn runs one connection until the client leaves, breaks the protocol, stalls, or
// ctx ends; then everything it held is released.
func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	if tc, ok := nc.(*net.TCPConn); ok {
		// A fixed send buffer (the kernel's autotuning grows it to megabytes) bounds the
		// memory a slow client ties up and lets WriteTimeout notice a stalled one quickly.
		_ = tc.SetWriteBuffer(sendBufferBytes)
	}
	ap, _ := netip.ParseAddrPort(nc.RemoteAddr().String())
	c := &conn{s: s, nc: nc, br: bufio.NewReaderSize(nc, 4096), nonce: newNonce(),
		local: s.local(nc.RemoteAddr()), remote: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()),
		log: s.log.With("client", nc.RemoteAddr().String())}
	defer c.close()
	select {
	case s.connSlots <- struct{}{}:
		defer func() { <-s.connSlots }()
	default:
		c.refuseBusy()
		return
	}
	c.log.Debug("rtsp: connected")
	if err := c.serve(ctx); err != nil {
		c.log.Debug("rtsp: connection ended", "err", err)
	}
}

// refuseBusy answers the first request of a connection beyond MaxConns with 503.
func (c *conn) refuseBusy() {
	_ = c.nc.SetReadDeadline(time.Now().Add(min(c.s.cfg.WriteTimeout, time.Second)))
	req, err := ReadRequest(c.br)
	cseq := ""
	if err == nil {
		cseq = req.Header.Get("Cseq")
	}
	c.log.Warn("rtsp: refusing a connection: too many", "max", c.s.cfg.MaxConns)
	_ = c.write((&response{status: 503}).appendTo(nil, cseq))
}

// close releases the session, an unused feed and the connection.
func (c *conn) close() {
	if c.sess != nil {
		c.sess.close()
		c.sess = nil
	}
	if c.pre != nil {
		_, _ = c.pre.stop()
		c.pre = nil
	}
	if c.feed != nil {
		c.feed.Close()
		c.feed = nil
	}
	c.nc.Close()
}

// write writes b with the write deadline, serialised with the session's packets.
func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
	_, err := c.nc.Write(b)
	return err
}

// lingerClose stops writing and reads (and drops) what the client is still sending, for a
// bounded time and amount, before the connection is closed: closing with unread data resets
// the connection, and the client could lose the error response it has not read yet.
func (c *conn) lingerClose() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = io.CopyN(io.Discard, c.br, 1<<20)
}

// serve reads requests and interleaved frames until the connection ends.
func (c *conn) serve(ctx context.Context) error {
	frameBuf := make([]byte, maxInterleavedKept)
	// 10 % of grace over the announced time-out: some clients ping exactly at it.
	timeout := c.s.cfg.SessionTimeout + c.s.cfg.SessionTimeout/10
	for {
		if c.sess != nil && c.sess.tr.tcp && c.sess.playing() {
			_ = c.nc.SetReadDeadline(time.Time{}) // lives as long as the connection
		} else {
			_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
		}
		b, err := c.br.Peek(1)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && c.sess != nil && c.sess.alive(timeout) {
				continue // a UDP session kept alive by RTCP
			}
			return err
		}
		if b[0] != '\r' && b[0] != '\n' {
			// Once a request or frame has begun, it must arrive within requestTimeout: a
			// client trickling bytes cannot hold a connection slot for long.
			_ = c.nc.SetReadDeadline(time.Now().Add(c.s.requestTimeout))
		}
		switch b[0] {
		case '$':
			f, err := readInterleaved(c.br, frameBuf)
			if err != nil {
				return err
			}
			if c.sess != nil {
				c.sess.touch()
			}
			_ = f
			continue
		case '\r', '\n':
			_, _ = c.br.ReadByte()
			continue
		}
		req, err := ReadRequest(c.br)
		var se *statusError
		if errors.As(err, &se) {
			c.log.Warn("rtsp: bad request, closing", "err", err)
			_ = c.write((&response{status: se.status}).appendTo(nil, ""))
			c.lingerClose()
			return err
		}
		if err != nil {
			return err
		}
		resp, after := c.handle(ctx, req)
		if err := c.write(resp.appendTo(nil, req.Header.Get("Cseq"))); err != nil {
			return fmt.Errorf("writing %d response: %w", resp.status, err)
		}
		if after != nil {
			after()
		}
	}
}

// SessionInfo describes one client's session.
type SessionInfo struct {
	// ID is the RTSP session id; Remote the client's address.
	ID, Remote string
	// Transport is "tcp" (interleaved) or "udp".
	Transport string
	// Playing is false between SETUP and PLAY, and while paused.
	Playing bool
	// Since is when the session was set up.
	Since time.Time
	// Frames and Bytes count the pictures and RTP payload bytes sent; Skipped the packets
	// that could not be sent (a JPEG RFC 2435 cannot carry).
	Frames, Bytes, Skipped uint64
}

// Sessions returns a snapshot of the current sessions.
func (s *Server) Sessions() []SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SessionInfo, 0, len(s.all))
	for ss := range s.all {
		tr := "udp"
		if ss.tr.tcp {
			tr = "tcp"
		}
		out = append(out, SessionInfo{ID: ss.id, Remote: ss.c.remote.String(), Transport: tr, Playing: ss.isPlaying.Load(),
			Since: ss.since, Frames: ss.frames.Load(), Bytes: ss.bytes.Load(), Skipped: ss.skipped.Load()})
	}
	return out
}
