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
	// that asked for it receive it.
	H264 Codec = "h264"
)

// String returns the codec's name.
func (c Codec) String() string { return string(c) }

// ParseCodec turns a user-supplied name into a Codec. It ignores case and
// surrounding space and accepts the aliases "jpg", "mjpeg" and "h.264"/"avc",
// because people type codec names the way their other tools spell them.
func ParseCodec(s string) (Codec, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "raw", "bgr", "bgr24":
		return Raw, nil
	case "jpeg", "jpg", "mjpeg", "mjpg":
		return JPEG, nil
	case "h264", "h.264", "avc":
		return H264, nil
	}
	return "", fmt.Errorf("codec: unknown codec %q; use raw, jpeg or h264", s)
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
	// is always true for raw and JPEG packets.
	Keyframe bool
}

// Encoder turns frames into packets: frames in, packets out, one each. An
// encoder is owned by one goroutine (the capture loop); its methods are not
// safe for concurrent use unless an implementation says otherwise.
type Encoder interface {
	// Encode encodes one frame. The frame's Data must not be modified
	// afterwards, since the packet may share it.
	Encode(f picimage.Frame) (Packet, error)
	// RequestKeyframe asks that the next packet be a keyframe, so a client
	// that just joined can start decoding. It is a no-op for intra-only
	// codecs (raw, JPEG), where every packet already is one.
	RequestKeyframe()
	// Codec reports the payload format of the packets.
	Codec() Codec
	// Close releases the encoder's resources (buffers, devices). Encode
	// fails with ErrClosed afterwards.
	Close() error
}

// ErrClosed is returned by Encode after Close.
var ErrClosed = errors.New("codec: encoder is closed")

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
