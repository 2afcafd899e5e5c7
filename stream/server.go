package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/stream/wire"
	"github.com/picam-project/picam/stream/zmtp"
)

// Reply is data a client sent back in pattern 1, with the client it came from.
type Reply struct {
	Port     int    // the client's port as configured
	Endpoint string // host:port dialled
	Seq      uint64 // the frame it answered
	wire.Reply
}

// outgoing is a packet a client's sender took from its fan-out subscription, with the
// header rendered for the wire.
type outgoing struct {
	header  []byte
	payload []byte
	seq     uint64
	codec   av.Codec
	key     bool
}

// Server sends frames to many NetGear clients at once, each over its own connection with its
// own sender goroutine. Each sender is a consumer of the fan-out (package fanout): a one-slot
// mailbox that always holds the newest packet the client can decode, so a slow, frozen or
// dead client never delays the others or the caller.
//
// Inter-coded packets (av.Codec.InterCoded: H.264, FWHT) may depend on the ones before them,
// so each client is gated on its own by the fan-out: it is sent nothing until a keyframe (as
// the producer marked it: for H.264 an IDR with SPS and PPS in front), and after a packet it
// missed nothing until the next keyframe, while a keyframe is asked for. These codecs go to
// picam clients only: a NetGear client cannot decode them and is sent NetGear's terminate
// instead, with an error in the log (see ServerConfig). Raw and JPEG packets are never held
// back.
type Server struct {
	cfg   ServerConfig
	log   *slog.Logger
	peers []*peer
	// hub is the fan-out the senders consume: ServerConfig.Hub, or one of the server's own
	// that Send publishes to (ownHub).
	hub    *fanout.Hub
	ownHub bool

	replies        chan Reply // unbuffered: pumpReplies hands replyQ's head to the reader
	repliesDropped atomic.Uint64
	replyMu        sync.Mutex
	replyQ         []Reply // bounded by ReplyQueueLen and ServerConfig.ReplyQueueBytes
	replyBytes     int64
	replyWake      chan struct{}

	// msPort is the "port" every header carries in Multi-Server mode (nil otherwise), and
	// terminate the terminate message, with that port in Multi-Server mode.
	msPort    json.RawMessage
	terminate []byte

	mu      sync.Mutex
	message json.RawMessage

	ready     chan struct{}
	readyOnce sync.Once
	demand    chan struct{} // signalled when a connected client's mailbox empties (WaitDemand)

	runCtx   context.Context // cancelled to force every sender to stop
	cancel   context.CancelFunc
	dialCtx  context.Context // cancelled when closing starts: no new connections
	stopDial context.CancelFunc
	closing  chan struct{}
	closeMu  sync.Once
	closeErr error         // what Close returned, for Wait
	closed   chan struct{} // closed when Close has finished
	startMu  sync.Mutex
	started  bool
	wg       sync.WaitGroup // the senders
	pumpWG   sync.WaitGroup // pumpReplies
}

// NewServer validates cfg (NetGear's errors for invalid combinations, as a *ConfigError) and
// prepares one sender per client. Nothing runs until Start.
//
// A Server's life is NewServer, Start, Close, Wait (as every long-lived type in picam): Close
// ends it, Wait blocks until it has ended.
func NewServer(cfg ServerConfig) (*Server, error) {
	cfg.setDefaults()
	eps, err := cfg.endpoints()
	if err != nil {
		return nil, err
	}
	if cfg.Hub != nil && cfg.RequestKeyframe != nil {
		return nil, errors.New("stream: RequestKeyframe is set together with Hub; give it to the hub (fanout.Config.RequestKeyframe), which asks for every consumer")
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		replies:   make(chan Reply),
		replyWake: make(chan struct{}, 1),
		ready:     make(chan struct{}),
		demand:    make(chan struct{}, 1),
		closing:   make(chan struct{}),
		closed:    make(chan struct{}),
	}
	s.terminate = wire.Terminate
	if cfg.MultiServer {
		// NetGear's sender puts its port argument, the receiver's port it connects to, in
		// every header; picam sends it as a string, as NetGear's examples give it.
		s.msPort, _ = json.Marshal(strconv.Itoa(eps[0].port))
		s.terminate = []byte(`{"terminate_flag": true, "port": ` + string(s.msPort) + `}`)
	}
	s.hub, s.ownHub = cfg.Hub, cfg.Hub == nil
	if s.ownHub {
		s.hub = fanout.New(fanout.Config{RequestKeyframe: cfg.RequestKeyframe})
	}
	s.runCtx, s.cancel = context.WithCancel(context.Background())
	s.dialCtx, s.stopDial = context.WithCancel(s.runCtx)
	env := s.peerEnv()
	for _, ep := range eps {
		p := newPeer(env, ep)
		s.subscribe(p)
		s.peers = append(s.peers, p)
	}
	return s, nil
}

// Start starts the senders: they dial their clients in the background and redial for ever
// until Close. It returns ErrClosed after Close, and an error when called twice.
func (s *Server) Start() error {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	if s.started {
		return errors.New("stream: Server started twice")
	}
	s.started = true
	for _, p := range s.peers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			p.run()
		}()
	}
	if s.cfg.Pattern == ReqRep || s.cfg.Pattern == Pair {
		s.pumpWG.Add(1)
		go func() {
			defer s.pumpWG.Done()
			s.pumpReplies() // ends with runCtx, when Close has stopped every sender
		}()
	}
	return nil
}

// peerEnv is what the senders need from the server (peer.go).
func (s *Server) peerEnv() *peerEnv {
	cfg := &s.cfg
	typ := zmtp.PUB
	// A client may send us replies (pattern 1) or subscriptions and heartbeats (pattern 2):
	// MaxFrameSize bounds what one message from it can make us allocate.
	limit := int64(pubReadLimit)
	switch cfg.Pattern {
	case ReqRep:
		typ, limit = zmtp.REQ, cfg.MaxReplySize
	case Pair:
		typ = zmtp.PAIR
	}
	return &peerEnv{
		pattern: cfg.Pattern,
		dial: zmtp.Options{SocketType: typ, Picam: true, HandshakeTimeout: cfg.DialTimeout, Curve: cfg.Curve,
			SendBuffer: cfg.SendBuffer, MaxFrameSize: limit},
		dialTimeout: cfg.DialTimeout, retryMin: cfg.RetryMin, retryMax: cfg.RetryMax,
		heartbeat: cfg.Heartbeat, writeTimeout: cfg.WriteTimeout,
		requestTimeout: cfg.RequestTimeout, stallAfter: cfg.StallAfter,
		terminate:       s.terminate,
		refusalHint:     cfg.RefusalHint,
		log:             s.log,
		runCtx:          s.runCtx,
		dialCtx:         s.dialCtx,
		closing:         s.closing,
		requestKeyframe: cfg.RequestKeyframe,
		connected:       s.peerConnected,
		ready:           s.isReady,
		demand:          s.signalDemand,
		reply:           s.deliverReply,
		prepare:         s.prepare,
	}
}

// Ready is closed once the Wait policy is met (by default: every client connected), as
// NetGear does not start transmitting before its clients are there.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Replies delivers data returned by clients in pattern 0 and 1. If nobody reads it, replies
// beyond its queue (ReplyQueueLen replies, ServerConfig.ReplyQueueBytes bytes) are dropped (and
// counted) rather than slowing the senders or growing without bound.
func (s *Server) Replies() <-chan Reply { return s.replies }

// SetMessage sets the server message (any JSON value) sent with every following frame in
// bidirectional mode.
func (s *Server) SetMessage(v json.RawMessage) error {
	if len(v) > 0 && !json.Valid(v) {
		return fmt.Errorf("server message is not valid JSON: %s", v)
	}
	s.mu.Lock()
	s.message = v
	s.mu.Unlock()
	return nil
}

// Send publishes a packet to the clients (through the server's fan-out) and returns at once.
// It returns false, without sending, while the Wait policy is not met yet. Packets a client
// cannot take in time are replaced by newer ones (counted as dropped for that client).
// pkt.Data must not be modified afterwards: every client's sender reads it. Keyframe must be
// true only for a packet a decoder can start at: codec's encoders and h264.Packager make such
// packets.
func (s *Server) Send(pkt av.Packet) bool {
	select {
	case <-s.ready:
	default:
		return false
	}
	select {
	case <-s.closing:
		return false
	default:
	}
	s.hub.Publish(pkt)
	return true
}

// WaitDemand blocks until some connected client has an empty mailbox (its sender has taken the
// last frame offered and will take the next one as soon as it can), or ctx ends, or the server
// closes (ErrClosed). A source with no natural frame rate, such as a still test card or a file,
// calls it before each Send so that it produces exactly as fast as the fastest client takes
// frames instead of spinning a core on frames that would only replace each other. A camera
// paces itself and never needs it.
func (s *Server) WaitDemand(ctx context.Context) error {
	for {
		select {
		case <-s.closing:
			return ErrClosed
		default:
		}
		for _, p := range s.peers {
			if p.state.Load() == stateConnected && p.empty() {
				return nil
			}
		}
		select {
		case <-s.demand:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closing:
			return ErrClosed
		}
	}
}

// signalDemand wakes a WaitDemand; a signal nobody waits for is kept (one) and only costs a
// re-check.
func (s *Server) signalDemand() {
	select {
	case s.demand <- struct{}{}:
	default:
	}
}

// prepare turns a packet a sender took into its wire form.
func (s *Server) prepare(pkt *av.Packet) *outgoing {
	return &outgoing{header: s.header(pkt), payload: pkt.Data, seq: pkt.Seq, codec: pkt.Codec, key: pkt.Keyframe}
}

// header renders pkt's header.
func (s *Server) header(pkt *av.Packet) []byte {
	h := wire.Header{Pattern: s.cfg.Pattern.String(), Port: s.msPort}
	if s.cfg.Bidirectional {
		s.mu.Lock()
		h.Message = s.message
		s.mu.Unlock()
	}
	switch pkt.Codec {
	case av.JPEG:
		h.Compression = &wire.Compression{DCT: !s.cfg.JPEGAccurateDCT, Colorspace: "BGR"}
	case av.Raw:
		h.DType = "uint8"
		h.Shape = []int{pkt.Height, pkt.Width, 3}
	default:
		// H.264 or FWHT, which NetGear cannot decode (only picam clients are sent them): it
		// still needs a JSON header; dtype/shape stay "".
		h.DType = ""
	}
	h.Picam = &wire.Ext{Seq: pkt.Seq, Codec: string(pkt.Codec), Keyframe: pkt.Keyframe}
	if !pkt.Captured.IsZero() {
		h.Picam.TimeUS = pkt.Captured.UnixMicro()
	}
	return wire.AppendHeader(make([]byte, 0, 256), &h)
}

// peerConnected re-evaluates the Wait policy.
func (s *Server) peerConnected() {
	n := 0
	for _, p := range s.peers {
		if p.everConnected.Load() {
			n++
		}
	}
	if n >= s.cfg.Wait.need(len(s.peers)) {
		s.readyOnce.Do(func() {
			s.log.Info("transmission starting", "connected", n, "clients", len(s.peers), "wait", s.cfg.Wait.String())
			close(s.ready)
		})
	}
}

// replySize is what a queued reply holds in memory.
func replySize(r *Reply) int64 { return int64(len(r.Data) + len(r.Array) + len(r.Reply.Port)) }

// deliverReply queues r for Replies, or drops and counts it when the queue is full.
func (s *Server) deliverReply(r Reply) {
	n := replySize(&r)
	s.replyMu.Lock()
	if len(s.replyQ) >= ReplyQueueLen || s.replyBytes+n > s.cfg.ReplyQueueBytes {
		s.replyMu.Unlock()
		s.repliesDropped.Add(1)
		return
	}
	s.replyQ = append(s.replyQ, r)
	s.replyBytes += n
	s.replyMu.Unlock()
	select {
	case s.replyWake <- struct{}{}:
	default:
	}
}

// pumpReplies hands queued replies to the Replies reader, oldest first, until runCtx ends.
func (s *Server) pumpReplies() {
	for {
		s.replyMu.Lock()
		if len(s.replyQ) == 0 {
			s.replyMu.Unlock()
			select {
			case <-s.replyWake:
				continue
			case <-s.runCtx.Done():
				return
			}
		}
		r := s.replyQ[0]
		s.replyMu.Unlock()
		select {
		case s.replies <- r:
		case <-s.runCtx.Done():
			return
		}
		s.replyMu.Lock()
		s.replyQ[0] = Reply{}
		s.replyQ = s.replyQ[1:]
		s.replyBytes -= replySize(&r)
		if len(s.replyQ) == 0 {
			s.replyQ = nil // let the backing array go
		}
		s.replyMu.Unlock()
	}
}

// Close stops transmission and waits until every sender has ended: each client gets the frame
// still waiting in its mailbox, then NetGear's single-part terminate (in both patterns; NetGear
// itself forgets pattern 2), and is disconnected. Clients that do not answer within
// ServerConfig.CloseTimeout are cut off, and the error says so. Later calls return the same.
func (s *Server) Close() error {
	s.closeMu.Do(func() {
		s.startMu.Lock()
		close(s.closing) // under startMu: no Start after this
		s.startMu.Unlock()
		s.stopDial()
		senders := make(chan struct{})
		go func() {
			s.wg.Wait()
			close(senders)
		}()
		t := time.NewTimer(s.cfg.CloseTimeout)
		defer t.Stop()
		select {
		case <-senders:
		case <-t.C:
			s.closeErr = fmt.Errorf("closing clients: some did not take the terminate within %v", s.cfg.CloseTimeout)
		}
		s.cancel() // cuts off the senders still running, and ends pumpReplies
		<-senders
		s.unsubscribe()
		s.pumpWG.Wait()
		close(s.closed)
	})
	<-s.closed
	return s.closeErr
}

// Wait blocks until the server has been closed, and returns what Close returned.
func (s *Server) Wait() error {
	<-s.closed
	return s.closeErr
}

// ClientState is where a client stands, as /api/clients and the metrics spell it.
type ClientState string

// The states of a client.
const (
	ClientConnecting ClientState = "connecting" // never connected yet
	ClientConnected  ClientState = "connected"
	ClientStalled    ClientState = "stalled" // connected, but one send or round trip has taken longer than ServerConfig.StallAfter
	ClientGone       ClientState = "gone"    // was connected, connection lost, redialling
	ClientRefused    ClientState = "refused" // sent NetGear's terminate: it cannot decode the stream's codec; redialling
)

// ClientStates lists every ClientState, in the order above.
var ClientStates = []ClientState{ClientConnecting, ClientConnected, ClientStalled, ClientGone, ClientRefused}

// ClientStatus is the tracked state of one client.
type ClientStatus struct {
	Endpoint   string          `json:"endpoint"`
	Port       int             `json:"port"`
	State      ClientState     `json:"state"`
	FramesSent uint64          `json:"frames_sent"`
	Dropped    uint64          `json:"dropped"`
	Replies    uint64          `json:"replies"`
	RTTMillis  float64         `json:"rtt_ms"`
	LastData   json.RawMessage `json:"last_data"`
	LastSeen   *time.Time      `json:"last_seen,omitempty"`
	Reconnects uint64          `json:"reconnects"`
	Picam      bool            `json:"picam"`
	// Held counts inter-coded frames (H.264, FWHT) not sent because the client was waiting
	// for a keyframe: it had just connected, or had missed a frame the next ones depend on.
	Held uint64 `json:"held"`
	// Refused says why the client was sent NetGear's terminate instead of the stream (a
	// NetGear client cannot decode H.264 or FWHT); empty until then, and again once a picam
	// client connects on the endpoint.
	Refused string `json:"refused,omitempty"`
	// Cut counts connections to the client cut off because it went over a bound: too many or
	// too large subscriptions, a reply over MaxReplySize (README, Security, "Bounds").
	Cut uint64 `json:"cut,omitempty"`
}

// Clients reports every client's state.
func (s *Server) Clients() []ClientStatus {
	out := make([]ClientStatus, 0, len(s.peers))
	for _, p := range s.peers {
		out = append(out, p.status())
	}
	return out
}

// FramesSent is the number of frames accepted for transmission since start: the packets
// published to the server's fan-out (Send, or the caller's ServerConfig.Hub).
func (s *Server) FramesSent() uint64 { return s.hub.Published() }

// RepliesDropped is the number of client replies lost because Replies was not read.
func (s *Server) RepliesDropped() uint64 { return s.repliesDropped.Load() }

// Pattern is the configured pattern.
func (s *Server) Pattern() Pattern { return s.cfg.Pattern }
