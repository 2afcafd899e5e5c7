package codec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

// ParseCodec turns a user-supplied name into a Codec. It ignores case and
// surrounding space and accepts the aliases "jpg", "mjpeg" and "h.264"/"avc",
// because people type codec names the way their other tools spell them.
// "auto" gives Auto, which only Select understands; "fwht" gives FWHT, the
// QEMU test's codec.
func ParseCodec(s string) (av.Codec, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "raw", "bgr", "bgr24":
		return av.Raw, nil
	case "jpeg", "jpg", "mjpeg", "mjpg":
		return av.JPEG, nil
	case "h264", "h.264", "avc":
		return av.H264, nil
	case "fwht":
		return av.FWHT, nil
	case "auto":
		return Auto, nil
	}
	return "", fmt.Errorf("codec: unknown codec %q; use raw, jpeg, h264 or auto", s)
}

// Encoder turns frames into packets: frames in, packets out, one each. An
// encoder is owned by one goroutine (the capture loop); its methods other
// than RequestKeyframe are not safe for concurrent use unless an
// implementation says otherwise.
type Encoder interface {
	// Encode encodes one frame. The frame's Data must not be modified
	// afterwards, since the packet may share it. An encoder with frames
	// in flight may return the packet of an earlier frame, or
	// ErrNoPacket when none is ready yet; packets keep the frames' order.
	Encode(f picimage.Frame) (av.Packet, error)
	// RequestKeyframe asks that the next packet be a keyframe, so a client
	// that just joined can start decoding. It is a no-op for intra-only
	// codecs (raw, JPEG), where every packet already is one, and for
	// sources that offer no way to ask (then the stream's periodic IDR
	// comes in its own time). Unlike the other methods it may be called
	// from any goroutine, concurrently with Encode: client senders call it.
	RequestKeyframe()
	// Codec reports the payload format of the packets.
	Codec() av.Codec
	// Close releases the encoder's resources (buffers, devices). Encode
	// fails with ErrClosed afterwards.
	Close() error
}

// ErrClosed is returned by Encode after Close.
var ErrClosed = errors.New("codec: encoder is closed")

// ErrNoPacket is returned by Encode of an encoder that keeps several frames
// in flight (the hardware encoder, M2MEncoder) when the frame was taken but
// no packet is ready yet: the packet comes from a later call, in order. It
// is not a failure; the caller goes on with the next frame.
var ErrNoPacket = errors.New("codec: frame taken; its packet comes with a later frame")

// indexer numbers an encoder's packets (av.Packet.Index).
type indexer struct{ next uint64 }

// stamp gives p the next index.
func (c *indexer) stamp(p av.Packet) av.Packet {
	p.Index = c.next
	c.next++
	return p
}

// packetFor starts a packet carrying f's metadata.
func packetFor(c av.Codec, f picimage.Frame, data []byte) av.Packet {
	return av.Packet{
		Codec:    c,
		Data:     data,
		Width:    f.Width,
		Height:   f.Height,
		Seq:      f.Seq,
		Captured: f.Captured,
		Keyframe: true,
	}
}
