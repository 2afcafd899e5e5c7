// Package media is what picam-client's outputs (browser viewer, recorders, stdout pipe) share:
// one received frame as a Packet, a bounded Feed that hands packets to a slower consumer
// without ever blocking the receiver, and a Meter of each camera's live numbers. H.264
// bitstream handling lives in av/h264.
//
// Outputs (the browser viewer, the recorders, the stdout pipe) only ever see two codecs:
// av.JPEG and av.H264. Raw BGR frames are converted to JPEG once, before any output sees them,
// so every output needs just these two paths.
package media

import (
	"encoding/json"
	"time"

	"github.com/picam-project/picam/av"
)

// Packet is one received frame, ready for the outputs: an av.Packet whose Codec is av.JPEG or
// av.H264, with the camera it came from. Its Data is owned by the packet and never modified
// once the packet is handed out, so any number of outputs may hold it at once.
//
// Of av.Packet's fields the receiver fills Codec, Data, Width and Height (0 when not known
// yet), Seq (the server's frame number from picam's header, or the client's count for NetGear
// servers), Captured (zero when the server sends no capture time, as NetGear servers) and
// Keyframe (decoding can start here: every JPEG, an H.264 IDR access unit with its parameter
// sets in front), decided once per received frame.
type Packet struct {
	av.Packet
	// Camera names the stream: the client's local port the frame arrived on. In multi-server
	// mode each camera has its own port.
	Camera int
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
