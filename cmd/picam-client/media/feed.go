package media

import (
	"context"
	"errors"
	"sync"
)

// ErrFeedClosed is returned by Pop once a closed Feed is empty.
var ErrFeedClosed = errors.New("feed closed")

// Feed hands packets from the receiver to one slower consumer (a browser connection, a file,
// a pipe to a player) without ever blocking the receiver. It holds at most its capacity; when
// the consumer falls that far behind, the queued packets are dropped and the feed waits for
// the next keyframe, because an H.264 decoder cannot use the frames after a gap. For JPEG every
// packet is a keyframe, so the consumer simply skips to the newest picture.
//
// A new Feed also starts at a keyframe, so a viewer or a recording that joins mid-stream
// starts with a picture it can decode.
type Feed struct {
	mu      sync.Mutex
	items   []*Packet
	limit   int
	waitKey bool
	closed  bool
	dropped uint64
	notify  chan struct{}
}

// NewFeed returns a feed that queues up to limit packets (at least 1).
func NewFeed(limit int) *Feed {
	return &Feed{limit: max(limit, 1), waitKey: true, notify: make(chan struct{}, 1)}
}

// Push queues p, or drops it (see Feed). It never blocks.
func (f *Feed) Push(p *Packet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	if f.waitKey && !p.Keyframe {
		f.dropped++
		return
	}
	if len(f.items) >= f.limit {
		f.dropped += uint64(len(f.items))
		clear(f.items)
		f.items = f.items[:0]
		if !p.Keyframe {
			f.dropped++
			f.waitKey = true
			return
		}
	}
	f.waitKey = false
	f.items = append(f.items, p)
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// Pop returns the oldest queued packet, waiting for one. It returns ErrFeedClosed once the
// feed is closed and drained, or ctx's error.
func (f *Feed) Pop(ctx context.Context) (*Packet, error) {
	for {
		f.mu.Lock()
		if len(f.items) > 0 {
			p := f.items[0]
			f.items[0] = nil
			f.items = f.items[1:]
			f.mu.Unlock()
			return p, nil
		}
		closed := f.closed
		f.mu.Unlock()
		if closed {
			return nil, ErrFeedClosed
		}
		select {
		case <-f.notify:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close ends the feed: Pop returns what is queued, then ErrFeedClosed.
func (f *Feed) Close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// Dropped is the number of packets the consumer never got because it fell behind (or joined
// between keyframes).
func (f *Feed) Dropped() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dropped
}
