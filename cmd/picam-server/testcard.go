package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec"
	picimage "github.com/picam-project/picam/image"
)

// testCard is the --source testcard: one test-pattern frame rendered and encoded once at
// start-up, then handed out again and again with a new sequence number and capture time. It
// costs nothing per frame, so a benchmark (make bench) measures the transport rather than the
// pattern renderer or the JPEG encoder. The encoded bytes are never modified after start-up, so
// every client's sender may share them.
type testCard struct {
	pkt    av.Packet
	period time.Duration // 0: as fast as the caller asks
	due    time.Time     // when the next frame is due; zero before the first
	timer  *time.Timer
	seq    uint64
}

// newTestCard renders frame 0 of the test pattern at w x h and encodes it with enc.
func newTestCard(w, h int, fps float64, enc codec.Encoder) (*testCard, error) {
	pat, err := picimage.NewTestPattern(w, h)
	if err != nil {
		return nil, fmt.Errorf("test card: %w", err)
	}
	now := time.Now()
	f := picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: pat.Render(nil, 0, now),
		Captured: now, Keyframe: true}
	pkt, err := enc.Encode(f)
	for i := 0; errors.Is(err, codec.ErrNoPacket) && i < 100; i++ {
		// A hardware encoder with the frame in flight: the same frame
		// again brings its packet out.
		pkt, err = enc.Encode(f)
	}
	if err != nil {
		return nil, fmt.Errorf("test card: encode: %w", err)
	}
	c := &testCard{pkt: pkt, timer: time.NewTimer(time.Hour)}
	c.timer.Stop()
	if fps > 0 {
		c.period = time.Duration(float64(time.Second) / fps)
	}
	return c, nil
}

// next waits for the next frame slot (at the card's rate, on a fixed grid; a late caller gets
// its frame at once and the missed slots are skipped) and returns the card stamped with a new
// sequence number and the current time, so clients can still measure latency.
func (c *testCard) next(ctx context.Context) (av.Packet, error) {
	if c.period > 0 && !c.due.IsZero() {
		if wait := time.Until(c.due); wait > 0 {
			c.timer.Reset(wait)
			select {
			case <-c.timer.C:
			case <-ctx.Done():
				c.timer.Stop()
				return av.Packet{}, fmt.Errorf("test card frame %d: %w", c.seq, ctx.Err())
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return av.Packet{}, fmt.Errorf("test card frame %d: %w", c.seq, err)
	}
	now := time.Now()
	if c.period > 0 {
		if c.due.IsZero() || now.Sub(c.due) > c.period {
			c.due = now
		}
		c.due = c.due.Add(c.period)
	}
	pkt := c.pkt
	pkt.Seq = c.seq
	pkt.Captured = now
	c.seq++
	return pkt, nil
}
