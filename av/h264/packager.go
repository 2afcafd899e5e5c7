package h264

import "github.com/picam-project/picam/av"

// Packager turns the access units of one H.264 stream into av.Packets, deciding once, for
// every consumer, what they would otherwise each parse again: whether decoding can start at
// the packet (Keyframe) and which parameter sets decode it (SPS, PPS). It caches the
// stream's SPS and PPS and puts them in front of an IDR that comes without them (encoders
// that send them only at the start of the stream), so every Keyframe packet is an IDR with
// SPS and PPS in front, whatever the source did. It numbers the packets (Index) in the order
// it is given them.
//
// A Packager belongs to one producer goroutine.
type Packager struct {
	params ParamSets
	next   uint64
}

// Packet wraps one Annex-B access unit. au is not modified; when parameter sets have to be
// inserted the packet gets a new slice. The caller fills in the picture's metadata (size,
// sequence number, capture time).
func (k *Packager) Packet(au []byte) av.Packet {
	k.params.Observe(au)
	au = k.params.Complete(au)
	p := av.Packet{Codec: av.H264, Data: au, Keyframe: IsRandomAccess(au), Index: k.next}
	k.next++
	if sps, pps := k.params.SPS(), k.params.PPS(); len(sps) > 0 && len(pps) > 0 {
		p.SPS, p.PPS = sps[0], pps[0]
	}
	return p
}

// Skip leaves n indexes unused, so consumers see that n access units were lost before the
// next packet.
func (k *Packager) Skip(n uint64) { k.next += n }
