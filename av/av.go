// Package av holds what every stage of picam's data path agrees on: the codecs it carries and
// the Packet that travels from the encoder to every output (NetGear senders, and the RTSP,
// WebRTC, MJPEG-over-HTTP and relay outputs). Facts about a packet — is it a keyframe, which
// parameter sets decode it — are decided once, by the producer, and carried on the packet, so
// no consumer parses the bitstream again.
//
// av is a leaf: it imports only the standard library, so hw, codec, stream and the outputs can
// all share it. av/h264 holds the H.264 bitstream facts the producers need.
package av

import "time"

// Codec names a packet payload format. It is a string so it reads the same in flags, logs,
// JSON headers and metrics labels.
type Codec string

// The codecs picam carries.
const (
	// Raw is a tightly packed BGR24 array, NetGear's uncompressed frame: dtype "uint8",
	// shape [height, width, 3].
	Raw Codec = "raw"
	// JPEG is one baseline JPEG image per packet.
	JPEG Codec = "jpeg"
	// H264 is one Annex-B H.264 access unit per packet. Every keyframe packet carries SPS
	// and PPS in front of its IDR slice, so a consumer can start at any of them.
	H264 Codec = "h264"
	// FWHT is the bitstream of the Linux kernel's vicodec test driver, used only so the
	// QEMU hardware-in-the-loop test can drive the V4L2 M2M encoder path without a Pi.
	FWHT Codec = "fwht"
)

// String returns the codec's name.
func (c Codec) String() string { return string(c) }

// InterCoded reports that packets of this codec may reference earlier packets, so a consumer
// that joins late or misses a packet must wait for the next keyframe.
func (c Codec) InterCoded() bool { return c == H264 || c == FWHT }

// Packet is one encoded frame on its way to the outputs. Data is shared by every consumer and
// never modified once the packet is handed on.
type Packet struct {
	// Codec says what Data holds.
	Codec Codec
	// Data is one BGR24 array, one JPEG image, one Annex-B access unit or one FWHT frame.
	Data []byte
	// Width and Height are the picture size in pixels.
	Width, Height int
	// Seq is the camera frame's sequence number.
	Seq uint64
	// Captured is when the camera captured the frame.
	Captured time.Time
	// Keyframe reports that decoding can start at this packet: always for Raw and JPEG; for
	// H.264 an IDR access unit with SPS and PPS in front. The producer decides it.
	Keyframe bool
	// SPS and PPS are the H.264 parameter sets that decode this packet, without start codes,
	// as the producer last saw them; nil for other codecs. Outputs that describe the stream
	// out of band (an SDP, an FLV sequence header) take them from here.
	SPS, PPS []byte
	// Index numbers one encoder's packets from 0 in bitstream order; it grows by exactly one
	// per packet unless packets were lost on the way in.
	Index uint64
	// Gap reports that packets of an inter-coded stream were lost before this one, so every
	// consumer must wait for the next keyframe.
	Gap bool
}
