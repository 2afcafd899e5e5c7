package codec

import (
	"fmt"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

// rawEncoder produces NetGear raw packets: BGR24, dtype uint8, shape
// [height, width, 3].
type rawEncoder struct {
	closed bool
	conv   *picimage.Converter // made at the first frame that needs converting
	indexer
}

// NewRaw returns an encoder of raw BGR24 packets, the format every NetGear
// client understands even without simplejpeg installed. A BGR24 frame is
// passed through without copying (the packet shares the frame's Data); YUV,
// RGB, grey and MJPEG frames are converted into a fresh buffer per packet,
// since packets outlive the call, by a picimage.Converter (YUV split across
// up to four cores) that Close stops. H.264 frames are refused.
func NewRaw() Encoder { return &rawEncoder{} }

// Encode implements Encoder.
func (e *rawEncoder) Encode(f picimage.Frame) (av.Packet, error) {
	if e.closed {
		return av.Packet{}, ErrClosed
	}
	if f.Format == picimage.BGR24 {
		if err := f.Validate(); err != nil {
			return av.Packet{}, fmt.Errorf("raw encode: %w", err)
		}
		return e.stamp(packetFor(av.Raw, f, f.Data)), nil
	}
	if e.conv == nil {
		e.conv = picimage.NewConverter()
	}
	data, err := e.conv.ToBGR(nil, f)
	if err != nil {
		return av.Packet{}, fmt.Errorf("raw encode: %w", err)
	}
	return e.stamp(packetFor(av.Raw, f, data)), nil
}

// RequestKeyframe implements Encoder; every raw packet is a keyframe.
func (e *rawEncoder) RequestKeyframe() {}

// Codec implements Encoder.
func (e *rawEncoder) Codec() av.Codec { return av.Raw }

// Close implements Encoder and stops the conversion's goroutines.
func (e *rawEncoder) Close() error {
	e.closed = true
	if e.conv != nil {
		e.conv.Close()
	}
	return nil
}
