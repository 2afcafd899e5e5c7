package stream

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/picam-project/picam/stream/zmtp"
)

// Bounds on what one peer can make the server hold (README, Security, "Bounds"). A peer that
// exceeds one is cut off (its connection closed, then redialled as any lost client is) and
// counted in its ClientStatus.Cut; the other clients go on.
const (
	// MaxSubscriptions is how many SUBSCRIBE topics one client connection may hold. NetGear and
	// picam clients subscribe once, to everything ("").
	MaxSubscriptions = 16
	// MaxTopicSize bounds one subscription topic. The frame header a topic is matched against
	// starts with a few dozen fixed bytes, so longer topics never match anything anyway.
	MaxTopicSize = 256
	// pubReadLimit bounds one frame read from a pattern-2 client: all it may send are
	// subscriptions and heartbeats.
	pubReadLimit = 4 << 10

	// DefaultMaxReplySize bounds one pattern-1 reply (all its parts), ServerConfig.MaxReplySize.
	// A NetGear ndarray reply of a 640x480 BGR image (900 KiB) fits.
	DefaultMaxReplySize = 1 << 20
	// MaxReplyJSON bounds the JSON part of a pattern-1 reply: NetGear's return data is a
	// string, number, list or dict (arrays travel in the second part), and parsing a large one
	// for every frame would cost the server more CPU than the frames.
	MaxReplyJSON = 64 << 10
	// DefaultReplyQueueBytes bounds the replies waiting in Server.Replies, in bytes
	// (ServerConfig.ReplyQueueBytes); beyond it, or beyond ReplyQueueLen replies, new replies
	// are dropped and counted.
	DefaultReplyQueueBytes = 8 << 20
	// ReplyQueueLen bounds the replies waiting in Server.Replies, in number.
	ReplyQueueLen = 256
	// MaxLastData bounds the last reply data kept per client for ClientStatus.LastData
	// (/api/clients): longer data is kept as a JSON string of its escaped prefix and a note.
	MaxLastData = 1 << 10

	// cutLogEvery bounds how often one kind of violation is logged (per client, or per
	// listening port on a Client): a peer that repeats an attack in a loop gets one line per
	// period with the number of lines suppressed, not one line per attempt.
	cutLogEvery = 10 * time.Second
	// cutRedialDelay is how long the server waits before redialling a client it cut off, so a
	// hostile peer costs at most one handshake per second (a client that merely went away is
	// redialled at once).
	cutRedialDelay = time.Second

	// DefaultClientMaxFrame bounds one incoming message on a Client (ClientConfig.MaxFrameSize);
	// a 4K BGR frame is 25 MB.
	DefaultClientMaxFrame = 64 << 20
	// DefaultClientMemory bounds the bytes a Client reads at once over all its connections
	// (ClientConfig.MaxMemory): two of the largest frames.
	DefaultClientMemory = 2 * DefaultClientMaxFrame
	// DefaultQueueBytes bounds the frames waiting for Recv in bytes (ClientConfig.QueueBytes).
	DefaultQueueBytes = DefaultClientMaxFrame
	// DefaultMaxConns bounds the connections open on each of a Client's ports
	// (ClientConfig.MaxConns): a server uses one, and a restarted one briefly two.
	DefaultMaxConns = 8
)

// logLimiter lets one log line through per period and counts the ones it held back.
type logLimiter struct {
	mu         sync.Mutex
	every      time.Duration
	last       time.Time
	suppressed uint64
}

// allow reports whether a line may be logged now, and how many were suppressed since the last
// one that was.
func (l *logLimiter) allow() (ok bool, suppressed uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	every := l.every
	if every == 0 {
		every = cutLogEvery
	}
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < every {
		l.suppressed++
		return false, 0
	}
	l.last = now
	n := l.suppressed
	l.suppressed = 0
	return true, n
}

// boundError is a client that went over one of the bounds above.
type boundError struct{ what string }

func (e *boundError) Error() string { return "client sent " + e.what }

// cutIfBound reports whether err ended the connection because the client went over a bound
// (one above, or a message over the connection's MaxFrameSize); if so it counts the cut and
// logs it, at most once per cutLogEvery for this client.
func (p *peer) cutIfBound(err error) bool {
	var be *boundError
	if !errors.As(err, &be) && !errors.Is(err, zmtp.ErrFrameTooLarge) {
		return false
	}
	n := p.cut.Add(1)
	if ok, suppressed := p.cutLog.allow(); ok {
		p.env.log.Warn(fmt.Sprintf("client at port %d went over a bound; connection cut (it is redialled)", p.ep.port),
			"client", p.ep.addr, "err", err, "cut", n, "suppressed", suppressed)
	}
	return true
}
