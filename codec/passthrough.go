package codec

import (
	"fmt"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

// h264Passthrough forwards H.264 a camera already encoded (the legacy Pi
// camera driver's built-in encoder, UVC cameras with H.264).
type h264Passthrough struct {
	out     h264Stream
	request func()
	started bool
	prevSeq uint64
	closed  bool
}

// NewH264Passthrough returns an encoder for cameras that deliver H.264
// themselves: each H264 frame (one Annex-B access unit) becomes one packet
// without re-encoding. It caches the stream's SPS and PPS and puts them in
// front of every IDR that lacks them, so a client can start at any
// keyframe; Keyframe is set by parsing the access unit.
//
// A gap in the frames' Seq means the camera dropped access units; the
// packets' Index then skips as many numbers, so per-client gates hold back
// the P-frames that follow until the next IDR.
//
// requestKeyframe is how RequestKeyframe reaches the camera; it must be
// safe to call from any goroutine. The legacy Pi camera driver has no
// force-keyframe control, so it is usually nil, and joining clients wait for
// the camera's periodic IDR: configure a short I-frame period (about one
// second) on such cameras.
func NewH264Passthrough(requestKeyframe func()) Encoder {
	return &h264Passthrough{request: requestKeyframe}
}

// Encode implements Encoder.
func (e *h264Passthrough) Encode(f picimage.Frame) (av.Packet, error) {
	if e.closed {
		return av.Packet{}, ErrClosed
	}
	if f.Format != picimage.H264 {
		return av.Packet{}, fmt.Errorf("h264 passthrough of frame %d: the camera delivers %s, not H264; configure it for H.264 or use an H.264 encoder (--codec h264)", f.Seq, f.Format)
	}
	if err := f.Validate(); err != nil {
		return av.Packet{}, fmt.Errorf("h264 passthrough: %w", err)
	}
	if e.started {
		switch {
		case f.Seq > e.prevSeq+1:
			e.out.skip(f.Seq - e.prevSeq - 1)
		case f.Seq <= e.prevSeq:
			// The source restarted: nothing before this frame belongs to
			// the same stream.
			e.out.skip(1)
		}
	}
	e.started, e.prevSeq = true, f.Seq
	return e.out.packet(f, f.Data), nil
}

// RequestKeyframe implements Encoder by passing the request to the camera,
// when it offered a way.
func (e *h264Passthrough) RequestKeyframe() {
	if e.request != nil {
		e.request()
	}
}

// Codec implements Encoder.
func (e *h264Passthrough) Codec() av.Codec { return av.H264 }

// Close implements Encoder.
func (e *h264Passthrough) Close() error {
	e.closed = true
	return nil
}
