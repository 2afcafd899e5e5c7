package codec

import (
	"sync/atomic"
	"time"
)

// KeyframeLimiter passes keyframe requests to an encoder at most once per
// interval. Every H.264 client that joins, or falls behind and loses a
// packet, asks for an IDR; an IDR is several times the size of a P-frame
// and goes to every client, so a few slow clients asking all the time
// would multiply the stream's bitrate. Requests inside the interval are
// dropped: the IDR already on its way serves them too.
type KeyframeLimiter struct {
	request func()
	every   time.Duration
	now     func() time.Time
	last    atomic.Int64 // unix nanoseconds of the last request passed on
}

// NewKeyframeLimiter limits e's RequestKeyframe to one call per every
// (typically 500 ms to one second).
func NewKeyframeLimiter(e Encoder, every time.Duration) *KeyframeLimiter {
	return &KeyframeLimiter{request: e.RequestKeyframe, every: every, now: time.Now}
}

// RequestKeyframe passes the request on unless one was passed on less
// than the interval ago. It is safe for concurrent use, so it can be given
// to the fan-out as fanout.Config.RequestKeyframe, which every consumer's
// keyframe gate calls.
func (l *KeyframeLimiter) RequestKeyframe() {
	now := l.now().UnixNano()
	last := l.last.Load()
	if last != 0 && now-last < int64(l.every) {
		return
	}
	if l.last.CompareAndSwap(last, now) {
		l.request()
	}
}
