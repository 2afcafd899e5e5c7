package codec

import (
	"errors"
	"fmt"
	"strings"
	"time"

	picimage "github.com/picam-project/picam/image"
)

// Codec names a packet payload format. It is a string so it reads the same
// in flags, logs, JSON headers and metrics labels.
type Codec string

// The codecs picam streams.
const (
	// Raw is a tightly packed BGR24 array, NetGear's uncompressed frame:
	// dtype "uint8", shape [height, width, 3].
	Raw Codec = "raw"
	// JPEG is one baseline JPEG image per packet; NetGear clients decode it
	// when the header's "compression" field is set.
	JPEG Codec = "jpeg"
	// H264 is one Annex-B H.264 access unit per packet; only picam clients
	// that asked for it receive it. Every keyframe packet carries SPS and
	// PPS in front of its IDR slice, so a client can start at any of them.
	H264 Codec = "h264"
	// FWHT is the bitstream of the Linux kernel's vicodec test driver. It
	// exists only so the QEMU hardware-in-the-loop test can drive the V4L2
	// M2M encoder path without a Raspberry Pi; codec/fwht decodes it.
	FWHT Codec = "fwht"
)

// String returns the codec's name.
func (c Codec) String() string { return string(c) }

// ParseCodec turns a user-supplied name into a Codec. It ignores case and
// surrounding space and accepts the aliases "jpg", "mjpeg" and "h.264"/"avc",
// because people type codec names the way their other tools spell them.
// "auto" gives Auto, which only Select understands; "fwht" gives FWHT, the
// QEMU test's codec.
func ParseCodec(s string) (Codec, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "raw", "bgr", "bgr24":
		return Raw, nil
	case "jpeg", "jpg", "mjpeg", "mjpg":
		return JPEG, nil
	case "h264", "h.264", "avc":
		return H264, nil
	case "fwht":
		return FWHT, nil
	case "auto":
		return Auto, nil
	}
	return "", fmt.Errorf("codec: unknown codec %q; use raw, jpeg, h264 or auto", s)
}

// Packet is one encoded frame, ready to send. Width, Height, Seq, Captured
// and Keyframe come from the frame it was encoded from, so a sender can fill
// in a header without going back to the frame.
type Packet struct {
	// Codec says what Data holds.
	Codec Codec
	// Data is the payload. It is shared by every client that receives the
	// packet and is never modified after Encode returns; it may be the
	// frame's own Data when no conversion was needed.
	Data []byte
	// Width and Height are the picture size in pixels.
	Width, Height int
	// Seq is the frame's sequence number from the source.
	Seq uint64
	// Captured is when the source captured the frame.
	Captured time.Time
	// Keyframe reports that a client can start decoding at this packet. It
	// is always true for raw and JPEG packets; for H.264 it marks an IDR
	// access unit with SPS and PPS in front.
	Keyframe bool
	// Index numbers the packets of one encoder from 0 in bitstream order.
	// It grows by exactly one per packet as long as nothing is lost on the
	// way in (a passthrough encoder whose camera dropped frames skips
	// numbers), so a sender that sees a jump knows its client missed a
	// packet that later inter-coded packets may reference; h264.Gate uses
	// it. Seq, by contrast, counts camera frames, which may be dropped
	// before they are ever encoded.
	Index uint64
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
	Encode(f picimage.Frame) (Packet, error)
	// RequestKeyframe asks that the next packet be a keyframe, so a client
	// that just joined can start decoding. It is a no-op for intra-only
	// codecs (raw, JPEG), where every packet already is one, and for
	// sources that offer no way to ask (then the stream's periodic IDR
	// comes in its own time). Unlike the other methods it may be called
	// from any goroutine, concurrently with Encode: client senders call it.
	RequestKeyframe()
	// Codec reports the payload format of the packets.
	Codec() Codec
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

// indexer numbers an encoder's packets (Packet.Index).
type indexer struct{ next uint64 }

// stamp gives p the next index.
func (c *indexer) stamp(p Packet) Packet {
	p.Index = c.next
	c.next++
	return p
}

// packetFor starts a packet carrying f's metadata.
func packetFor(c Codec, f picimage.Frame, data []byte) Packet {
	return Packet{
		Codec:    c,
		Data:     data,
		Width:    f.Width,
		Height:   f.Height,
		Seq:      f.Seq,
		Captured: f.Captured,
		Keyframe: true,
	}
}
