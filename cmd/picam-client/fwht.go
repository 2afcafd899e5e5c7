package main

import (
	"fmt"

	"github.com/picam-project/picam/codec/fwht"
	"github.com/picam-project/picam/av/h264"
	picimage "github.com/picam-project/picam/image"
)

// codecFWHT is picam's name for vicodec's bitstream, which picam-server sends with
// --codec fwht (the QEMU test's hardware-encoder path).
const codecFWHT = "fwht"

// fwhtStream decodes one camera's FWHT frames. Decoding proves what the encoder sent is a
// picture (the QEMU test reads the burnt-in frame counter back from it), and gives the frame
// the viewer and the recorders are handed, as JPEG.
type fwhtStream struct {
	dec fwht.Decoder
	// waiting is set when this client itself lost frames (its receive queue overflowed): an
	// inter-coded frame after the loss would be added to the wrong picture, so frames are
	// skipped until the next I-frame.
	waiting bool
}

// decode decodes one frame. skipped reports a P-frame left out while waiting for an I-frame;
// err a frame that does not decode.
func (s *fwhtStream) decode(payload []byte) (f picimage.Frame, skipped bool, err error) {
	h, err := fwht.ParseHeader(payload)
	if err != nil {
		return f, false, err
	}
	if s.waiting {
		if !h.IsIntra() {
			return f, true, nil
		}
		s.waiting = false
	}
	pic, err := s.dec.Decode(payload)
	if err != nil {
		return f, false, err
	}
	if f, err = pic.Frame(); err != nil {
		return f, false, err
	}
	return f, false, nil
}

// lost makes the decoder wait for the next I-frame.
func (s *fwhtStream) lost() {
	s.waiting = true
	s.dec.Reset()
}

// isKeyframe reports whether a decoder can start at an inter-coded frame: for H.264 an IDR
// with SPS and PPS in front, by parsing (not from the header's flag, which is the server's
// word for it); for FWHT an I-frame.
func isKeyframe(codecName string, payload []byte) bool {
	switch codecName {
	case codecFWHT:
		h, err := fwht.ParseHeader(payload)
		return err == nil && h.IsIntra()
	default:
		return h264.IsRandomAccess(payload)
	}
}

// noteFirstFrame records, for a camera's first H.264 or FWHT frame, whether it was a
// keyframe: a client must never be sent a frame it cannot start at (see stream's gate).
// With several cameras the summary says true only if every camera started at one.
func (r *receiver) noteFirstFrame(cam *camera, codecName string, payload []byte) {
	if cam.started {
		return
	}
	cam.started = true
	key := isKeyframe(codecName, payload)
	if !key {
		r.log.Warn("the first frame is not a keyframe: a decoder cannot start here", "port", cam.port, "codec", codecName)
	}
	if r.sum.FirstKeyframe == nil {
		r.sum.FirstKeyframe = &key
		return
	}
	*r.sum.FirstKeyframe = *r.sum.FirstKeyframe && key
}

// fwhtFrame decodes an FWHT payload for the summary and the outputs. It returns the decoded
// frame and whether there is one.
func (r *receiver) fwhtFrame(cam *camera, port int, payload []byte) (picimage.Frame, bool) {
	f, skipped, err := cam.fwht.decode(payload)
	switch {
	case skipped:
		r.sum.KeyframeWaits++
		return f, false
	case err != nil:
		r.sum.DecodeErrors++
		if r.sum.DecodeErrors <= 10 {
			r.log.Warn("FWHT payload does not decode", "port", port, "err", err)
		}
		return f, false
	}
	return f, true
}

// shapeOf is a decoded frame's shape as NetGear reports a BGR array's: [height width 3].
func shapeOf(f picimage.Frame) string { return fmt.Sprint([]int{f.Height, f.Width, 3}) }
