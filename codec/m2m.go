package codec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// M2MConfig configures a V4L2 memory-to-memory hardware encoder.
type M2MConfig struct {
	// Device is the encoder node: /dev/video11 on a Raspberry Pi 1-4 or
	// Zero (bcm2835-codec, H.264 or MJPEG), /dev/video31 (bcm2835-codec
	// JPEG), or vicodec's stateful encoder under QEMU. FindM2MEncoder
	// looks one up by what it can do.
	Device string
	// Codec is what to produce: H264, JPEG or FWHT (vicodec only).
	Codec av.Codec
	// Width and Height are the frame size; every frame must have it.
	Width, Height int
	// Input is the pixel format frames arrive in. When the encoder does
	// not take it, frames are converted to I420 in software first (a cost
	// of a few milliseconds per frame at 720p); I420, NV12, YUYV, BGR24
	// and RGB24 are all taken directly by bcm2835-codec and vicodec.
	Input picimage.PixelFormat
	// FPS tells the encoder's rate control the frame rate (default 30).
	FPS float64
	// Bitrate in bits per second for H.264 (bcm2835-codec: 25 kbit/s to
	// 25 Mbit/s, its default 10 Mbit/s); 0 keeps the driver's default.
	Bitrate int
	// IFramePeriod is the number of frames from one IDR to the next.
	// 0 means one second's worth (FPS frames), so a client that joins
	// while keyframe requests cannot be honoured waits at most a second.
	IFramePeriod int
	// Profile is the H.264 profile: "baseline", "constrained-baseline",
	// "main" or "high"; empty keeps the driver's default (high on
	// bcm2835-codec).
	Profile string
	// Level is the H.264 level ("4", "4.1", "4.2", …); empty picks 4.2
	// when the frame rate and size need more than level 4.1 allows
	// (above 1080p30), else keeps the driver's default (4.0).
	Level string
	// JPEGQuality is 1..100 for JPEG (default DefaultJPEGQuality). It
	// applies to encoders with a JPEG quality control (bcm2835-codec's
	// /dev/video31); MJPEG on /dev/video11 is sized by Bitrate instead.
	JPEGQuality int
	// DMABuf makes the encoder import the camera's buffers instead of
	// copying frames (EncodeDMABuf); Encode is then unavailable. Only
	// dma-contig cameras (unicam, the ISP) can be imported by
	// bcm2835-codec; the legacy camera driver and UVC cannot.
	DMABuf bool
	// Buffers is how many frames may be in flight: the number of OUTPUT
	// buffers, with twice as many CAPTURE buffers (a frame may take three:
	// headers, and an IDR split in two). Default DefaultM2MFrames; always 1
	// with DMABuf, whose caller needs each buffer back before the next.
	Buffers int
	// Timeout bounds the wait for the oldest frame's bitstream once
	// Buffers frames are in flight (default 2 s).
	Timeout time.Duration
	// Logger receives setup details and skipped controls; nil discards.
	Logger *slog.Logger
}

// DefaultM2MFrames is how many frames M2MEncoder keeps in flight by
// default: one being copied in, one being encoded, one the firmware may
// hold back until the next arrives, and one spare to absorb a slow
// frame. rpicam-apps keeps 6 input buffers (camera dmabufs, which cost
// nothing to add); picam's are copies it allocates (3 MB each at 1080p in
// the codec's contiguous memory), so it keeps fewer. Latency grows by a
// frame only while the encoder is behind; memory is bounded by the count.
const DefaultM2MFrames = 4

// M2MEncoder encodes frames on a V4L2 stateful memory-to-memory encoder
// through the multi-planar (or single-planar) queue API: raw frames go into
// the OUTPUT queue, the bitstream comes back on the CAPTURE queue. It is
// the hardware path on Raspberry Pis with a VideoCore (bcm2835-codec); the
// same code drives vicodec in the QEMU test.
//
// Encode keeps up to Buffers frames in flight (see Encode); on
// bcm2835-codec a frame's bitstream normally comes back within the same
// call, in less than a frame interval. H.264 output
// gets the guarantees of every picam H.264 source (cached SPS/PPS in front
// of every IDR, Keyframe from parsing). RequestKeyframe and Close may be
// called from any goroutine.
type M2MEncoder struct {
	dev     m2mDevice
	cfg     M2MConfig
	log     *slog.Logger
	outT    v4l2.BufType
	capT    v4l2.BufType
	layout  rawLayout
	outFmt  v4l2.PixFormat
	convert bool // frames are converted to I420 first
	maps    [][]byte
	free    []uint32
	ts      time.Duration // the last OUTPUT timestamp
	// inflight are the frames queued whose packets have not been
	// returned, oldest first; at most depth between calls.
	inflight []*m2mFrame
	depth    int
	hold     time.Duration // one frame interval
	scratch  []byte
	pending  []byte // H.264 parameter sets that came in a buffer of their own

	forceKey     bool // the device has FORCE_KEY_FRAME
	spsChecked   bool
	keyRequested atomic.Bool

	h264 h264Stream
	indexer

	mu     sync.Mutex // serialises Encode with the end of Close
	closed atomic.Bool
}

// m2mDevice is the part of *v4l2.Device the encoder uses, so tests can run
// it against a fake.
type m2mDevice interface {
	Path() string
	Capability() v4l2.Capability
	EnumFormats(v4l2.BufType) ([]v4l2.FormatDesc, error)
	SetFormat(v4l2.BufType, v4l2.PixFormat) (v4l2.PixFormat, error)
	SetFrameInterval(v4l2.BufType, v4l2.Fract) (v4l2.Fract, error)
	QueryControl(v4l2.CtrlID) (v4l2.ControlInfo, error)
	SetExtControls(v4l2.CtrlClass, ...v4l2.ExtControl) error
	RequestBuffers(v4l2.BufType, int) (int, error)
	RequestDMABufBuffers(v4l2.BufType, int) (int, error)
	Mapping(v4l2.BufType, int) ([][]byte, error)
	Queue(v4l2.Buffer) error
	Dequeue(context.Context, v4l2.BufType) (v4l2.Buffer, error)
	StreamOn(v4l2.BufType) error
	Close() error
}

// NewM2M opens the encoder device, negotiates formats, applies the
// settings and starts streaming. Errors say which step failed and how to
// fix it; settings the device does not offer (a bitrate on vicodec) are
// skipped with a log line, except those the user asked for explicitly.
func NewM2M(cfg M2MConfig) (*M2MEncoder, error) {
	dev, err := v4l2.Open(cfg.Device)
	if err != nil {
		return nil, fmt.Errorf("m2m encoder: %w", err)
	}
	e, err := newM2M(dev, cfg)
	if err != nil {
		return nil, errors.Join(err, dev.Close())
	}
	return e, nil
}

// Encode implements Encoder: it copies the frame into a free OUTPUT
// buffer (converting it first if the device does not take its format) and
// queues it, then returns the packet of the oldest frame in flight.
//
// Several frames are in flight (M2MConfig.Buffers): Encode waits for the
// oldest one's bitstream at most one frame interval (the next frame is not
// due before then), and returns ErrNoPacket when it has not come, which is
// what a firmware that holds a frame back until the next one arrives does;
// its packet then comes from a later call. Only when every slot is taken
// does it wait up to Timeout. So the rate is bounded by the encoder's
// throughput, not by one round trip per frame, and packets still come out
// in order, one per frame.
func (e *M2MEncoder) Encode(f picimage.Frame) (av.Packet, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed.Load() {
		return av.Packet{}, ErrClosed
	}
	if e.cfg.DMABuf {
		return av.Packet{}, fmt.Errorf("m2m encode frame %d: the encoder imports dmabufs; use EncodeDMABuf", f.Seq)
	}
	if err := e.checkFrame(f); err != nil {
		return av.Packet{}, err
	}
	if err := f.Validate(); err != nil {
		return av.Packet{}, fmt.Errorf("m2m encode: %w", err)
	}
	start := time.Now()
	data := f.Data
	if e.convert {
		var err error
		if e.scratch, err = toI420(e.scratch, f); err != nil {
			return av.Packet{}, fmt.Errorf("m2m encode frame %d: %w", f.Seq, err)
		}
		data = e.scratch
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	defer cancel()
	idx, err := e.freeOutput(ctx)
	if err != nil {
		return av.Packet{}, fmt.Errorf("m2m encode frame %d: %w", f.Seq, err)
	}
	e.layout.fill(e.maps[idx], data)
	out := v4l2.Buffer{Type: e.outT, Index: idx, Planes: []v4l2.Plane{{BytesUsed: uint32(e.layout.size)}}}
	if err := e.submit(f, out); err != nil {
		return av.Packet{}, err
	}
	return e.result(start)
}

// DMABufFrame is a raw frame held in another device's buffer and exported
// as a dmabuf (v4l2.Device.ExportBuffer), for zero-copy encoding.
type DMABufFrame struct {
	// FD is the dmabuf; it stays owned by the caller.
	FD int
	// Length is the size of the buffer, BytesUsed the size of the picture
	// in it (the camera's plane length and bytesused).
	Length, BytesUsed int
	// Frame carries the metadata (Width, Height, Format, Seq, Captured);
	// its Data is ignored.
	Frame picimage.Frame
}

// EncodeDMABuf encodes a frame by importing its buffer. The buffer's layout
// must be the one InputFormat reports (same stride and plane offsets).
// When it returns, the encoder has finished reading the buffer, so the
// caller may give it back to the camera.
func (e *M2MEncoder) EncodeDMABuf(b DMABufFrame) (av.Packet, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed.Load() {
		return av.Packet{}, ErrClosed
	}
	if !e.cfg.DMABuf {
		return av.Packet{}, fmt.Errorf("m2m encode frame %d: the encoder was set up for copies; set M2MConfig.DMABuf to import dmabufs", b.Frame.Seq)
	}
	if err := e.checkFrame(b.Frame); err != nil {
		return av.Packet{}, err
	}
	if e.convert {
		return av.Packet{}, fmt.Errorf("m2m encode frame %d: the encoder does not take %s, and a dmabuf cannot be converted on the way; have the camera deliver %s",
			b.Frame.Seq, b.Frame.Format, e.layout.format)
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	defer cancel()
	idx, err := e.freeOutput(ctx)
	if err != nil {
		return av.Packet{}, fmt.Errorf("m2m encode frame %d: %w", b.Frame.Seq, err)
	}
	out := v4l2.Buffer{Type: e.outT, Index: idx, Planes: []v4l2.Plane{{
		FD: int32(b.FD), Length: uint32(b.Length), BytesUsed: uint32(b.BytesUsed),
	}}}
	if err := e.submit(b.Frame, out); err != nil {
		return av.Packet{}, err
	}
	// One frame in flight (Buffers is 1 with DMABuf): this waits for its
	// own bitstream.
	p, err := e.result(time.Now())
	if err != nil {
		return p, err
	}
	// The CAPTURE buffer can come back before the driver lets go of the
	// OUTPUT one; wait, so the camera does not overwrite what is read.
	back, err := e.dev.Dequeue(ctx, e.outT)
	if err != nil {
		return av.Packet{}, fmt.Errorf("m2m encode frame %d: waiting for the encoder to release the dmabuf: %w", b.Frame.Seq, err)
	}
	e.free = append(e.free, back.Index)
	return p, nil
}

// checkFrame rejects frames the encoder was not set up for.
func (e *M2MEncoder) checkFrame(f picimage.Frame) error {
	if f.Width != e.cfg.Width || f.Height != e.cfg.Height || f.Format != e.cfg.Input {
		return fmt.Errorf("m2m encode frame %d: %dx%d %s, but the encoder was set up for %dx%d %s; restart it with the new settings",
			f.Seq, f.Width, f.Height, f.Format, e.cfg.Width, e.cfg.Height, e.cfg.Input)
	}
	return nil
}

// freeOutput returns an OUTPUT buffer the driver is done with.
func (e *M2MEncoder) freeOutput(ctx context.Context) (uint32, error) {
	if len(e.free) == 0 {
		b, err := e.dev.Dequeue(ctx, e.outT)
		if err != nil {
			return 0, fmt.Errorf("waiting for a free input buffer on %s: %w", e.dev.Path(), err)
		}
		e.free = append(e.free, b.Index)
	}
	idx := e.free[len(e.free)-1]
	e.free = e.free[:len(e.free)-1]
	return idx, nil
}

// m2mFrame is a frame in flight: queued, its packet not yet returned.
type m2mFrame struct {
	ts    time.Duration // the OUTPUT timestamp, copied to its CAPTURE buffers
	frame picimage.Frame
	data  []byte // the bitstream gathered so far (a copy)
	flags v4l2.BufFlag
	done  bool  // the bitstream is complete (or failed: err)
	err   error // why the frame has no packet
}

// submit queues a filled OUTPUT buffer and records the frame as in flight.
func (e *M2MEncoder) submit(f picimage.Frame, out v4l2.Buffer) error {
	if e.keyRequested.Swap(false) && e.forceKey {
		// Best effort: a failure costs the joining client some waiting,
		// not the stream.
		if err := e.dev.SetExtControls(v4l2.CtrlClassCodec, v4l2.ExtControl{ID: v4l2.CtrlMPEGVideoForceKeyFrame, Value: 1}); err != nil {
			e.log.Warn("m2m encoder: keyframe request failed", "device", e.dev.Path(), "err", err)
		}
	}
	// The timestamp is copied to the CAPTURE buffers, which tells which
	// frame a bitstream buffer belongs to. Whole milliseconds survive
	// every driver's conversion (bcm2835-codec keeps microseconds).
	e.ts += time.Millisecond
	out.Timestamp = e.ts
	out.Field = v4l2.FieldNone
	if err := e.dev.Queue(out); err != nil {
		e.free = append(e.free, out.Index)
		return fmt.Errorf("m2m encode frame %d: queueing it on %s: %w", f.Seq, e.dev.Path(), err)
	}
	meta := f
	meta.Data = nil // copied into the buffer; the caller may reuse it
	e.inflight = append(e.inflight, &m2mFrame{ts: e.ts, frame: meta})
	return nil
}

// result returns the packet of the oldest frame in flight. It waits for
// it until one frame interval after start while fewer than Buffers frames
// are in flight (then ErrNoPacket), and up to Timeout when all are.
func (e *M2MEncoder) result(start time.Time) (av.Packet, error) {
	if err := e.collect(time.Time{}); err != nil {
		return av.Packet{}, err
	}
	for {
		for len(e.inflight) > 0 && e.inflight[0].done {
			head := e.pop()
			if head.err == nil && len(head.data) == 0 {
				e.log.Warn("m2m encoder: the encoder skipped a frame", "device", e.dev.Path(), "seq", head.frame.Seq)
				continue
			}
			return e.finish(head)
		}
		if len(e.inflight) == 0 {
			return av.Packet{}, ErrNoPacket
		}
		full := len(e.inflight) >= e.depth
		deadline := start.Add(e.hold)
		if full {
			deadline = start.Add(e.cfg.Timeout)
		}
		if !time.Now().Before(deadline) {
			if !full {
				return av.Packet{}, ErrNoPacket
			}
			head := e.pop()
			return av.Packet{}, fmt.Errorf("m2m encode frame %d: waiting for the bitstream from %s: no buffer within %v: %w",
				head.frame.Seq, e.dev.Path(), e.cfg.Timeout, v4l2.ErrTimeout)
		}
		if err := e.collect(deadline); err != nil {
			return av.Packet{}, err
		}
	}
}

// pop removes the oldest frame in flight.
func (e *M2MEncoder) pop() *m2mFrame {
	head := e.inflight[0]
	e.inflight[0] = nil
	e.inflight = e.inflight[1:]
	return head
}

// collect takes the bitstream buffers the driver has finished: all that
// are ready when deadline is zero, else at least one (waiting until the
// deadline; none when it passes).
func (e *M2MEncoder) collect(deadline time.Time) error {
	wait := !deadline.IsZero()
	for {
		d := deadline
		if !wait {
			d = time.Now() // try once, do not wait
		}
		ctx, cancel := context.WithDeadline(context.Background(), d)
		b, err := e.dev.Dequeue(ctx, e.capT)
		cancel()
		if err != nil {
			if e.closed.Load() {
				return ErrClosed
			}
			if errors.Is(err, v4l2.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
				return nil
			}
			return fmt.Errorf("m2m encoder: waiting for the bitstream from %s: %w", e.dev.Path(), err)
		}
		if err := e.take(b); err != nil {
			return err
		}
		if wait {
			wait = false // one buffer came: take the others that are ready too
		}
	}
}

// take adds a dequeued bitstream buffer to the frame it belongs to (by
// timestamp) and gives it back to the driver.
//
// A frame's bitstream may span several buffers with its timestamp: an IDR
// larger than a buffer fills it and continues in the next. A buffer that
// is full (bytesused equals its length) therefore leaves the frame open; the
// first that is not, or a buffer of a later frame, completes it.
func (e *M2MEncoder) take(b v4l2.Buffer) error {
	var data []byte
	if len(b.Data) > 0 {
		data = b.Data[0]
	}
	full := len(b.Planes) > 0 && b.Planes[0].Length > 0 && b.Planes[0].BytesUsed >= b.Planes[0].Length
	var fr *m2mFrame
	for i, p := range e.inflight {
		if p.ts == b.Timestamp {
			fr = p
			// Earlier frames still open were complete (their last buffer
			// happened to be full) or produced nothing.
			for _, q := range e.inflight[:i] {
				q.done = true
			}
			break
		}
	}
	if fr != nil && !fr.done {
		fr.data = append(fr.data, data...) // a copy: the packet outlives the buffer
		fr.flags |= b.Flags
		if b.Flags&v4l2.BufFlagError != 0 && fr.err == nil {
			fr.err = fmt.Errorf("m2m encode frame %d: %s marked the bitstream as corrupt", fr.frame.Seq, e.dev.Path())
		}
	}
	if err := e.dev.Queue(v4l2.Buffer{Type: e.capT, Index: b.Index}); err != nil {
		return fmt.Errorf("m2m encoder: giving a bitstream buffer back to %s: %w", e.dev.Path(), err)
	}
	switch {
	case fr == nil || fr.done:
		// Left over from a frame that timed out earlier.
		e.log.Debug("m2m encoder: dropping a stale bitstream buffer", "timestamp", b.Timestamp)
	case fr.err != nil:
		fr.done = true
	case full:
		e.log.Debug("m2m encoder: frame continues in the next buffer", "seq", fr.frame.Seq, "bytes", len(fr.data))
	case len(fr.data) == 0:
		fr.done = true
		fr.err = fmt.Errorf("m2m encode frame %d: %s returned an empty bitstream buffer", fr.frame.Seq, e.dev.Path())
	case e.cfg.Codec == av.H264 && parameterSetsOnly(fr.data):
		// Headers in a buffer of their own: they belong in front of the
		// picture that follows.
		e.pending = append(e.pending, fr.data...)
		fr.data = nil
	default:
		fr.done = true
	}
	return nil
}

// finish turns a complete frame into its packet.
func (e *M2MEncoder) finish(fr *m2mFrame) (av.Packet, error) {
	if fr.err != nil {
		return av.Packet{}, fr.err
	}
	data := fr.data
	if len(e.pending) > 0 {
		data = append(e.pending, data...)
		e.pending = nil
	}
	if e.cfg.Codec == av.JPEG {
		// MJPEG encoders may leave the Huffman tables out, as MJPEG
		// cameras do; clients need them.
		var err error
		if data, err = picimage.NormalizeMJPEG(data); err != nil {
			return av.Packet{}, fmt.Errorf("m2m encode frame %d: %s: %w", fr.frame.Seq, e.dev.Path(), err)
		}
	}
	return e.packet(fr.frame, data, fr.flags), nil
}

// packet wraps the bitstream of one frame.
func (e *M2MEncoder) packet(f picimage.Frame, data []byte, flags v4l2.BufFlag) av.Packet {
	switch e.cfg.Codec {
	case av.H264:
		p := e.h264.packet(f, data)
		if p.Keyframe && !e.spsChecked {
			e.spsChecked = true
			e.checkSPS(p.SPS)
		}
		return p
	case av.FWHT:
		p := packetFor(av.FWHT, f, data)
		p.Keyframe = flags&v4l2.BufFlagKeyFrame != 0 || fwhtIsIntra(data)
		return e.stamp(p)
	}
	return e.stamp(packetFor(e.cfg.Codec, f, data))
}

// checkSPS warns when the stream's coded picture size is not the frame
// size: an encoder that aligned the buffer height (1080 to 1088) without
// cropping it back makes clients show a strip of repeated rows. sps is the
// stream's parameter set as its first keyframe packet carries it.
func (e *M2MEncoder) checkSPS(sps []byte) {
	s, err := h264.ParseSPS(sps)
	switch {
	case err != nil:
		e.log.Warn("m2m encoder: cannot read the stream's SPS", "device", e.dev.Path(), "err", err)
	case s.Width != e.cfg.Width || s.Height != e.cfg.Height:
		e.log.Warn("m2m encoder: the stream's picture size differs from the frames'; use a size whose height is a multiple of 16",
			"device", e.dev.Path(), "stream", fmt.Sprintf("%dx%d", s.Width, s.Height), "frames", fmt.Sprintf("%dx%d", e.cfg.Width, e.cfg.Height))
	default:
		e.log.Info("m2m encoder: H.264 stream", "device", e.dev.Path(), "size", fmt.Sprintf("%dx%d", s.Width, s.Height),
			"profile", s.ProfileName(), "level", s.Level())
	}
}

// fwhtIsIntra reads the I-frame flag of a vicodec FWHT frame header.
func fwhtIsIntra(data []byte) bool {
	const flagsOff, iFrame = 20, 1 << 10
	if len(data) < flagsOff+4 {
		return false
	}
	flags := uint32(data[flagsOff])<<24 | uint32(data[flagsOff+1])<<16 | uint32(data[flagsOff+2])<<8 | uint32(data[flagsOff+3])
	return flags&iFrame != 0
}

// RequestKeyframe implements Encoder: the next frame is encoded as an IDR
// on encoders with a force-keyframe control (bcm2835-codec). Others (vicodec)
// keep their I-frame period.
func (e *M2MEncoder) RequestKeyframe() { e.keyRequested.Store(true) }

// Codec implements Encoder.
func (e *M2MEncoder) Codec() av.Codec { return e.cfg.Codec }

// InputFormat is the OUTPUT format the driver chose: the stride and plane
// layout a dmabuf given to EncodeDMABuf must have.
func (e *M2MEncoder) InputFormat() v4l2.PixFormat { return e.outFmt }

// Close implements Encoder. It may be called while Encode waits: closing
// the device wakes it. The kernel stops streaming and frees the buffers
// when the device is closed.
func (e *M2MEncoder) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	err := e.dev.Close()
	e.mu.Lock() // wait for an Encode in progress to notice
	e.maps = nil
	e.mu.Unlock()
	if err != nil {
		return fmt.Errorf("m2m encoder: %w", err)
	}
	return nil
}
