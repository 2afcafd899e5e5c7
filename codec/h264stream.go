package codec

import (
	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	picimage "github.com/picam-project/picam/image"
)

// h264Stream turns the access units any H.264 source produces (hardware
// encoder, software encoder, camera) into packets with the same guarantees
// (h264.Packager): every packet marked Keyframe is an IDR with SPS and PPS
// in front, and Keyframe, SPS and PPS are decided here, by parsing, once for
// every output, not by trusting a driver flag.
type h264Stream struct {
	h264.Packager
}

// packet wraps one access unit of frame f. au is not modified; when
// parameter sets have to be inserted the packet gets a new slice.
func (s *h264Stream) packet(f picimage.Frame, au []byte) av.Packet {
	p := s.Packet(au)
	p.Width, p.Height, p.Seq, p.Captured = f.Width, f.Height, f.Seq, f.Captured
	return p
}

// skip leaves n indexes unused, so receivers see that n access units were
// lost before the next packet.
func (s *h264Stream) skip(n uint64) { s.Skip(n) }
