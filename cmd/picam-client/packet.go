package main

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/codec/fwht"
	"github.com/picam-project/picam/stream"
	"github.com/picam-project/picam/stream/wire"
)

// codecOf is what a frame's header says its payload is: picam's extension names H.264 and
// FWHT; otherwise a JPEG has NetGear's compression key and anything else is a raw array.
func codecOf(h *wire.Header) av.Codec {
	switch {
	case h.Picam != nil && h.Picam.Codec == string(av.H264):
		return av.H264
	case h.Picam != nil && h.Picam.Codec == string(av.FWHT):
		return av.FWHT
	case h.Compression != nil:
		return av.JPEG
	}
	return av.Raw
}

// keyframeOf reports whether a decoder can start at a payload of codec: for H.264 an IDR with
// SPS and PPS in front, by parsing (not from the header's flag, which is the server's word for
// it); for FWHT an I-frame; raw arrays and JPEG always. It is decided once per received frame
// and carried on its packet.
func keyframeOf(codec av.Codec, payload []byte) bool {
	switch codec {
	case av.H264:
		return h264.IsRandomAccess(payload)
	case av.FWHT:
		h, err := fwht.ParseHeader(payload)
		return err == nil && h.IsIntra()
	}
	return true
}

// packetOf describes a received frame as a packet for the meters and outputs, without its
// data (the frame's buffer is reused after Release; normalising decides what the outputs get):
// codec and keyframe, the server's sequence number and capture time when it sent them (else the
// camera's own count), and the server's message where NetGear reads one (bidirectional and
// multi-server mode). The picture size is filled in by whoever can tell it.
func (r *receiver) packetOf(cam *camera, f *stream.Frame, now time.Time) *media.Packet {
	h := &f.Header
	codec := codecOf(h)
	p := &media.Packet{Packet: av.Packet{Codec: codec, Seq: cam.count - 1, Keyframe: keyframeOf(codec, f.Payload)},
		Camera: f.Port, Received: f.Received}
	if p.Received.IsZero() {
		p.Received = now
	}
	if h.Picam != nil {
		p.Seq = h.Picam.Seq
		if h.Picam.TimeUS > 0 {
			p.Captured = time.UnixMicro(h.Picam.TimeUS)
		}
	}
	if (r.o.bidirectional || r.o.multiServer()) && len(h.Message) > 0 {
		p.Message = json.RawMessage(bytes.Clone(h.Message))
	}
	if len(h.Shape) >= 2 {
		p.Height, p.Width = h.Shape[0], h.Shape[1]
	}
	return p
}

// lost is called when this client's own queue dropped a frame (of whichever camera): an
// inter-coded frame after the loss would reference a picture the decoder never saw, so the
// camera's outputs and FWHT decoder get nothing more until the next keyframe.
func (c *camera) lost() {
	c.waitKey = true
	c.fwht.lost()
}

// admit is the camera's keyframe gate: it reports whether p may go on to the decoder and the
// outputs. Raw and JPEG packets always do; an inter-coded one not while the camera waits for a
// keyframe after a loss.
func (c *camera) admit(p *media.Packet) bool {
	if !p.Codec.InterCoded() {
		return true
	}
	if c.waitKey && p.Keyframe {
		c.waitKey = false
	}
	return !c.waitKey
}

// noteFirstFrame records, for a camera's first H.264 or FWHT frame, whether it was a
// keyframe: a client must never be sent a frame it cannot start at (see stream's gate).
// With several cameras the summary says true only if every camera started at one.
func (r *receiver) noteFirstFrame(cam *camera, p *media.Packet) {
	if cam.started || !p.Codec.InterCoded() {
		return
	}
	cam.started = true
	key := p.Keyframe
	if !key {
		r.log.Warn("the first frame is not a keyframe: a decoder cannot start here", "port", cam.port, "codec", p.Codec)
	}
	if r.sum.FirstKeyframe == nil {
		r.sum.FirstKeyframe = &key
		return
	}
	*r.sum.FirstKeyframe = *r.sum.FirstKeyframe && key
}
