package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/av/h264"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/cmd/picam-client/viewer"
	"github.com/picam-project/picam/stream"
	"github.com/picam-project/picam/stream/wire"
)

// meterWindow is the span the live numbers (fps, bit rate, latency) average over.
const meterWindow = time.Second

// receiver is the receive loop's state.
type receiver struct {
	o       *options
	c       *stream.Client
	log     *slog.Logger
	sum     summary
	lat     []float64
	first   time.Time
	last    time.Time
	outputs []*output
	viewer  *viewer.Server

	cams map[int]*camera // by local port; fixed after newReceiver, so readers need no lock

	retMu   sync.Mutex
	retTmpl string

	ownDropped uint64 // the stream client's Dropped when last looked at (H.264/FWHT resync)
	// dropped reads how many frames the stream client's own queue has dropped so far.
	dropped func() uint64
}

// camera is one stream (one local port).
type camera struct {
	port  int
	meter *media.Meter
	jpeg  codec.Encoder // converts raw frames for the outputs; made on first need
	count uint64        // frames, for the sequence number of servers that send none
	// width and height of an H.264 stream, from its newest SPS
	width, height int
	fwht          fwhtStream      // decodes an FWHT stream
	started       bool            // an H.264 or FWHT frame has arrived (noteFirstFrame)
	viewed        uint64          // packets given to the viewer
	rawBuf        []byte          // converted raw frames (uint16, 4 channels)
	warned        map[string]bool // raw-frame problems already reported
	// h264Wait: this client's own queue dropped frames, so H.264 P-frames would reference
	// pictures the decoder never saw; the outputs get nothing until the next IDR.
	h264Wait bool
	jpegCfg  jpegConfig // the JPEG frames' size, cached while their headers repeat
}

// h264Size reads the picture size from the SPS in front of a keyframe, if there is one.
func (c *camera) h264Size(au []byte) {
	for nal := range h264.NALUnits(au) {
		if h264.TypeOf(nal) == h264.NALSPS {
			if sps, err := h264.ParseSPS(nal); err == nil {
				c.width, c.height = sps.Width, sps.Height
			}
			return
		}
		if h264.TypeOf(nal).IsSlice() {
			return
		}
	}
}

func newReceiver(o *options, c *stream.Client, log *slog.Logger) *receiver {
	r := &receiver{o: o, c: c, log: log, sum: summary{Port: o.port, Ports: o.ports}, cams: map[int]*camera{}, retTmpl: o.ret,
		dropped: func() uint64 { return c.Stats().Dropped }}
	for _, p := range o.cameraPorts() {
		r.cams[p] = &camera{port: p, meter: media.NewMeter(p, meterWindow)}
	}
	if o.ret != "" {
		c.SetReturn(returnValue(o.ret, 0))
	}
	return r
}

// setReturnTemplate makes line the data sent back from now on (--return-stdin).
func (r *receiver) setReturnTemplate(line string) {
	r.retMu.Lock()
	r.retTmpl = line
	n := r.sum.Frames
	r.retMu.Unlock()
	if err := r.c.SetReturn(returnValue(line, n)); err != nil {
		r.log.Warn("--return-stdin: line not usable as return data", "line", line, "err", err)
		return
	}
	r.log.Debug("return data set from standard input", "data", line)
}

func (r *receiver) loop(ctx context.Context) int {
	g := newGiveUp(r.o, time.Now())
	for {
		recvCtx, cancel := ctx, context.CancelFunc(func() {})
		if g != nil {
			recvCtx, cancel = context.WithDeadlineCause(ctx, g.deadline(), errSilentWindow)
		}
		f, err := r.c.Recv(recvCtx)
		cancel()
		if err != nil && g != nil && ctx.Err() == nil && errors.Is(context.Cause(recvCtx), errSilentWindow) {
			if !g.silent(time.Now()) {
				r.log.Warn("no message from the server; waiting again, as NetGear does", "retries-left", g.retries, "wait", g.window)
				continue
			}
			r.sum.Exit = "server-gone"
			if r.sum.Frames == 0 {
				r.sum.Exit = "no-server"
			}
			r.log.Warn("giving up: no message from the server, as NetGear's recv() would ("+g.why+")", "frames", r.sum.Frames)
			return cli.ExitServerGone
		}
		switch {
		case errors.Is(err, stream.ErrTerminated):
			r.sum.Exit = "terminate"
			r.log.Info("server terminated the stream", "frames", r.sum.Frames)
			return cli.ExitOK
		case errors.Is(err, stream.ErrServerGone), errors.Is(err, stream.ErrNoServer):
			r.sum.Exit = "server-gone"
			if errors.Is(err, stream.ErrNoServer) {
				r.sum.Exit = "no-server"
			}
			r.log.Warn("giving up", "reason", err, "frames", r.sum.Frames)
			return cli.ExitServerGone
		case errors.Is(err, context.Canceled):
			return r.cancelled(ctx)
		case err != nil:
			r.sum.Exit = "error"
			r.log.Error("receive failed", "err", err)
			return cli.ExitFailure
		}
		if g != nil {
			at := f.Received
			if at.IsZero() {
				at = time.Now()
			}
			g.heard(at)
		}
		r.account(f)
		f.Release()
		r.retMu.Lock()
		tmpl, n := r.retTmpl, r.sum.Frames
		r.retMu.Unlock()
		if tmpl != "" && strings.Contains(tmpl, "{n}") {
			r.c.SetReturn(returnValue(tmpl, n))
		}
		if r.o.frames > 0 && r.sum.Frames >= r.o.frames {
			r.sum.Exit = "frames"
			return cli.ExitOK
		}
	}
}

// cancelled names why the loop's context ended: Ctrl-C, the player quitting, or an output that
// failed.
func (r *receiver) cancelled(ctx context.Context) int {
	var oe *outputError
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errOutputClosed):
		r.sum.Exit = "output-closed"
		r.log.Info("stopping: " + errOutputClosed.Error())
		return cli.ExitOK
	case errors.As(cause, &oe):
		r.sum.Exit = "error"
		r.log.Error("stopping: an output failed", "output", oe.name, "err", oe.err)
		return cli.ExitFailure
	}
	r.sum.Exit = "interrupted"
	return cli.ExitOK
}

func (r *receiver) account(f *stream.Frame) {
	now := time.Now()
	if r.sum.Frames == 0 {
		r.first = now
	}
	r.last = now
	r.retMu.Lock()
	r.sum.Frames++
	r.retMu.Unlock()
	r.sum.Bytes += uint64(len(f.Payload))
	h := &f.Header
	cam := r.cams[f.Port]
	if cam == nil { // frames come in on bound ports only; the map is fixed after start
		r.log.Warn("frame on a port picam-client did not bind; ignored", "port", f.Port)
		return
	}
	cam.count++

	codecName := media.JPEG
	shape := "jpeg"
	var width, height int
	var decoded picimage.Frame // an FWHT frame, decoded
	hold := false              // an H.264 frame the outputs cannot decode (h264Wait)
	interCoded := h.Picam != nil && (h.Picam.Codec == media.H264 || h.Picam.Codec == codecFWHT)
	if d := r.dropped(); interCoded && d != r.ownDropped {
		// The queue drops the oldest frame of whichever camera: every inter-coded stream
		// resynchronises at its next keyframe.
		r.ownDropped = d
		for _, c := range r.cams {
			c.fwht.lost()
			c.h264Wait = true
		}
	}
	switch {
	case h.Picam != nil && h.Picam.Codec == media.H264:
		codecName, shape = media.H264, "h264"
		r.noteFirstFrame(cam, codecName, f.Payload)
		if cam.h264Wait && h264.IsRandomAccess(f.Payload) {
			cam.h264Wait = false
		}
		hold = cam.h264Wait
	case h.Picam != nil && h.Picam.Codec == codecFWHT:
		codecName, shape = codecFWHT, ""
		r.noteFirstFrame(cam, codecName, f.Payload)
		if fr, ok := r.fwhtFrame(cam, f.Port, f.Payload); ok {
			decoded, shape = fr, shapeOf(fr)
			width, height = fr.Width, fr.Height
		}
	case h.Compression != nil:
		cfg, err := cam.jpegCfg.decode(f.Payload)
		if err != nil {
			r.sum.DecodeErrors++
			r.log.Warn("JPEG payload does not decode", "port", f.Port, "err", err)
		}
		width, height = cfg.Width, cfg.Height
	default:
		codecName = "raw"
		shape = fmt.Sprint(h.Shape)
	}
	if shape != "" && !slices.Contains(r.sum.Shapes, shape) && len(r.sum.Shapes) < 10 {
		r.sum.Shapes = append(r.sum.Shapes, shape)
	}
	p := &media.Packet{Camera: f.Port, Codec: codecName, Seq: cam.count - 1, Received: f.Received, Key: true, Width: width, Height: height}
	if p.Received.IsZero() {
		p.Received = now
	}
	if h.Picam != nil {
		if !slices.Contains(r.sum.Codecs, h.Picam.Codec) && len(r.sum.Codecs) < 10 {
			r.sum.Codecs = append(r.sum.Codecs, h.Picam.Codec)
		}
		seq := h.Picam.Seq
		if r.sum.FirstSeq == nil {
			r.sum.FirstSeq = &seq
		}
		r.sum.LastSeq = &seq
		p.Seq = seq
		if h.Picam.TimeUS > 0 {
			r.noteCapture(p, f, now, h.Picam.TimeUS)
		}
	}
	// NetGear reads the message in bidirectional and in multi-server mode.
	if (r.o.bidirectional || r.o.multiServer()) && len(h.Message) > 0 {
		p.Message = json.RawMessage(bytes.Clone(h.Message))
		msg := string(h.Message)
		if !slices.Contains(r.sum.Messages, msg) && len(r.sum.Messages) < 20 {
			r.sum.Messages = append(r.sum.Messages, msg)
			r.log.Info("server message", "port", f.Port, "message", msg)
		}
	}
	if len(h.Shape) >= 2 {
		p.Height, p.Width = h.Shape[0], h.Shape[1]
	}
	if codecName == media.H264 {
		p.Key = h264.IsIDR(f.Payload)
		if p.Key {
			cam.h264Size(f.Payload)
		}
		p.Width, p.Height = cam.width, cam.height
	}
	cam.meter.Add(p, len(f.Payload))
	if hold {
		r.sum.KeyframeWaits++
		return
	}
	if len(r.outputs) == 0 && r.viewer == nil {
		return
	}
	switch codecName {
	case "raw":
		if !r.toJPEG(cam, p, h, f.Payload) {
			return
		}
	case codecFWHT:
		if decoded.Data == nil || !r.frameToJPEG(cam, p, decoded) {
			return
		}
	default:
		p.Data = bytes.Clone(f.Payload) // the frame's buffer is reused after Release
	}
	for _, out := range r.outputs {
		out.push(p)
	}
	if r.viewer != nil {
		r.viewer.Publish(p)
		cam.viewed++
	}
}

// toJPEG converts a raw NetGear array (grey, BGR or RGB, BGRA or RGBA; uint8 or uint16) for the
// outputs, which handle JPEG and H.264 only. A frame it cannot convert is counted and reported
// once per camera and problem, as a warning that names the sender's fix.
func (r *receiver) toJPEG(cam *camera, p *media.Packet, h *wire.Header, payload []byte) bool {
	f, err := rawToFrame(h.DType, h.Shape, payload, r.o.rawRGB(), cam.rawBuf)
	if err != nil {
		r.sum.Unshown++
		kind := err.Error()
		var rp *rawProblem
		if errors.As(err, &rp) {
			kind = rp.kind
		}
		if cam.warned == nil {
			cam.warned = map[string]bool{}
		}
		if !cam.warned[kind] && len(cam.warned) < 10 {
			cam.warned[kind] = true
			r.log.Warn(err.Error(), "port", cam.port)
		}
		return false
	}
	if &f.Data[0] != &payload[0] {
		cam.rawBuf = f.Data // reuse the conversion buffer for the next frame
	}
	return r.frameToJPEG(cam, p, f)
}

// frameToJPEG converts a raw frame of any picimage format (a raw array, a decoded FWHT
// frame) for the outputs.
func (r *receiver) frameToJPEG(cam *camera, p *media.Packet, f picimage.Frame) bool {
	if cam.jpeg == nil {
		enc, err := codec.NewJPEG(r.o.jpegQuality)
		if err != nil {
			r.log.Error("cannot convert raw frames to JPEG", "err", err)
			return false
		}
		cam.jpeg = enc
	}
	f.Seq, f.Captured, f.Keyframe = p.Seq, p.Captured, true
	pk, err := cam.jpeg.Encode(f)
	if err != nil {
		r.log.Warn("raw frame could not be converted to JPEG", "port", cam.port, "err", err)
		return false
	}
	// The encoder may share the frame's bytes with the packet; the frame is reused, so copy.
	p.Data, p.Codec, p.Key = bytes.Clone(pk.Data), media.JPEG, true
	return true
}

// cameraStatus returns every camera's live numbers (for the viewer and the status line).
func (r *receiver) cameraStatus() []media.CameraStatus {
	now := time.Now()
	out := make([]media.CameraStatus, 0, len(r.cams))
	for _, p := range r.o.cameraPorts() {
		if cam := r.cams[p]; cam != nil {
			out = append(out, cam.meter.Status(now))
		}
	}
	return out
}

// returnValue expands {n} and sends JSON values as they are, other text as a JSON string.
func returnValue(tmpl string, n uint64) json.RawMessage {
	s := strings.ReplaceAll(tmpl, "{n}", strconv.FormatUint(n, 10))
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}
