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
	pkt  av.Packet
	pace *picimage.Pacer // unpaced at fps 0: as fast as the caller asks
	seq  uint64
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
	return &testCard{pkt: pkt, pace: picimage.NewPacer(fps)}, nil
}

// next waits for the next frame slot (at the card's rate, as image.Pacer paces it) and returns
// the card stamped with a new sequence number and the current time, so clients can still
// measure latency.
func (c *testCard) next(ctx context.Context) (av.Packet, error) {
	now, err := c.pace.Next(ctx, nil)
	if err != nil {
		return av.Packet{}, fmt.Errorf("test card frame %d: %w", c.seq, err)
	}
	pkt := c.pkt
	pkt.Seq = c.seq
	pkt.Captured = now
	c.seq++
	return pkt, nil
}
