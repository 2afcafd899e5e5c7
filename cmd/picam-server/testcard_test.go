package main

import (
	"context"
	"errors"
	"testing"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec"
)

// The test card is encoded once: every packet shares the same bytes, with its own sequence
// number and capture time.
func TestTestCardRepeatsOneEncodedFrame(t *testing.T) {
	card, err := newTestCard(64, 48, 0, codec.NewRaw())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := card.next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Codec != av.Raw || first.Width != 64 || first.Height != 48 || len(first.Data) != 64*48*3 {
		t.Fatalf("first packet %v %dx%d, %d bytes", first.Codec, first.Width, first.Height, len(first.Data))
	}
	for i := uint64(1); i < 5; i++ {
		p, err := card.next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p.Seq != i {
			t.Errorf("packet %d has seq %d", i, p.Seq)
		}
		if &p.Data[0] != &first.Data[0] {
			t.Errorf("packet %d was re-rendered; the card must share one buffer", i)
		}
		if p.Captured.Before(first.Captured) {
			t.Errorf("packet %d captured %v, before the first %v", i, p.Captured, first.Captured)
		}
	}
}

// A paced card waiting for its slot stops when the context ends.
func TestTestCardStopsWithTheContext(t *testing.T) {
	card, err := newTestCard(64, 48, 0.001, codec.NewRaw()) // one frame every 1000 s
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := card.next(ctx); err != nil { // the first frame is due at once
		t.Fatal(err)
	}
	cancel()
	if _, err := card.next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("next after cancel: %v, want context.Canceled", err)
	}
}
