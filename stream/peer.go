package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/stream/wire"
	"github.com/picam-project/picam/stream/zmtp"
)

const (
	stateConnecting int32 = iota // never connected yet
	stateConnected
	stateGone    // was connected, connection lost, redialling
	stateRefused // was sent the terminate: it cannot decode the stream's codec; redialling
)

var stateNames = map[int32]ClientState{stateConnecting: ClientConnecting, stateConnected: ClientConnected, stateGone: ClientGone, stateRefused: ClientRefused}

// peerEnv is what a client's sender needs from its Server: settings, lifetimes and the events
// it reports back. All the peers of a Server share one; a peer holds nothing else of it.
type peerEnv struct {
	pattern Pattern
	// dial is the connection's options (socket type, CURVE, send buffer, read limit);
	// dialTimeout bounds one dial and handshake; retryMin and retryMax the redial back-off.
	dial                            zmtp.Options
	dialTimeout, retryMin, retryMax time.Duration
	heartbeat, writeTimeout         time.Duration
	requestTimeout, stallAfter      time.Duration
	terminate                       []byte // NetGear's terminate message, as this server words it
	refusalHint                     string // ServerConfig.RefusalHint
	log                             *slog.Logger

	runCtx  context.Context // cancelled to force every sender to stop
	dialCtx context.Context // cancelled when closing starts: no new connections
	closing <-chan struct{} // closed when closing starts: send the last frame and terminate

	requestKeyframe func()                     // nil when the encoder cannot be asked for one
	connected       func()                     // a client connected (re-evaluates the Wait policy)
	ready           func() bool                // the Wait policy is met: senders may send
	demand          func()                     // a connected client's mailbox emptied
	reply           func(Reply)                // a client's reply, to queue for Server.Replies
	prepare         func(*av.Packet) *outgoing // renders a packet's header for the wire
}

// peer is one client endpoint: its connection, its sender goroutine and its mailbox, a
// subscription to the server's fan-out (subscribe.go).
type peer struct {
	env *peerEnv
	ep  endpoint
	sub *fanout.Sub
	// waited: take found the Wait policy not met yet (only the sender goroutine uses it).
	waited bool

	mu       sync.Mutex
	lastData json.RawMessage
	refused  string // why the client was last refused (refuse.go)

	state         atomic.Int32
	everConnected atomic.Bool
	busySince     atomic.Int64 // unix nanos when the current send/round trip began; 0 when idle
	sent          atomic.Uint64
	replies       atomic.Uint64
	rtt           atomic.Int64 // last round trip (pattern 1) or write time (pattern 2), nanos
	lastSeen      atomic.Int64 // unix nanos of the last sign of life
	reconnects    atomic.Uint64
	picam         atomic.Bool
	cut           atomic.Uint64 // connections cut for exceeding a bound (bounds.go)
	lastRefusal   time.Time     // when a refusal was last logged as an error; sender goroutine only
	cutLog        logLimiter
	badLog        logLimiter // malformed replies and failed handshakes, which a peer can repeat at will
}

func newPeer(env *peerEnv, ep endpoint) *peer {
	return &peer{env: env, ep: ep}
}

// join starts a newly connected client at a keyframe (fanout.Sub.Rejoin): an inter-coded
// frame still in the mailbox is dropped (whatever it is, it is older than the client's
// connection, and a P-frame is undecodable to it), and the gate waits for the next keyframe,
// asking for one at the first frame it holds back.
func (p *peer) join() {
	p.sub.Rejoin()
	if p.picam.Load() {
		p.mu.Lock()
		p.refused = "" // a picam client took the port: it decodes anything
		p.mu.Unlock()
	}
}

// take takes the frame waiting in the mailbox, if any, ready for the wire. Before the Wait
// policy is met it takes nothing (the fan-out may already feed other outputs, such as RTSP
// viewers, which do not wait for NetGear clients); the first take after starts the client
// afresh, at a keyframe for an inter-coded stream.
func (p *peer) take() *outgoing {
	if p.env.ready != nil && !p.env.ready() {
		p.waited = true
		return nil
	}
	if p.waited {
		p.waited = false
		p.sub.Rejoin()
	}
	pkt, ok := p.sub.TryNext()
	if !ok {
		return nil
	}
	p.env.demand()
	return p.env.prepare(&pkt)
}

// empty reports whether the mailbox holds no frame.
func (p *peer) empty() bool { return !p.sub.Pending() }

func (p *peer) seen() { p.lastSeen.Store(time.Now().UnixNano()) }

func (p *peer) status() ClientStatus {
	st := ClientStatus{
		Endpoint:   p.ep.addr,
		Port:       p.ep.port,
		State:      stateNames[p.state.Load()],
		FramesSent: p.sent.Load(),
		Replies:    p.replies.Load(),
		RTTMillis:  float64(p.rtt.Load()) / 1e6,
		Reconnects: p.reconnects.Load(),
		Picam:      p.picam.Load(),

		Cut: p.cut.Load(),
	}
	fs := p.sub.Stats()
	st.Dropped, st.Held = fs.Dropped, fs.Held
	if b := p.busySince.Load(); b != 0 && st.State == ClientConnected && time.Since(time.Unix(0, b)) > p.env.stallAfter {
		st.State = ClientStalled
	}
	if ls := p.lastSeen.Load(); ls != 0 {
		t := time.Unix(0, ls)
		st.LastSeen = &t
	}
	p.mu.Lock()
	st.LastData = p.lastData
	st.Refused = p.refused
	p.mu.Unlock()
	return st
}

func (p *peer) closing() bool {
	select {
	case <-p.env.closing:
		return true
	default:
		return false
	}
}

// run dials, serves and redials until the server closes.
func (p *peer) run() {
	log := p.env.log.With("client", p.ep.addr)
	for {
		conn := p.connect()
		if conn == nil {
			return
		}
		log.Info("client connected", "picam", conn.IsPicam())
		cuts := p.cut.Load()
		var done bool
		if p.env.pattern != PubSub {
			done = p.serveReq(conn)
		} else {
			done = p.servePub(conn)
		}
		conn.Close()
		if done {
			return
		}
		p.reconnects.Add(1)
		if p.cut.Load() != cuts {
			// Cut for going over a bound: a hostile peer would otherwise be redialled in a
			// tight loop, costing the honest clients CPU.
			p.state.Store(stateGone)
			select {
			case <-p.env.dialCtx.Done():
				return
			case <-time.After(cutRedialDelay):
			}
			continue
		}
		if p.state.Load() == stateRefused {
			continue // logged by refuse; redial, so a picam client that takes the port gets the stream
		}
		p.state.Store(stateGone)
		log.Warn("client connection lost; redialling")
	}
}

// connect dials until it succeeds or the server starts closing (nil).
func (p *peer) connect() *zmtp.Conn {
	e := p.env
	delay := e.retryMin
	lastErr := ""
	for {
		if e.dialCtx.Err() != nil {
			return nil
		}
		c, err := zmtp.Dial(e.dialCtx, p.ep.addr, e.dialTimeout, e.dial)
		if err == nil {
			p.picam.Store(c.IsPicam())
			return c
		}
		if errors.Is(err, zmtp.ErrProtocol) && err.Error() != lastErr {
			// Logged once per distinct reason, not on every retry, and rate limited since a
			// peer can vary the reason.
			if ok, suppressed := p.badLog.allow(); ok {
				e.log.Warn("client handshake failed", "client", p.ep.addr, "err", err, "suppressed", suppressed)
			}
			lastErr = err.Error()
		}
		select {
		case <-e.dialCtx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, e.retryMax)
	}
}

func (p *peer) markConnected() {
	p.join()
	p.seen()
	p.state.Store(stateConnected)
	p.everConnected.Store(true)
	p.env.connected()
	p.env.demand()
}

// write sends one message with the write deadline, tracking the time it took.
func (p *peer) write(conn *zmtp.Conn, parts ...[]byte) error {
	start := time.Now()
	p.busySince.Store(start.UnixNano())
	defer p.busySince.Store(0)
	if err := conn.SetWriteDeadline(start.Add(p.env.writeTimeout)); err != nil {
		return err
	}
	return conn.WriteMsg(parts...)
}

// ping sends a picam client a heartbeat between frames, with a time-to-live of three
// heartbeats (a NetGear client gets none: libzmq answers PINGs but NetGear sets no heartbeat).
// It reports false when the connection is gone.
func (p *peer) ping(conn *zmtp.Conn) bool {
	if !conn.IsPicam() {
		return true
	}
	return conn.Ping(uint16(p.env.heartbeat/(100*time.Millisecond)*3)) == nil
}

// servePub runs one PUB connection. It returns true when the server is closing.
func (p *peer) servePub(conn *zmtp.Conn) bool {
	s := p.env
	stop := context.AfterFunc(s.runCtx, func() { conn.Close() })
	defer stop()

	// The reader takes subscriptions and heartbeats.
	subs := &zmtp.Subscriptions{MaxTopics: MaxSubscriptions, MaxTopicSize: MaxTopicSize}
	subscribed := make(chan struct{})
	readDone := make(chan error, 1)
	go func() {
		var once sync.Once
		var m zmtp.Msg
		for {
			if err := conn.ReadMsg(&m, func(string) { p.seen() }); err != nil {
				readDone <- err
				return
			}
			p.seen()
			sub, err := subs.Handle(m.Parts)
			var le *zmtp.LimitError
			if errors.As(err, &le) {
				readDone <- &boundError{le.What}
				return
			}
			if sub {
				once.Do(func() { close(subscribed) })
			}
		}
	}()
	readerRunning := true
	defer func() {
		if readerRunning {
			conn.Close()
			<-readDone
		}
	}()
	matches := subs.Matches

	select {
	case <-subscribed:
	case <-s.closing:
		return true
	case err := <-readDone:
		readerRunning = false
		if !p.cutIfBound(err) {
			s.log.Debug("client left before subscribing", "client", p.ep.addr, "err", err)
		}
		return false
	}
	p.markConnected()

	hb := time.NewTimer(s.heartbeat)
	defer hb.Stop()
	// hangUp half-closes and lets the client hang up first, so nothing written is lost to a
	// reset; it gives up after a second.
	hangUp := func() {
		conn.CloseWrite()
		select {
		case <-readDone:
			readerRunning = false
		case <-time.After(time.Second):
		case <-s.runCtx.Done():
		}
	}
	for {
		select {
		case <-p.sub.Wake():
			if o := p.take(); o != nil && matches(o.header) {
				if p.refuse(conn, o) {
					if matches(s.terminate) {
						_ = p.write(conn, s.terminate)
					}
					hangUp()
					return false
				}
				start := time.Now()
				if err := p.write(conn, o.header, o.payload); err != nil {
					s.log.Warn("send failed", "client", p.ep.addr, "err", err)
					return false
				}
				p.rtt.Store(int64(time.Since(start)))
				p.sent.Add(1)
				p.seen()
			}
			hb.Reset(s.heartbeat)
		case <-hb.C:
			if !p.ping(conn) {
				return false
			}
			hb.Reset(s.heartbeat)
		case err := <-readDone:
			readerRunning = false
			if !p.cutIfBound(err) {
				s.log.Debug("client connection closed", "client", p.ep.addr, "err", err)
			}
			return false
		case <-s.closing:
			if o := p.take(); o != nil && matches(o.header) && !p.refuse(conn, o) {
				if err := p.write(conn, o.header, o.payload); err != nil {
					return true
				}
				p.sent.Add(1)
			}
			if matches(s.terminate) {
				if err := p.write(conn, s.terminate); err != nil {
					return true
				}
			}
			hangUp()
			return true
		}
	}
}

// serveReq runs one REQ (pattern 1) or PAIR (pattern 0) connection as NetGear's Lazy Pirate
// does: one request, one reply within RequestTimeout, or the connection is dropped and
// redialled. It returns true when closing.
func (p *peer) serveReq(conn *zmtp.Conn) bool {
	s := p.env
	stop := context.AfterFunc(s.runCtx, func() { conn.Close() })
	defer stop()
	p.markConnected()
	rt := &reqState{pair: s.pattern == Pair, req: zmtp.NewRequester(rand.Uint32())}
	hb := time.NewTimer(s.heartbeat)
	defer hb.Stop()
	for {
		select {
		case <-p.sub.Wake():
			if o := p.take(); o != nil {
				if p.refuse(conn, o) {
					p.terminateReq(conn, rt)
					return false
				}
				if !p.roundTrip(conn, rt, o) {
					return p.closing()
				}
			}
			hb.Reset(s.heartbeat)
		case <-hb.C:
			if !p.ping(conn) {
				return false
			}
			hb.Reset(s.heartbeat)
		case <-s.closing:
			if o := p.take(); o != nil && !p.refuse(conn, o) {
				if !p.roundTrip(conn, rt, o) {
					return true
				}
			}
			p.terminateReq(conn, rt)
			return true
		}
	}
}

// reqState carries the request numbering and the reply buffer of a connection. With pair set
// (pattern 0) there is no envelope: a message is sent as it is, and the next message back is
// its reply.
type reqState struct {
	pair bool
	req  *zmtp.Requester
	msg  zmtp.Msg
}

// request is body with the REQ envelope in front (pattern 1), or body alone (pattern 0).
func (r *reqState) request(body ...[]byte) [][]byte {
	if r.pair {
		return body
	}
	return r.req.Request(body...)
}

// awaitReply reads until the reply to the latest request arrives, skipping stale ones.
func (p *peer) awaitReply(conn *zmtp.Conn, r *reqState, deadline time.Time) ([][]byte, error) {
	if err := conn.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	for {
		if err := conn.ReadMsg(&r.msg, func(string) { p.seen() }); err != nil {
			return nil, err
		}
		if r.pair {
			return r.msg.Parts, nil
		}
		body, stale, err := r.req.Reply(r.msg.Parts)
		if stale {
			continue // a reply to an earlier request
		}
		return body, err
	}
}

func (p *peer) roundTrip(conn *zmtp.Conn, r *reqState, o *outgoing) bool {
	s := p.env
	start := time.Now()
	p.busySince.Store(start.UnixNano())
	defer p.busySince.Store(0)
	if err := conn.SetWriteDeadline(start.Add(s.writeTimeout)); err != nil {
		return false
	}
	if err := conn.WriteMsg(r.request(o.header, o.payload)...); err != nil {
		s.log.Warn("send failed", "client", p.ep.addr, "err", err)
		return false
	}
	p.sent.Add(1)
	body, err := p.awaitReply(conn, r, start.Add(s.requestTimeout))
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			s.log.Warn("no reply from client within the request timeout; reconnecting",
				"client", p.ep.addr, "timeout", s.requestTimeout)
		} else if p.cutIfBound(err) {
			// counted and logged
		} else if !p.closing() {
			s.log.Warn("reply failed", "client", p.ep.addr, "err", err)
		}
		return false
	}
	p.rtt.Store(int64(time.Since(start)))
	p.seen()
	if len(body) > 0 && len(body[0]) > MaxReplyJSON {
		p.cutIfBound(&boundError{fmt.Sprintf("a reply whose JSON part is %d bytes (limit %d)", len(body[0]), MaxReplyJSON)})
		return false
	}
	rep, err := wire.ParseReply(body)
	if err != nil {
		if ok, suppressed := p.badLog.allow(); ok {
			s.log.Warn("malformed reply ignored", "client", p.ep.addr, "err", err, "suppressed", suppressed)
		}
		return true
	}
	var last json.RawMessage
	switch {
	case rep.ReturnType == "ndarray":
		last, _ = json.Marshal(rep.DataString())
	case len(rep.Data) > MaxLastData:
		// A bounded prefix for /api/clients, as an escaped JSON string with a note.
		last, _ = json.Marshal(rep.Show(MaxLastData))
	default:
		last = append(json.RawMessage(nil), rep.Data...) // not the whole reply's buffer
	}
	p.mu.Lock()
	p.lastData = last
	p.mu.Unlock()
	p.replies.Add(1)
	s.reply(Reply{Port: p.ep.port, Endpoint: p.ep.addr, Seq: o.seq, Reply: rep})
	return true
}

// terminateReq sends the terminate flag and waits briefly for the acknowledgement, as NetGear
// does (request_timeout/5). In pattern 0 NetGear's receiver sends none: the wait ends when it
// hangs up, or at that timeout.
func (p *peer) terminateReq(conn *zmtp.Conn, r *reqState) {
	s := p.env
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	if err := conn.WriteMsg(r.request(s.terminate)...); err != nil {
		return
	}
	if _, err := p.awaitReply(conn, r, time.Now().Add(s.requestTimeout/5)); err != nil {
		s.log.Debug("no terminate acknowledgement", "client", p.ep.addr, "err", err)
	}
}
