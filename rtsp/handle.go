package rtsp

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// publicMethods is the OPTIONS answer.
const publicMethods = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER"

// handle answers one request. after, when not nil, runs once the response is written (PLAY
// starts sending only then).
func (c *conn) handle(ctx context.Context, req *Request) (resp *response, after func()) {
	if req.Header.Get("Cseq") == "" {
		return &response{status: 400}, nil
	}
	if !c.local {
		if c.s.auth == nil {
			c.log.Warn("rtsp: a client off loopback, and no user and password are configured: refused")
			r := &response{status: 401}
			r.set("WWW-Authenticate", (&digest{realm: c.s.cfg.Realm}).challenge(c.nonce))
			return r, nil
		}
		if !c.s.auth.verify(req.Header.Get("Authorization"), req.Method, c.nonce) {
			r := &response{status: 401}
			r.set("WWW-Authenticate", c.s.auth.challenge(c.nonce))
			return r, nil
		}
	}
	sid, _, _ := strings.Cut(req.Header.Get("Session"), ";")
	sid = strings.TrimSpace(sid)
	if c.sess != nil && sid == c.sess.id {
		c.sess.touch()
	}
	switch req.Method {
	case "OPTIONS":
		r := &response{status: 200}
		r.set("Public", publicMethods)
		return r, nil
	case "DESCRIBE":
		return c.describe(ctx, req), nil
	case "SETUP":
		return c.setup(ctx, req, sid), nil
	case "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER":
	default:
		return &response{status: 501}, nil
	}
	// The rest act on the session.
	if c.sess == nil || sid != c.sess.id {
		switch {
		case sid != "":
			return &response{status: 454}, nil
		case req.Method == "GET_PARAMETER" || req.Method == "SET_PARAMETER":
			return &response{status: 200}, nil // a keep-alive before SETUP
		default:
			return &response{status: 455}, nil // PLAY, PAUSE or TEARDOWN without SETUP
		}
	}
	ss := c.sess
	r := &response{status: 200}
	r.set("Session", ss.header())
	switch req.Method {
	case "PLAY":
		r.set("Range", "npt=0.000-")
		if ss.playing() {
			return r, nil // already playing: the sender's numbering is its goroutine's now
		}
		seq, ts := ss.snd.next()
		r.set("RTP-Info", fmt.Sprintf("url=%s%s;seq=%d;rtptime=%d", baseURL(req.URI), trackControl, seq, ts))
		return r, func() { ss.play(ctx) }
	case "PAUSE":
		ss.pause()
	case "TEARDOWN":
		ss.close()
		c.sess = nil
		r.header = nil
	}
	return r, nil
}

// path returns the path of a request URI (absolute rtsp://host/path, or a bare path),
// without a trailing slash, or "" when it is not a URL.
func requestPath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// baseURL is the Content-Base for a request URI: the URI with exactly one trailing slash.
func baseURL(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	u.RawQuery, u.Fragment = "", ""
	if s := strings.TrimSuffix(u.Path, "/"+trackControl); s != u.Path {
		u.Path = s
	}
	return strings.TrimSuffix(u.String(), "/") + "/"
}

// start opens the connection's feed, if it has none, and waits for its first packet, which
// must be of a codec RTSP can carry. The error is a ready response.
func (c *conn) start(ctx context.Context) *response {
	if c.feed != nil || c.sess != nil {
		return nil
	}
	feed := c.s.cfg.Subscribe("rtsp " + c.nc.RemoteAddr().String())
	ctx0 := ctx
	ctx, cancel := context.WithTimeout(ctx, c.s.cfg.StartTimeout)
	defer cancel()
	p, err := feed.Next(ctx)
	if err != nil {
		feed.Close()
		c.log.Warn("rtsp: no video to serve", "err", err, "waited", c.s.cfg.StartTimeout)
		return &response{status: 503}
	}
	if _, err := describeSDP(p); err != nil {
		feed.Close()
		c.log.Warn("rtsp: cannot serve this stream", "err", err)
		return &response{status: 415, body: []byte(err.Error() + "\n")}
	}
	c.feed, c.started = feed, p
	c.pre = startPreroll(ctx0, feed, p)
	return nil
}

func (c *conn) describe(ctx context.Context, req *Request) *response {
	if requestPath(req.URI) != c.s.cfg.Path {
		return &response{status: 404}
	}
	if r := c.start(ctx); r != nil {
		return r
	}
	sdp, err := describeSDP(c.started)
	if err != nil {
		return &response{status: 415, body: []byte(err.Error() + "\n")}
	}
	r := &response{status: 200, body: sdp}
	r.set("Content-Type", "application/sdp")
	r.set("Content-Base", baseURL(req.URI))
	return r
}

func (c *conn) setup(ctx context.Context, req *Request, sid string) *response {
	if p := requestPath(req.URI); p != c.s.cfg.Path+"/"+trackControl && p != c.s.cfg.Path {
		return &response{status: 404}
	}
	switch {
	case c.sess != nil && sid == c.sess.id:
		return &response{status: 455} // the one track is set up already
	case c.sess != nil:
		return &response{status: 459} // one session per connection
	case sid != "":
		return &response{status: 454}
	}
	tr, ok := parseTransport(req.Header.Get("Transport"))
	if !ok {
		return &response{status: 461}
	}
	if n := c.s.sessions.Add(1); int(n) > c.s.cfg.MaxSessions {
		c.s.sessions.Add(-1)
		c.log.Warn("rtsp: refusing a session: too many", "max", c.s.cfg.MaxSessions)
		return &response{status: 453}
	}
	if r := c.start(ctx); r != nil {
		c.s.sessions.Add(-1)
		return r
	}
	ss := &session{id: newSessionID(), c: c, feed: c.feed, pre: c.pre, tr: tr, snd: newRTPSender(c.started.Codec), since: time.Now()}
	c.feed, c.pre = nil, nil
	ss.touch()
	var th string
	if tr.tcp {
		if !tr.channelsOK {
			tr.channels = [2]byte{0, 1}
			ss.tr = tr
		}
		th = fmt.Sprintf("RTP/AVP/TCP;unicast;interleaved=%d-%d", tr.channels[0], tr.channels[1])
	} else {
		ip := c.remote.Addr()
		ss.udpDst = [2]netip.AddrPort{netip.AddrPortFrom(ip, uint16(tr.clientPorts[0])), netip.AddrPortFrom(ip, uint16(tr.clientPorts[1]))}
		rtpPort, rtcpPort := c.s.UDPPorts()
		th = fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d;server_port=%d-%d", tr.clientPorts[0], tr.clientPorts[1], rtpPort, rtcpPort)
		c.s.mu.Lock()
		c.s.udpClients[ss.udpDst[0]], c.s.udpClients[ss.udpDst[1]] = ss, ss
		c.s.mu.Unlock()
	}
	c.s.mu.Lock()
	c.s.all[ss] = true
	c.s.mu.Unlock()
	th += ";ssrc=" + fmt.Sprintf("%08X", ss.snd.ssrc)
	c.sess = ss
	c.log.Info("rtsp: session set up", "session", ss.id, "transport", th)
	r := &response{status: 200}
	r.set("Transport", th)
	r.set("Session", ss.header())
	return r
}

// header is the Session header value with the time-out the client should ping within.
func (ss *session) header() string {
	return ss.id + ";timeout=" + strconv.Itoa(int(ss.c.s.cfg.SessionTimeout.Seconds()))
}
