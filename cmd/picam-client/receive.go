package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/picam-project/picam/av"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/cmd/picam-client/viewer"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/cli"
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
	norm  normalizer // raw and FWHT frames to JPEG for the outputs
	count uint64     // frames, for the sequence number of servers that send none
	// width and height of an H.264 stream, from its newest SPS
	width, height int
	fwht          fwhtStream      // decodes an FWHT stream
	started       bool            // an H.264 or FWHT frame has arrived (noteFirstFrame)
	viewed        uint64          // packets given to the viewer
	warned        map[string]bool // raw-frame problems already reported
	// waitKey: this client's own queue dropped frames, so inter-coded frames would reference
	// pictures the decoder never saw; nothing goes on until the next keyframe (packet.go).
	waitKey bool
	jpegCfg jpegConfig // the JPEG frames' size, cached while their headers repeat
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
		r.cams[p] = &camera{port: p, meter: media.NewMeter(p, meterWindow), norm: normalizer{quality: o.jpegQuality, rgb: o.rawRGB()}}
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

// account takes one received frame: it is counted, described once as a packet (packet.go),
// measured, passed through the camera's keyframe gate, and handed to the outputs in the codecs
// they handle (normalize.go).
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
	p := r.packetOf(cam, f, now)
	if d := r.dropped(); p.Codec.InterCoded() && d != r.ownDropped {
		// The queue drops the oldest frame of whichever camera: every inter-coded stream
		// resynchronises at its next keyframe.
		r.ownDropped = d
		for _, c := range r.cams {
			c.lost()
		}
	}
	r.noteFirstFrame(cam, p)
	pass := cam.admit(p)
	decoded := r.inspect(cam, p, h, f.Payload, pass)
	r.note(h, p, now)
	cam.meter.Add(p, len(f.Payload))
	if !pass {
		r.sum.KeyframeWaits++
		return
	}
	if len(r.outputs) == 0 && r.viewer == nil {
		return
	}
	switch p.Codec {
	case av.Raw:
		if !r.rawToJPEG(cam, p, h, f.Payload) {
			return
		}
	case av.FWHT:
		if decoded.Data == nil {
			return
		}
		if err := cam.norm.frame(p, decoded); err != nil {
			r.normalizeFailed(cam, err)
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

// inspect learns what each codec's payload says about the picture: its size (and, for the
// summary, its shape), and for FWHT the decoded picture, when the gate let the frame pass.
func (r *receiver) inspect(cam *camera, p *media.Packet, h *wire.Header, payload []byte, pass bool) (decoded picimage.Frame) {
	shape := ""
	switch p.Codec {
	case av.H264:
		shape = string(av.H264)
		if h264.IsIDR(payload) {
			cam.h264Size(payload)
		}
		p.Width, p.Height = cam.width, cam.height
	case av.FWHT:
		if !pass {
			break
		}
		fr, err := cam.fwht.decode(payload)
		if err != nil {
			r.sum.DecodeErrors++
			if r.sum.DecodeErrors <= 10 {
				r.log.Warn("FWHT payload does not decode", "port", cam.port, "err", err)
			}
			break
		}
		decoded, shape = fr, shapeOf(fr)
		p.Width, p.Height = fr.Width, fr.Height
	case av.JPEG:
		shape = string(av.JPEG)
		cfg, err := cam.jpegCfg.decode(payload)
		if err != nil {
			r.sum.DecodeErrors++
			r.log.Warn("JPEG payload does not decode", "port", cam.port, "err", err)
		}
		p.Width, p.Height = cfg.Width, cfg.Height
	default:
		shape = fmt.Sprint(h.Shape)
	}
	if shape != "" && !slices.Contains(r.sum.Shapes, shape) && len(r.sum.Shapes) < 10 {
		r.sum.Shapes = append(r.sum.Shapes, shape)
	}
	return decoded
}

// note adds what the header tells the summary: codecs, sequence numbers, latency, messages.
func (r *receiver) note(h *wire.Header, p *media.Packet, now time.Time) {
	if h.Picam != nil {
		if !slices.Contains(r.sum.Codecs, h.Picam.Codec) && len(r.sum.Codecs) < 10 {
			r.sum.Codecs = append(r.sum.Codecs, h.Picam.Codec)
		}
		seq := h.Picam.Seq
		if r.sum.FirstSeq == nil {
			r.sum.FirstSeq = &seq
		}
		r.sum.LastSeq = &seq
		if h.Picam.TimeUS > 0 && len(r.lat) < 1_000_000 {
			r.lat = append(r.lat, float64(now.UnixMicro()-h.Picam.TimeUS)/1000)
		}
	}
	if p.Message != nil {
		msg := string(p.Message)
		if !slices.Contains(r.sum.Messages, msg) && len(r.sum.Messages) < 20 {
			r.sum.Messages = append(r.sum.Messages, msg)
			r.log.Info("server message", "port", p.Camera, "message", msg)
		}
	}
}

// rawToJPEG converts a raw array for the outputs. A frame it cannot convert is counted and
// reported once per camera and problem, as a warning that names the sender's fix.
func (r *receiver) rawToJPEG(cam *camera, p *media.Packet, h *wire.Header, payload []byte) bool {
	err := cam.norm.raw(p, h, payload)
	var je *jpegError
	switch {
	case err == nil:
		return true
	case errors.As(err, &je):
		r.normalizeFailed(cam, err)
		return false
	}
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

// normalizeFailed reports a frame the JPEG encoder could not take (a *jpegError).
func (r *receiver) normalizeFailed(cam *camera, err error) {
	var je *jpegError
	if errors.As(err, &je) && je.setup {
		r.log.Error("cannot convert raw frames to JPEG", "err", je.err)
		return
	}
	if errors.As(err, &je) {
		err = je.err
	}
	r.log.Warn("raw frame could not be converted to JPEG", "port", cam.port, "err", err)
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
