package fanout

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/picam-project/picam/av"
)

// Sub is one consumer's subscription: a one-slot mailbox that holds the newest packet the
// consumer can decode, behind the consumer's own keyframe gate. One goroutine reads it (Next,
// or Wake and TryNext); the other methods are safe from any goroutine.
type Sub struct {
	h    *Hub
	name string
	opts Options

	mu      sync.Mutex
	pending av.Packet // valid when has
	has     bool
	gate    gate
	closed  bool // by Close or the hub's Close
	wake    chan struct{}
	done    chan struct{} // closed when closed is set

	delivered atomic.Uint64
	dropped   atomic.Uint64
	held      atomic.Uint64
}

// Name is the label given to Subscribe.
func (s *Sub) Name() string { return s.name }

// present reports Options.Present.
func (s *Sub) present() bool { return s.opts.Present == nil || s.opts.Present() }

// idle reports an empty mailbox and a consumer that is not busy, for a group's choice.
func (s *Sub) idle() bool {
	s.mu.Lock()
	empty := !s.has
	s.mu.Unlock()
	return empty && (s.opts.Busy == nil || !s.opts.Busy())
}

// canAsk reports whether this consumer may make the hub request a keyframe now.
func (s *Sub) canAsk() bool {
	return s.h.cfg.RequestKeyframe != nil && s.present() && (s.opts.MayAsk == nil || s.opts.MayAsk())
}

// offer puts p in the mailbox, replacing (and counting as dropped) one not yet taken. An
// inter-coded packet goes through the gate first (gate.go): it may be held back, or dropped
// in favour of the one waiting. index is p's Publish-order number (inter-coded packets only).
// It reports that a keyframe should be requested for this consumer; the caller does that
// once its locks are released.
func (s *Sub) offer(p *av.Packet, index uint64) (ask bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	if p.Codec.InterCoded() {
		var v verdict
		v, ask = s.gate.admit(index, p.Keyframe, s.has, s.canAsk(), s.h.cfg.RetryAfter)
		switch v {
		case overflow:
			s.dropped.Add(1)
			s.mu.Unlock()
			return ask
		case hold:
			if s.present() {
				s.held.Add(1)
			} else {
				s.dropped.Add(1) // as any packet published while the consumer is not there
			}
			s.mu.Unlock()
			return ask
		}
	}
	if s.has {
		s.dropped.Add(1)
	}
	s.pending, s.has = *p, true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return ask
}

// Wake is signalled (one buffered signal) when a packet arrives in the mailbox, for a
// consumer that waits in a select loop; it then calls TryNext. A signal may be stale: TryNext
// finding nothing is normal.
func (s *Sub) Wake() <-chan struct{} { return s.wake }

// Done is closed when the Sub or its Hub is closed.
func (s *Sub) Done() <-chan struct{} { return s.done }

// TryNext takes the packet waiting in the mailbox, if there is one, without blocking.
func (s *Sub) TryNext() (av.Packet, bool) {
	s.mu.Lock()
	if !s.has {
		s.mu.Unlock()
		return av.Packet{}, false
	}
	p := s.pending
	s.pending, s.has = av.Packet{}, false
	s.mu.Unlock()
	s.delivered.Add(1)
	return p, true
}

// Next blocks until a packet the consumer can decode arrives and returns it. It returns
// ctx.Err() when ctx ends, and ErrClosed once the Sub or the Hub is closed (after the packet
// still waiting, when the hub closed).
func (s *Sub) Next(ctx context.Context) (av.Packet, error) {
	for {
		if p, ok := s.TryNext(); ok {
			return p, nil
		}
		select {
		case <-s.wake:
		case <-s.done:
			if p, ok := s.TryNext(); ok {
				return p, nil
			}
			return av.Packet{}, ErrClosed
		case <-ctx.Done():
			return av.Packet{}, ctx.Err()
		}
	}
}

// Pending reports whether a packet waits in the mailbox.
func (s *Sub) Pending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.has
}

// Rejoin starts the consumer over, as if it had just subscribed: for a NetGear sender whose
// client reconnected. An inter-coded packet still in the mailbox is dropped (it is older than
// the new connection, and a P-frame would be undecodable to it), and the gate waits for the
// next keyframe, asking for one at the first packet it holds back (a sender rejoins as its
// client connects, before it counts as Present, so a client that never completes its
// connection asks for nothing).
func (s *Sub) Rejoin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate.join()
	if s.has && s.pending.Codec.InterCoded() {
		s.pending, s.has = av.Packet{}, false
		s.dropped.Add(1)
	}
}

// askOnJoin reports that a keyframe should be asked for as s subscribes: the stream is
// inter-coded and s may ask. It marks the gate as having asked, so the first held packet does
// not ask again.
func (s *Sub) askOnJoin() bool {
	if !s.h.inter.Load() || !s.canAsk() {
		return false
	}
	s.mu.Lock()
	s.gate.asked = true
	s.mu.Unlock()
	return true
}

// Stats reports the consumer's counters.
func (s *Sub) Stats() Stats {
	return Stats{Delivered: s.delivered.Load(), Dropped: s.dropped.Load(), Held: s.held.Load()}
}

// Close unsubscribes: the consumer receives nothing more, and Next returns ErrClosed.
func (s *Sub) Close() {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	s.end()
	s.mu.Lock()
	s.pending, s.has = av.Packet{}, false
	s.mu.Unlock()
	s.h.remove(s)
}

// end marks s closed. Called with the hub's lock held.
func (s *Sub) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}
