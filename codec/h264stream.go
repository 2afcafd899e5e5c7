package codec

import (
	"github.com/picam-project/picam/av/h264"
	picimage "github.com/picam-project/picam/image"
)

// h264Stream turns the access units any H.264 source produces (hardware
// encoder, software encoder, camera) into packets with the same guarantees:
// every packet marked Keyframe is an IDR with SPS and PPS in front (cached
// parameter sets are inserted when the source sent them only once), and
// Keyframe is decided by parsing, not by trusting a driver flag.
type h264Stream struct {
	params h264.ParamSets
	indexer
}

// packet wraps one access unit. au is not modified; when parameter sets
// have to be inserted the packet gets a new slice.
func (s *h264Stream) packet(f picimage.Frame, au []byte) Packet {
	s.params.Observe(au)
	au = s.params.Complete(au)
	p := packetFor(H264, f, au)
	p.Keyframe = h264.IsRandomAccess(au)
	return s.stamp(p)
}

// skip leaves n indexes unused, so receivers see that n access units were
// lost before the next packet.
func (s *h264Stream) skip(n uint64) { s.next += n }
