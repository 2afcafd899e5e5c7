package main

import (
	"bytes"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/codec"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/stream/wire"
)

// normalizer turns one camera's raw arrays and decoded FWHT pictures into JPEG, so that the
// outputs (viewer, recorders, stdout pipe) only ever handle av.JPEG and av.H264.
type normalizer struct {
	quality int  // JPEG quality (--jpeg-quality)
	rgb     bool // 3- and 4-channel raw arrays are RGB, not OpenCV's BGR (--raw-colorspace)

	jpeg   codec.Encoder // made on first need
	rawBuf []byte        // converted raw frames (uint16, 4 channels), reused
}

// jpegError is a frame the JPEG encoder did not take; setup marks an encoder that could not
// be made at all.
type jpegError struct {
	setup bool
	err   error
}

func (e *jpegError) Error() string {
	if e.setup {
		return "cannot convert raw frames to JPEG: " + e.err.Error()
	}
	return "raw frame could not be converted to JPEG: " + e.err.Error()
}

func (e *jpegError) Unwrap() error { return e.err }

// raw converts a raw NetGear array (grey, BGR or RGB, BGRA or RGBA; uint8 or uint16) into p's
// data as JPEG. A *rawProblem names the sender's fix for a frame it cannot convert; a
// *jpegError is the encoder's.
func (n *normalizer) raw(p *media.Packet, h *wire.Header, payload []byte) error {
	f, err := rawToFrame(h.DType, h.Shape, payload, n.rgb, n.rawBuf)
	if err != nil {
		return err
	}
	if &f.Data[0] != &payload[0] {
		n.rawBuf = f.Data // reuse the conversion buffer for the next frame
	}
	return n.frame(p, f)
}

// frame converts a raw frame of any picimage format (a raw array, a decoded FWHT picture) into
// p's data as JPEG; p then is a JPEG keyframe.
func (n *normalizer) frame(p *media.Packet, f picimage.Frame) error {
	if n.jpeg == nil {
		enc, err := codec.NewJPEG(n.quality)
		if err != nil {
			return &jpegError{setup: true, err: err}
		}
		n.jpeg = enc
	}
	f.Seq, f.Captured, f.Keyframe = p.Seq, p.Captured, true
	pk, err := n.jpeg.Encode(f)
	if err != nil {
		return &jpegError{err: err}
	}
	// The encoder may share the frame's bytes with the packet; the frame is reused, so copy.
	p.Data, p.Codec, p.Keyframe = bytes.Clone(pk.Data), av.JPEG, true
	return nil
}
