// Package media is what picam-client's outputs (browser viewer, recorders, stdout pipe) share:
// one received frame as a Packet, a bounded Feed that hands packets to a slower consumer
// without ever blocking the receiver, and a Meter of each camera's live numbers. H.264
// bitstream handling lives in av/h264.
//
// Outputs (the browser viewer, the recorders, the stdout pipe) only ever see two codecs:
// "jpeg" and "h264". Raw BGR frames are converted to JPEG once, before any output sees them,
// so every output needs just these two paths.
package media

import (
	"encoding/json"
	"time"
)

// The codecs outputs handle. They are the values of the "codec" key in picam's frame header.
const (
	JPEG = "jpeg"
	H264 = "h264"
)

// Packet is one received frame, ready for the outputs. Its Data is owned by the packet and
// never modified once the packet is handed out, so any number of outputs may hold it at once.
type Packet struct {
	// Camera names the stream: the client's local port the frame arrived on. In multi-server
	// mode each camera has its own port.
	Camera int
	// Codec is JPEG or H264.
	Codec string
	// Data is one JPEG image or one Annex-B access unit.
	Data []byte
	// Width and Height are the picture size, or 0 when not known yet.
	Width, Height int
	// Key reports that decoding can start at this packet (every JPEG; an H.264 IDR access unit
	// with its parameter sets in front).
	Key bool
	// Seq is the server's frame number (picam header), or the client's count for NetGear servers.
	Seq uint64
	// Captured is the camera's capture time from the picam header; zero when the server sends
	// none (NetGear servers).
	Captured time.Time
	// Received is when the client got the frame.
	Received time.Time
	// Message is the server's message in bidirectional mode (nil when none).
	Message json.RawMessage
}

// Time is the packet's presentation time: the capture time when the server sent one, else the
// reception time. Recordings take their timestamps from it, so a recording keeps the camera's
// pacing rather than the network's jitter whenever it can.
func (p *Packet) Time() time.Time {
	if p.Captured.IsZero() {
		return p.Received
	}
	return p.Captured
}

// Latency is the time from capture to reception; ok is false when the server sent no capture
// time. It is only as good as the clocks of the two machines agree.
func (p *Packet) Latency() (d time.Duration, ok bool) {
	if p.Captured.IsZero() {
		return 0, false
	}
	return p.Received.Sub(p.Captured), true
}
