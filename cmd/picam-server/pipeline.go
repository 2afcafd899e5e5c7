package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/hw/camera"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/stream"
)

// pipeline is the capture → encode → publish loop: each packet is encoded once and published
// to the fan-out, whose consumers (the NetGear senders of stream.Server) take it from there.
type pipeline struct {
	src  frameSource
	card *testCard // --source testcard: src is nil
	enc  codec.Encoder
	sel  codec.Selection // the encoder and why it was chosen
	hub  *fanout.Hub     // every output's packets
	// requestKeyframe asks the encoder for a keyframe, at most every keyframeRequestEvery
	// (nil for intra-coded streams): the hub's, and the WebRTC peers' picture-loss reports.
	requestKeyframe func()
	keyframes       *codec.KeyframeLimiter // behind requestKeyframe; closed before the encoder
	// paused (the status button) keeps capturing, for steady pacing, but sends nothing.
	paused atomic.Bool
	// unpaced: the source has no frame rate of its own (the test pattern with --framerate 0),
	// so run waits for a client to take a frame before capturing, converting and encoding the
	// next, as it does for the flat-out test card.
	unpaced bool
	// netgear: the stream server has NetGear clients, whose Wait policy run waits for. Without
	// (--rtsp only) run publishes from the start: each other output's consumer takes packets
	// when it is there.
	netgear bool
	// fps is the stream's frame rate, 0 when unknown or unpaced (what a relay's metadata
	// tells its players).
	fps float64
	// viewers: another output (RTSP, MJPEG over HTTP, WebRTC, a relay) may have consumers,
	// which must not wait for the NetGear clients: run publishes from the start, and the
	// stream server holds its NetGear senders back until the Wait policy is met.
	viewers bool
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
		return cfg, nil, fmt.Errorf("--wait: %w", err)
	}
	cfg = stream.ServerConfig{
		Address:        o.address,
		Ports:          ports,
		Endpoints:      o.clients,
		Pattern:        stream.Pattern(o.pattern),
		Bidirectional:  o.bidirectional,
		MultiServer:    o.multiServer,
		Delivery:       delivery,
		Wait:           wait,
		RequestTimeout: o.reqTimeout,
		Logger:         log,
		// NetGear's jpeg_compression_fastdct: the header's dct flag, which NetGear receivers
		// decode with. picam's encoding does not change: the pure-Go encoder always uses the
		// fast floating-point AAN DCT, a -tags turbojpeg build libjpeg-turbo's accurate one.
		JPEGAccurateDCT: !o.jpegFastDCT,
	}
	if o.message != "" && !o.bidirectional {
		return cfg, nil, fmt.Errorf("--message is sent only in bidirectional mode: add --bidirectional (pattern 0 or 1)")
	}
	if cfg.Pattern == stream.Pair && !cfg.MultiServer && len(cfg.Ports) == 0 && len(cfg.Endpoints) == 0 {
		// NetGear's sender connects to localhost:5555 unless told otherwise.
		cfg.Endpoints = []string{"localhost:5555"}
	}
	// With another output (--rtsp), NetGear is optional: no --ports and no --client means a
	// stream server with no clients, and the pipeline publishes to the other outputs alone.
	cfg.NoClientsOK = o.rtsp.addr != "" || len(o.publish.urls) > 0
	netgear := len(cfg.Ports) > 0 || len(cfg.Endpoints) > 0
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
	if o.jpegQuality == 0 { // PiGear's quality = 0: the default
		o.jpegQuality = codec.DefaultJPEGQuality
	}
	if o.jpegQuality < 1 || o.jpegQuality > 100 {
		return cfg, nil, fmt.Errorf("--jpeg-quality %d: use 1-100 (NetGear's default is 90)", o.jpegQuality)
	}
	c, eng, err := o.enc.parsed()
	if err != nil {
		return cfg, nil, err
	}
	if c.InterCoded() && delivery == stream.RoundRobin {
		return cfg, nil, fmt.Errorf("--codec %s with --delivery round-robin: each client would get every N-th frame, and an H.264 or FWHT frame needs the ones before it; use --delivery broadcast, or --codec jpeg for round-robin", c)
	}
	plan := newEncoderPlan(c, eng, &o.enc, o.jpegQuality, log)
	pl := &pipeline{netgear: netgear}
	if source == "testcard" {
		if pl.sel, err = plan.openTestCard(w, h, o.framerate); err != nil {
			return cfg, nil, err
		}
		if pl.card, err = newTestCard(w, h, o.framerate, pl.sel.Encoder); err != nil {
			pl.sel.Encoder.Close()
			return cfg, nil, err
		}
		pl.fps = o.framerate
	} else {
		opts := o.cam
		opts.Width, opts.Height, opts.Framerate = w, h, o.framerate
		if pl.src, pl.sel, err = plan.openCamera(context.Background(), o.source, opts); err != nil {
			return cfg, nil, err
		}
		pl.fps = o.framerate
		if c, ok := pl.src.(interface{ Info() camera.Info }); ok {
			// The camera's own rate (what it negotiated), 0 when it has none.
			pl.fps = c.Info().Framerate
			pl.unpaced = pl.fps <= 0
		}
	}
	pl.enc = pl.sel.Encoder
	browsers := o.httpAddr != "" && (pl.sel.Codec == av.JPEG || pl.sel.Codec == av.H264 && o.webrtc)
	if browsers {
		cfg.NoClientsOK = true // browsers watch over --http: MJPEG, or WebRTC (web/)
	}
	pl.viewers = o.rtsp.addr != "" || browsers || len(o.publish.urls) > 0 // RTSP, /stream.mjpg, WebRTC, relays
	if cfg.NoClientsOK && !netgear && (pl.unpaced || (pl.card != nil && !pl.card.pace.Paced())) {
		pl.close()
		return cfg, nil, fmt.Errorf("--framerate 0 sends as fast as the NetGear clients take frames, and there are none (no --ports or --client): give the RTSP stream a rate, e.g. --framerate 30")
	}
	var hub fanout.Config
	if pl.sel.Codec.InterCoded() {
		pl.keyframes = codec.NewKeyframeLimiter(pl.enc, keyframeRequestEvery)
		hub.RequestKeyframe = pl.keyframes.RequestKeyframe
	}
	pl.requestKeyframe = hub.RequestKeyframe
	pl.hub = fanout.New(hub)
	cfg.Hub = pl.hub
	if pl.sel.Codec.InterCoded() && delivery == stream.RoundRobin { // --codec auto chose H.264
		pl.close()
		return cfg, nil, fmt.Errorf("--codec auto chose %s (the camera delivers only H.264), which --delivery round-robin cannot carry: use --delivery broadcast", pl.sel.Codec)
	}
	return cfg, pl, nil
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

// run waits for the NetGear clients (the Wait policy; with none, or with viewers on another
// output and a source that paces itself, it starts at once), then captures, encodes once and
// publishes until ctx ends or limit frames have been sent.
func (p *pipeline) run(ctx context.Context, srv *stream.Server, limit uint64, log *slog.Logger) error {
	flatOut := p.unpaced || (p.card != nil && !p.card.pace.Paced())
	if p.netgear && (!p.viewers || flatOut) {
		select {
		case <-srv.Ready():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var sent uint64
	// The index of the last packet sent: a packet encoded but not sent (paused, or before the
	// clients were there) leaves a hole the clients of an inter-coded stream must not cross.
	var lastIndex uint64
	haveLast := false
	for limit == 0 || sent < limit {
		if p.netgear && flatOut {
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
		pkt.Gap = haveLast && pkt.Index != lastIndex+1
		p.hub.Publish(pkt)
		sent++
		lastIndex, haveLast = pkt.Index, true
	}
	log.Info("frame limit reached", "frames", sent)
	return nil
}

// next captures and encodes one frame, or takes the test card's.
func (p *pipeline) next(ctx context.Context) (av.Packet, error) {
	if p.card != nil {
		return p.card.next(ctx)
	}
	for {
		f, err := p.src.Next(ctx)
		if err != nil {
			return av.Packet{}, err
		}
		if p.sel.Codec == av.Raw && !p.unpaced && !p.hub.Wanted() {
			// No NetGear client is connected to take it: no BGR conversion for nobody. (An
			// unpaced source waits for a connected client's demand before capturing.)
			continue
		}
		pkt, err := p.enc.Encode(f)
		if errors.Is(err, codec.ErrNoPacket) {
			continue // the hardware encoder has it in flight: its packet comes with the next frame
		}
		if err != nil {
			return av.Packet{}, fmt.Errorf("encode frame %d: %w", f.Seq, err)
		}
		return pkt, nil
	}
}

func (p *pipeline) close() {
	if p.hub != nil {
		p.hub.Close()
	}
	if p.src != nil {
		p.src.Close()
	}
	if p.keyframes != nil {
		p.keyframes.Close() // no deferred keyframe request reaches the closed encoder
	}
	p.enc.Close()
}
