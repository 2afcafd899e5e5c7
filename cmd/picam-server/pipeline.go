package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/hw/camera"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/stream"
)

// pipeline is the capture → encode → send loop.
type pipeline struct {
	src  frameSource
	card *testCard // --source testcard: src is nil
	enc  codec.Encoder
	// paused (the status button) keeps capturing, for steady pacing, but sends nothing.
	paused atomic.Bool
}

// frameSource is what the pipeline captures from: a camera.Camera (which covers the test
// pattern too).
type frameSource interface {
	Next(ctx context.Context) (picimage.Frame, error)
	Close() error
}

// build turns the options into a stream configuration and a pipeline, validating everything
// before any socket or device is touched.
func (o *options) build(log *slog.Logger) (stream.ServerConfig, *pipeline, error) {
	var cfg stream.ServerConfig
	ports, err := parsePortsFlag(o.ports)
	if err != nil {
		return cfg, nil, err
	}
	delivery, err := stream.ParseDelivery(o.delivery)
	if err != nil {
		return cfg, nil, err
	}
	wait, err := stream.ParseWait(o.wait)
	if err != nil {
		return cfg, nil, err
	}
	cfg = stream.ServerConfig{
		Address:        o.address,
		Ports:          ports,
		Endpoints:      o.clients,
		Pattern:        stream.Pattern(o.pattern),
		Bidirectional:  o.bidirectional,
		Delivery:       delivery,
		Wait:           wait,
		RequestTimeout: o.reqTimeout,
		Logger:         log,
	}
	if o.message != "" && !o.bidirectional {
		return cfg, nil, fmt.Errorf("--message is sent only in bidirectional mode: add --bidirectional (pattern 1)")
	}
	w, h, err := picimage.ParseResolution(o.resolution)
	if err != nil {
		return cfg, nil, err
	}
	if o.framerate < 0 {
		return cfg, nil, fmt.Errorf("invalid --framerate %v: use a positive number, or 0 for as fast as possible", o.framerate)
	}
	source := strings.ToLower(o.source)
	if source != "testcard" {
		if _, _, err := camera.ParseSource(o.source); err != nil {
			return cfg, nil, err
		}
	}
	c, err := codec.ParseCodec(o.codec)
	if err != nil {
		return cfg, nil, err
	}
	var enc codec.Encoder
	switch c {
	case codec.Raw:
		enc = codec.NewRaw()
	case codec.JPEG:
		if enc, err = codec.NewJPEG(o.jpegQuality); err != nil {
			return cfg, nil, err
		}
	default:
		return cfg, nil, fmt.Errorf("--codec %s is not available yet: use raw or jpeg", c)
	}
	if source == "testcard" {
		card, err := newTestCard(w, h, o.framerate, enc)
		if err != nil {
			enc.Close()
			return cfg, nil, err
		}
		return cfg, &pipeline{card: card, enc: enc}, nil
	}
	opts := o.cam
	opts.Width, opts.Height, opts.Framerate = w, h, o.framerate
	switch c {
	case codec.JPEG:
		opts.Format, opts.Quality = picimage.MJPEG, o.jpegQuality // passthrough when the camera encodes
	default:
		opts.Format = picimage.BGR24
	}
	cam, err := camera.Open(context.Background(), o.source, opts, log)
	if err != nil {
		enc.Close()
		return cfg, nil, err
	}
	return cfg, &pipeline{src: cam, enc: enc}, nil
}

func parsePortsFlag(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return cli.ParsePorts(s)
}

// setMessage turns --message into the JSON value sent in the header: valid JSON as it is,
// anything else as a JSON string.
func setMessage(srv *stream.Server, msg string) error {
	if msg == "" {
		return nil
	}
	raw := json.RawMessage(msg)
	if !json.Valid(raw) {
		raw, _ = json.Marshal(msg)
	}
	return srv.SetMessage(raw)
}

// run waits for the clients (the Wait policy), then captures, encodes once and sends until ctx
// ends or limit frames have been sent.
func (p *pipeline) run(ctx context.Context, srv *stream.Server, limit uint64, log *slog.Logger) error {
	select {
	case <-srv.Ready():
	case <-ctx.Done():
		return ctx.Err()
	}
	var sent uint64
	for limit == 0 || sent < limit {
		if p.card != nil && p.card.period == 0 {
			// Flat out: as fast as the fastest client takes frames, not a spinning loop.
			if err := srv.WaitDemand(ctx); err != nil {
				return err
			}
		}
		pkt, err := p.next(ctx)
		if err != nil {
			return err
		}
		if p.paused.Load() {
			continue
		}
		if srv.Send(&stream.Packet{Codec: string(pkt.Codec), Data: pkt.Data, Width: pkt.Width, Height: pkt.Height,
			Seq: pkt.Seq, Captured: pkt.Captured, Keyframe: pkt.Keyframe}) {
			sent++
		}
	}
	log.Info("frame limit reached", "frames", sent)
	return nil
}

// next captures and encodes one frame, or takes the test card's.
func (p *pipeline) next(ctx context.Context) (codec.Packet, error) {
	if p.card != nil {
		return p.card.next(ctx)
	}
	f, err := p.src.Next(ctx)
	if err != nil {
		return codec.Packet{}, err
	}
	pkt, err := p.enc.Encode(f)
	if err != nil {
		return codec.Packet{}, fmt.Errorf("encode frame %d: %w", f.Seq, err)
	}
	return pkt, nil
}

func (p *pipeline) close() {
	if p.src != nil {
		p.src.Close()
	}
	p.enc.Close()
}
