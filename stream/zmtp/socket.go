package zmtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// Socket semantics on top of one connection: what a PUB side keeps of its SUB peer's
// subscriptions, and the envelope REQ and REP put in front of every message. picam speaks one
// connection per peer, so these are per connection, not per socket as in libzmq.

// Subscriptions is what a PUB connection knows of its SUB peer: the topics it subscribed to
// (libzmq sends a subscription as the one-frame message [0x01, topic...] and a cancel as
// [0x00, topic...]). A message goes to the peer when a topic is a prefix of its first frame.
// It is safe for one reader goroutine to Handle while another asks Matches.
type Subscriptions struct {
	// MaxTopics and MaxTopicSize bound what one peer can make us hold; a subscription over
	// either is refused with a *LimitError.
	MaxTopics    int
	MaxTopicSize int

	mu     sync.Mutex
	topics [][]byte
}

// LimitError is a peer that went over one of the bounds of Subscriptions.
type LimitError struct{ What string }

func (e *LimitError) Error() string { return e.What }

// Handle takes one message from the SUB peer. subscribed reports a subscription (the first
// one tells the PUB side that the peer is ready to receive); other messages (cancels,
// anything else a peer sends) are applied or ignored. A subscription over a bound is an error
// (*LimitError): the caller should drop the connection.
func (s *Subscriptions) Handle(parts [][]byte) (subscribed bool, err error) {
	if len(parts) != 1 || len(parts[0]) == 0 {
		return false, nil
	}
	topic := parts[0][1:]
	switch parts[0][0] {
	case 1:
		s.mu.Lock()
		n := len(s.topics)
		if n < s.MaxTopics && len(topic) <= s.MaxTopicSize {
			s.topics = append(s.topics, append([]byte(nil), topic...))
		}
		s.mu.Unlock()
		if n >= s.MaxTopics {
			return false, &LimitError{fmt.Sprintf("more than %d subscriptions", s.MaxTopics)}
		}
		if len(topic) > s.MaxTopicSize {
			return false, &LimitError{fmt.Sprintf("a subscription topic of %d bytes (limit %d)", len(topic), s.MaxTopicSize)}
		}
		return true, nil
	case 0:
		s.mu.Lock()
		for i, t := range s.topics {
			if bytes.Equal(t, topic) {
				s.topics = append(s.topics[:i], s.topics[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
	}
	return false, nil
}

// Matches reports whether a message whose first frame is first goes to the peer.
func (s *Subscriptions) Matches(first []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.topics {
		if bytes.HasPrefix(first, t) {
			return true
		}
	}
	return false
}

// ErrNoEnvelope is a REQ or REP message without the empty delimiter frame that ends its
// envelope.
var ErrNoEnvelope = errors.New("zmtp: message without the REQ envelope delimiter")

// SplitEnvelope splits a REQ/REP message at the first empty frame: envelope holds the frames
// up to and including it (what a REP echoes in front of its reply), body the rest.
func SplitEnvelope(parts [][]byte) (envelope, body [][]byte, err error) {
	for i, p := range parts {
		if len(p) == 0 {
			return parts[:i+1], parts[i+1:], nil
		}
	}
	return nil, nil, ErrNoEnvelope
}

// Requester numbers the requests of one REQ connection as libzmq's ZMQ_REQ_CORRELATE does (a
// 4-byte request id, then the delimiter) and recognises the reply to the latest one, so a late
// reply to an earlier request is never taken for the current one.
type Requester struct {
	id  uint32
	idb [4]byte
	out [][]byte // scratch for the frames of one request
}

// NewRequester starts the request ids after first (a random start tells connections apart).
func NewRequester(first uint32) *Requester { return &Requester{id: first} }

// Request is body behind a new request id and the delimiter. The slice is reused by the next
// call.
func (r *Requester) Request(body ...[]byte) [][]byte {
	r.id++
	binary.LittleEndian.PutUint32(r.idb[:], r.id)
	r.out = append(r.out[:0], r.idb[:], nil)
	r.out = append(r.out, body...)
	return r.out
}

// Reply returns the body of a reply message. stale reports a reply to an earlier request,
// which the caller skips.
func (r *Requester) Reply(parts [][]byte) (body [][]byte, stale bool, err error) {
	env, body, err := SplitEnvelope(parts)
	if err != nil {
		return nil, false, err
	}
	if len(env) == 2 && !bytes.Equal(env[0], r.idb[:]) {
		return nil, true, nil
	}
	return body, false, nil
}
