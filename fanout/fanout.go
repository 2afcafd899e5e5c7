// Package fanout hands every packet the encoder makes to every output that consumes it
// (NetGear senders today; RTSP sessions, WebRTC peers, HTTP MJPEG viewers and relay
// publishers next) without letting any of them slow the producer or one another.
//
// The producer calls Hub.Publish, which never blocks. Each consumer holds a Sub: a one-slot
// mailbox that always keeps the newest packet the consumer can use, so a slow or dead
// consumer loses packets for itself only. For inter-coded codecs (av.Codec.InterCoded: H.264,
// FWHT) the mailbox has a keyframe gate: a consumer that joins is handed nothing until a
// keyframe (for H.264 an IDR with SPS and PPS in front, as the producer marked it), and one
// that missed a packet nothing until the next keyframe, so no decoder is ever handed a picture
// it cannot decode; meanwhile the hub asks the producer for a keyframe through
// Config.RequestKeyframe.
//
// A Sub is read in one of two ways: Next blocks until a packet arrives (an RTSP session or a
// WebRTC peer with a goroutine of its own), or Wake and TryNext fit a select loop that waits
// on other things too (the NetGear sender with its heartbeats and replies).
package fanout

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/picam-project/picam/av"
)

// ErrClosed is returned by Sub.Next once the Sub or its Hub is closed.
var ErrClosed = errors.New("fanout: closed")

// Config configures a Hub.
type Config struct {
	// RequestKeyframe asks the producer for a keyframe soon (typically a
	// codec.KeyframeLimiter's RequestKeyframe, which also limits how often). The hub calls
	// it when a consumer of an inter-coded stream joins or loses sync, and again every
	// RetryAfter packets it holds back, never with a lock held. Nil: consumers wait for the
	// stream's periodic keyframe.
	RequestKeyframe func()
	// RetryAfter is how many packets in a row a waiting consumer holds back before the hub
	// asks again; 0 means DefaultRetryAfter, a negative value never again.
	RetryAfter int
}

// Options describe one consumer to the hub. Every field is optional.
type Options struct {
	// Present reports whether the consumer is there to receive (a NetGear sender's client
	// is connected). While it is not, packets its gate holds back count as dropped rather
	// than held, and it makes no keyframe requests. Nil means always.
	Present func() bool
	// MayAsk reports whether this consumer's needs may make the hub request a keyframe
	// (a NetGear client that cannot decode H.264 is going to be refused, so it should not).
	// Nil means always (while Present).
	MayAsk func() bool
	// Group, when not empty, makes the consumer share packets with the other consumers of
	// the same group instead of receiving all of them: each packet goes to one member, the
	// next present one in turn, preferring one whose mailbox is empty and that is not Busy
	// (NetGear's round-robin delivery, for work distribution). Only intra-coded streams
	// (raw, JPEG) make sense in a group.
	Group string
	// Busy reports that the consumer is still handling the previous packet, for the choice
	// within a Group. Nil means never.
	Busy func() bool
}

// Stats counts what happened to one consumer's packets.
type Stats struct {
	// Delivered counts packets handed to the consumer (Next, TryNext).
	Delivered uint64 `json:"delivered"`
	// Dropped counts packets the consumer lost: replaced in its mailbox by a newer one,
	// dropped because it had lost sync, or published while it was not Present.
	Dropped uint64 `json:"dropped"`
	// Held counts inter-coded packets not handed over because the consumer was waiting for
	// a keyframe (it had just joined, or had missed a packet the next ones depend on).
	Held uint64 `json:"held"`
}

// Hub is the fan-out of one producer's packets. Its methods are safe for concurrent use.
type Hub struct {
	cfg Config

	mu     sync.Mutex
	all    []*Sub            // every open Sub, in subscription order
	plain  []*Sub            // the ones not in a group
	groups map[string]*group // by name
	order  []string          // group names in order of first subscription
	index  uint64            // Publish-order number of the last inter-coded packet
	closed bool

	published atomic.Uint64
	unrouted  atomic.Uint64
	// inter says the last packet published was inter-coded, so a consumer that joins now
	// needs a keyframe: it is asked for at once.
	inter atomic.Bool
}

// group is the members of one Options.Group and whose turn it is.
type group struct {
	members []*Sub
	next    int
}

// New returns a hub with no consumers.
func New(cfg Config) *Hub {
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	return &Hub{cfg: cfg}
}

// Subscribe adds a consumer that receives every packet published from now on, starting, for
// an inter-coded stream, at the next keyframe, which is asked for at once (Config.
// RequestKeyframe). name labels it in logs and status pages.
func (h *Hub) Subscribe(name string) *Sub { return h.SubscribeWith(name, Options{}) }

// SubscribeWith is Subscribe with Options.
func (h *Hub) SubscribeWith(name string, opts Options) *Sub {
	s := &Sub{h: h, name: name, opts: opts, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if s.askOnJoin() {
		defer h.cfg.RequestKeyframe()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.closed = true
		close(s.done)
		return s
	}
	h.all = append(h.all, s)
	if opts.Group == "" {
		h.plain = append(h.plain, s)
		return s
	}
	if h.groups == nil {
		h.groups = map[string]*group{}
	}
	g := h.groups[opts.Group]
	if g == nil {
		g = &group{}
		h.groups[opts.Group] = g
		h.order = append(h.order, opts.Group)
	}
	g.members = append(g.members, s)
	return s
}

// Publish offers p to every consumer and returns at once: a consumer that has not taken its
// previous packet loses one of the two (the older for an intra-coded stream; see the package
// doc for inter-coded ones). p.Data is shared by every consumer and must not be modified
// afterwards. Publish after Close does nothing. Packets must be published from one goroutine
// at a time, in bitstream order.
func (h *Hub) Publish(p av.Packet) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	var index uint64
	h.inter.Store(p.Codec.InterCoded())
	if p.Codec.InterCoded() {
		step := uint64(1)
		if p.Gap {
			step = 2 // every consumer sees the loss
		}
		h.index += step
		index = h.index
	}
	h.published.Add(1)
	asks := 0
	for _, s := range h.plain {
		if s.offer(&p, index) {
			asks++
		}
	}
	for _, name := range h.order {
		s := h.groups[name].pick()
		if s == nil {
			h.unrouted.Add(1)
			continue
		}
		if s.offer(&p, index) {
			asks++
		}
	}
	h.mu.Unlock()
	for range asks {
		h.cfg.RequestKeyframe()
	}
}

// pick chooses the group member for the next packet: the next present one in turn whose
// mailbox is empty and that is not busy, else the next present one. Nil when none is present.
func (g *group) pick() *Sub {
	n := len(g.members)
	var fallback *Sub
	for i := 1; i <= n; i++ {
		s := g.members[(g.next+i)%n]
		if !s.present() {
			continue
		}
		if s.idle() {
			g.next = (g.next + i) % n
			return s
		}
		if fallback == nil {
			fallback = s
		}
	}
	if fallback != nil {
		g.next = (g.next + 1) % n
	}
	return fallback
}

// Wanted reports whether some consumer is there to receive a packet published now (its
// Options.Present, or no Present at all), so a producer may skip making packets that every
// consumer would drop.
func (h *Hub) Wanted() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.all {
		if s.present() {
			return true
		}
	}
	return false
}

// Published is the number of packets published since New.
func (h *Hub) Published() uint64 { return h.published.Load() }

// Unrouted is the number of packets a group could not take because none of its members was
// present.
func (h *Hub) Unrouted() uint64 { return h.unrouted.Load() }

// Close ends the hub: later packets are not published, and every consumer's Next returns
// ErrClosed once it has taken the packet still in its mailbox.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for _, s := range h.all {
		s.end()
	}
}

// remove takes s out of the hub's lists. Called with h.mu held.
func (h *Hub) remove(s *Sub) {
	h.all = without(h.all, s)
	if s.opts.Group == "" {
		h.plain = without(h.plain, s)
		return
	}
	g := h.groups[s.opts.Group]
	if g == nil {
		return // removed before
	}
	g.members = without(g.members, s)
	if len(g.members) == 0 {
		delete(h.groups, s.opts.Group)
		h.order = without(h.order, s.opts.Group)
	} else {
		g.next %= len(g.members)
	}
}

// without returns list without x, as a new slice (Publish may be ranging over the old one
// only under the same lock, but a copy keeps the rule simple).
func without[T comparable](list []T, x T) []T {
	out := make([]T, 0, len(list))
	for _, v := range list {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
