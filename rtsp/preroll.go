package rtsp

import (
	"context"

	"github.com/picam-project/picam/av"
)

// Bounds on what a preroll keeps for a client that has described or set up the stream but
// not started playing it.
const (
	maxPrerollPackets = 300
	maxPrerollBytes   = 16 << 20
)

// preroll keeps reading a feed from its first packet (a keyframe) between DESCRIBE and PLAY,
// so that PLAY can send at once every packet since that keyframe: the client decodes its first
// picture without waiting for another keyframe, and the feed's mailbox never overflows while
// the client is still negotiating. It keeps at most maxPrerollPackets and maxPrerollBytes;
// beyond that it drops what it has and starts again at the next keyframe.
type preroll struct {
	cancel context.CancelFunc
	done   chan struct{}
	// Owned by the goroutine until done is closed.
	pkts  []av.Packet
	bytes int
	err   error
}

// startPreroll starts reading feed, whose first packet was first.
func startPreroll(ctx context.Context, feed Feed, first av.Packet) *preroll {
	ctx, cancel := context.WithCancel(ctx)
	pr := &preroll{cancel: cancel, done: make(chan struct{}), pkts: []av.Packet{first}, bytes: len(first.Data)}
	go func() {
		defer close(pr.done)
		waitKey := false
		for {
			p, err := feed.Next(ctx)
			if err != nil {
				if ctx.Err() == nil {
					pr.err = err
				}
				return
			}
			if waitKey && !p.Keyframe {
				continue
			}
			waitKey = false
			if len(pr.pkts) >= maxPrerollPackets || pr.bytes+len(p.Data) > maxPrerollBytes {
				clear(pr.pkts)
				pr.pkts, pr.bytes = pr.pkts[:0], 0
				if !p.Keyframe && p.Codec.InterCoded() {
					waitKey = true
					continue
				}
			}
			pr.pkts = append(pr.pkts, p)
			pr.bytes += len(p.Data)
		}
	}()
	return pr
}

// stop ends the reading and returns the packets kept, oldest first, and the feed's error if
// it ended.
func (pr *preroll) stop() ([]av.Packet, error) {
	pr.cancel()
	<-pr.done
	return pr.pkts, pr.err
}
