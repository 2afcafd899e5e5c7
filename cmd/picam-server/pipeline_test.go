package main

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/fanout"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/stream"
)

// TestUnpacedSourceWaitsForDemand checks that the moving test pattern at --framerate 0 is
// marked unpaced (run then waits for a client to take a frame before capturing and converting
// the next, instead of converting frames nobody takes), and that a paced one is not.
func TestUnpacedSourceWaitsForDemand(t *testing.T) {
	for _, tc := range []struct {
		fps  string
		want bool
	}{{"0", true}, {"30", false}} {
		_, pl := buildPipeline(t, "--source", "testsrc:I420", "--codec", "raw", "--resolution", "160x120",
			"--framerate", tc.fps, "--ports", "5577")
		if pl.unpaced != tc.want {
			t.Errorf("--framerate %s: unpaced = %v, want %v", tc.fps, pl.unpaced, tc.want)
		}
	}
}

// countingEncoder counts the frames a pipeline encodes.
type countingEncoder struct {
	codec.Encoder
	frames atomic.Int64
}

func (e *countingEncoder) Encode(f picimage.Frame) (av.Packet, error) {
	e.frames.Add(1)
	return e.Encoder.Encode(f)
}

// TestRawConvertsOnlyForConnectedClients checks that a paced camera's frames are converted to
// BGR (the raw encoder) only while some NetGear client is there to take them: with none
// connected they are captured, keeping the camera's pace, and dropped unconverted.
func TestRawConvertsOnlyForConnectedClients(t *testing.T) {
	_, pl := buildPipeline(t, "--source", "testsrc:I420", "--codec", "raw", "--resolution", "160x120",
		"--framerate", "100", "--ports", "5577")
	enc := &countingEncoder{Encoder: pl.enc}
	pl.enc = enc
	var connected atomic.Bool
	sub := pl.hub.SubscribeWith("netgear stand-in", fanout.Options{Present: connected.Load})
	defer sub.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := pl.next(ctx); err == nil {
		t.Fatal("next made a packet with no client connected")
	}
	if n := enc.frames.Load(); n != 0 {
		t.Errorf("%d frames converted with no client connected, want 0", n)
	}

	connected.Store(true)
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pkt, err := pl.next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pkt.Codec != av.Raw || len(pkt.Data) != 160*120*3 || enc.frames.Load() != 1 {
		t.Errorf("with a client: %s packet of %d bytes, %d frames converted; want one raw 160x120 BGR frame",
			pkt.Codec, len(pkt.Data), enc.frames.Load())
	}
}

// buildPipeline parses args as picam-server's flags and builds the stream server's config and
// the pipeline, failing t on an error; the pipeline is closed when t ends.
func buildPipeline(t *testing.T, args ...string) (stream.ServerConfig, *pipeline) {
	t.Helper()
	o, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, pl, err := o.build(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pl.close)
	return cfg, pl
}
