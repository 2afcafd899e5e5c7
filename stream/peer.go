package stream

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

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

var stateNames = map[int32]string{stateConnecting: "connecting", stateConnected: "connected", stateGone: "gone", stateRefused: "refused"}

// peer is one client endpoint: its connection, its sender goroutine and its mailbox, a
// subscription to the server's fan-out (subscribe.go).
type peer struct {
	s   *Server
	ep  endpoint
	sub *fanout.Sub

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

func newPeer(s *Server, ep endpoint) *peer {
	return &peer{s: s, ep: ep}
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

// take takes the frame waiting in the mailbox, if any, ready for the wire.
func (p *peer) take() *outgoing {
	pkt, ok := p.sub.TryNext()
	if !ok {
		return nil
	}
	p.s.signalDemand()
	return p.s.prepare(&pkt)
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
	if b := p.busySince.Load(); b != 0 && st.State == "connected" && time.Since(time.Unix(0, b)) > p.s.cfg.StallAfter {
		st.State = "stalled"
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
	case <-p.s.closing:
		return true
	default:
		return false
	}
}

// run dials, serves and redials until the server closes.
func (p *peer) run() {
	log := p.s.log.With("client", p.ep.addr)
	for {
		conn := p.connect()
		if conn == nil {
			return
		}
		log.Info("client connected", "picam", conn.IsPicam())
		cuts := p.cut.Load()
		var done bool
		if p.s.cfg.Pattern != PubSub {
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
			case <-p.s.dialCtx.Done():
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
	cfg := &p.s.cfg
	typ := zmtp.PUB
	switch cfg.Pattern {
	case ReqRep:
		typ = zmtp.REQ
	case Pair:
		typ = zmtp.PAIR
	}
	delay := cfg.RetryMin
	lastErr := ""
	for {
		if p.s.dialCtx.Err() != nil {
			return nil
		}
		// A client may send us replies (pattern 1) or subscriptions and heartbeats (pattern
		// 2): MaxFrameSize bounds what one message from it can make us allocate.
		limit := int64(pubReadLimit)
		if cfg.Pattern == ReqRep {
			limit = cfg.MaxReplySize
		}
		c, err := zmtp.Dial(p.s.dialCtx, p.ep.addr, cfg.DialTimeout, zmtp.Options{SocketType: typ, Picam: true, HandshakeTimeout: cfg.DialTimeout, Curve: cfg.Curve, SendBuffer: cfg.SendBuffer, MaxFrameSize: limit})
		if err == nil {
			p.picam.Store(c.IsPicam())
			return c
		}
		if errors.Is(err, zmtp.ErrProtocol) && err.Error() != lastErr {
			// Logged once per distinct reason, not on every retry, and rate limited since a
			// peer can vary the reason.
			if ok, suppressed := p.badLog.allow(); ok {
				p.s.log.Warn("client handshake failed", "client", p.ep.addr, "err", err, "suppressed", suppressed)
			}
			lastErr = err.Error()
		}
		select {
		case <-p.s.dialCtx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, cfg.RetryMax)
	}
}

func (p *peer) markConnected() {
	p.join()
	p.seen()
	p.state.Store(stateConnected)
	p.everConnected.Store(true)
	p.s.peerConnected()
	p.s.signalDemand()
}

// write sends one message with the write deadline, tracking the time it took.
func (p *peer) write(conn *zmtp.Conn, parts ...[]byte) error {
	start := time.Now()
	p.busySince.Store(start.UnixNano())
	defer p.busySince.Store(0)
	if err := conn.SetWriteDeadline(start.Add(p.s.cfg.WriteTimeout)); err != nil {
		return err
	}
	return conn.WriteMsg(parts...)
}

// servePub runs one PUB connection. It returns true when the server is closing.
func (p *peer) servePub(conn *zmtp.Conn) bool {
	s := p.s
	stop := context.AfterFunc(s.runCtx, func() { conn.Close() })
	defer stop()

	// The reader takes subscriptions (libzmq: a message [0x01, topic...]) and heartbeats.
	var topicsMu sync.Mutex
	var topics [][]byte
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
			if len(m.Parts) != 1 || len(m.Parts[0]) == 0 {
				continue
			}
			switch m.Parts[0][0] {
			case 1:
				topic := m.Parts[0][1:]
				topicsMu.Lock()
				n := len(topics)
				if n < MaxSubscriptions && len(topic) <= MaxTopicSize {
					topics = append(topics, append([]byte(nil), topic...))
				}
				topicsMu.Unlock()
				if n >= MaxSubscriptions {
					readDone <- &boundError{fmt.Sprintf("more than %d subscriptions", MaxSubscriptions)}
					return
				}
				if len(topic) > MaxTopicSize {
					readDone <- &boundError{fmt.Sprintf("a subscription topic of %d bytes (limit %d)", len(topic), MaxTopicSize)}
					return
				}
				once.Do(func() { close(subscribed) })
			case 0:
				topicsMu.Lock()
				for i, t := range topics {
					if bytes.Equal(t, m.Parts[0][1:]) {
						topics = append(topics[:i], topics[i+1:]...)
						break
					}
				}
				topicsMu.Unlock()
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
	matches := func(hdr []byte) bool {
		topicsMu.Lock()
		defer topicsMu.Unlock()
		for _, t := range topics {
			if bytes.HasPrefix(hdr, t) {
				return true
			}
		}
		return false
	}

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

	hb := time.NewTimer(s.cfg.Heartbeat)
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
			hb.Reset(s.cfg.Heartbeat)
		case <-hb.C:
			if conn.IsPicam() {
				if err := conn.Ping(uint16(s.cfg.Heartbeat / (100 * time.Millisecond) * 3)); err != nil {
					return false
				}
			}
			hb.Reset(s.cfg.Heartbeat)
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
	s := p.s
	stop := context.AfterFunc(s.runCtx, func() { conn.Close() })
	defer stop()
	p.markConnected()
	rt := &reqState{id: rand.Uint32(), pair: s.cfg.Pattern == Pair}
	hb := time.NewTimer(s.cfg.Heartbeat)
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
			hb.Reset(s.cfg.Heartbeat)
		case <-hb.C:
			if conn.IsPicam() {
				if err := conn.Ping(uint16(s.cfg.Heartbeat / (100 * time.Millisecond) * 3)); err != nil {
					return false
				}
			}
			hb.Reset(s.cfg.Heartbeat)
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

// reqState carries the REQ_CORRELATE-style request id and the reply buffer of a connection.
// With pair set (pattern 0) there is no envelope: a message is sent as it is, and the next
// message back is its reply.
type reqState struct {
	pair bool
	id   uint32
	idb  [4]byte
	msg  zmtp.Msg
	out  [][]byte // scratch for the parts of one request
}

func (r *reqState) next() []byte {
	r.id++
	binary.LittleEndian.PutUint32(r.idb[:], r.id)
	return r.idb[:]
}

// request is body with the REQ envelope in front (pattern 1), or body alone (pattern 0).
func (r *reqState) request(body ...[]byte) [][]byte {
	r.out = r.out[:0]
	if !r.pair {
		r.out = append(r.out, r.next(), nil)
	}
	r.out = append(r.out, body...)
	return r.out
}

// awaitReply reads until the reply carrying our request id arrives, skipping stale ones.
func (p *peer) awaitReply(conn *zmtp.Conn, r *reqState, deadline time.Time) ([][]byte, error) {
	if err := conn.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	for {
		if err := conn.ReadMsg(&r.msg, func(string) { p.seen() }); err != nil {
			return nil, err
		}
		parts := r.msg.Parts
		if r.pair {
			return parts, nil
		}
		k := -1
		for i, part := range parts {
			if len(part) == 0 {
				k = i
				break
			}
		}
		if k < 0 {
			return nil, errors.New("reply without the REQ envelope delimiter")
		}
		if k == 1 && !bytes.Equal(parts[0], r.idb[:]) {
			continue // a reply to an earlier request
		}
		return parts[k+1:], nil
	}
}

func (p *peer) roundTrip(conn *zmtp.Conn, r *reqState, o *outgoing) bool {
	s := p.s
	start := time.Now()
	p.busySince.Store(start.UnixNano())
	defer p.busySince.Store(0)
	if err := conn.SetWriteDeadline(start.Add(s.cfg.WriteTimeout)); err != nil {
		return false
	}
	if err := conn.WriteMsg(r.request(o.header, o.payload)...); err != nil {
		s.log.Warn("send failed", "client", p.ep.addr, "err", err)
		return false
	}
	p.sent.Add(1)
	body, err := p.awaitReply(conn, r, start.Add(s.cfg.RequestTimeout))
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			s.log.Warn("no reply from client within the request timeout; reconnecting",
				"client", p.ep.addr, "timeout", s.cfg.RequestTimeout)
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
	s.deliverReply(Reply{Port: p.ep.port, Endpoint: p.ep.addr, Seq: o.seq, Reply: rep})
	return true
}

// terminateReq sends the terminate flag and waits briefly for the acknowledgement, as NetGear
// does (request_timeout/5). In pattern 0 NetGear's receiver sends none: the wait ends when it
// hangs up, or at that timeout.
func (p *peer) terminateReq(conn *zmtp.Conn, r *reqState) {
	s := p.s
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	if err := conn.WriteMsg(r.request(s.terminate)...); err != nil {
		return
	}
	if _, err := p.awaitReply(conn, r, time.Now().Add(s.cfg.RequestTimeout/5)); err != nil {
		s.log.Debug("no terminate acknowledgement", "client", p.ep.addr, "err", err)
	}
}
