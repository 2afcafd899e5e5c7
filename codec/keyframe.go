package codec

import (
	"sync"
	"time"
)

// KeyframeLimiter passes keyframe requests to an encoder at most once per
// interval. Every H.264 client that joins, or falls behind and loses a
// packet, asks for an IDR; an IDR is several times the size of a P-frame
// and goes to every client, so a few slow clients asking all the time
// would multiply the stream's bitrate.
//
// A request inside the interval is not dropped but deferred to the
// interval's end, and all requests made meanwhile share that one: the IDR
// the last request asked for may already have gone out before the client
// that asks now lost its packet, and that client would otherwise wait for
// its gate's retry (fanout.DefaultRetryAfter packets, a second at 30 fps).
type KeyframeLimiter struct {
	request   func()
	every     time.Duration
	now       func() time.Time
	afterFunc func(time.Duration, func()) stopper

	mu      sync.Mutex
	last    time.Time // when a request was last passed on
	pending stopper   // the deferred request's timer, nil when none
	closed  bool
}

// NewKeyframeLimiter limits e's RequestKeyframe to one call per every
// (typically 500 ms to one second). Close it before closing e.
func NewKeyframeLimiter(e Encoder, every time.Duration) *KeyframeLimiter {
	return &KeyframeLimiter{request: e.RequestKeyframe, every: every, now: time.Now,
		afterFunc: func(d time.Duration, f func()) stopper { return time.AfterFunc(d, f) }}
}

// stopper is a timer that can be cancelled (a *time.Timer; a fake in tests).
type stopper interface{ Stop() bool }

// RequestKeyframe passes the request on at once unless one was passed on
// less than the interval ago; then it is passed on when the interval ends
// (once for every request made until then). It is safe for concurrent use,
// so it can be given to the fan-out as fanout.Config.RequestKeyframe,
// which every consumer's keyframe gate calls.
func (l *KeyframeLimiter) RequestKeyframe() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.pending != nil {
		return // the deferred request serves this one too
	}
	now := l.now()
	if wait := l.every - now.Sub(l.last); !l.last.IsZero() && wait > 0 {
		l.pending = l.afterFunc(wait, l.deferred)
		return
	}
	l.last = now
	l.request()
}

// deferred passes on the request RequestKeyframe deferred.
func (l *KeyframeLimiter) deferred() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = nil
	if l.closed {
		return
	}
	l.last = l.now()
	l.request()
}

// Close cancels a deferred request; later requests are ignored. The
// encoder is not called once Close has returned.
func (l *KeyframeLimiter) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.pending != nil {
		l.pending.Stop()
		l.pending = nil
	}
}
