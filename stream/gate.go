package stream

import (
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/stream/wire"
)

// Inter-coded streams (H.264, FWHT) and the one-slot mailbox.
//
// A P-frame is only decodable by a client that has every packet since the last keyframe.
// Each client is gated in its mailbox (peer.offer), where the newest-wins rule would
// otherwise break that: when a packet arrives while the previous one is still waiting, the
// client is going to miss one of them either way, and everything after the missed one up to
// the next keyframe is useless to it. So instead of replacing the waiting packet (which the
// client could still decode) with one it cannot, the gate keeps the waiting one, drops the
// new one, and holds back everything after it until a keyframe, which always goes in (it
// replaces anything waiting and resynchronises the client). A keyframe is requested when
// that happens, when a client connects, and again every keyframeRetry held packets.
//
// The gate works on the Send order (outgoing.index), so it needs nothing from the codec but
// the keyframe flag; Packet.Gap covers packets lost before Send.

// keyframeRetry is how many packets in a row a waiting client has held back before the
// server asks for a keyframe again (one second at 30 fps): the first request may have been
// swallowed by the caller's rate limit just after another client's keyframe went out, or the
// encoder may have no way to honour it (vicodec), and the periodic keyframe may be far off.
const keyframeRetry = 30

// interCoded reports whether packets of codec may depend on earlier ones.
func interCoded(codec string) bool { return wire.IsBitstream(codec) }

// netgearDecodes reports whether a NetGear (Python) receiver can decode packets of codec:
// NetGear reads a raw array (dtype, shape) or a JPEG (compression), nothing else.
func netgearDecodes(codec string) bool { return codec == "raw" || codec == "jpeg" }

// prepare turns a packet into its shared wire form. For an inter-coded codec it numbers the
// packet in Send order (skipping a number at a Gap, so every client sees the loss) and
// decides whether a client can start at it: for H.264 by parsing, after putting the cached
// SPS and PPS in front of an IDR that lacks them, so a joining client never depends on
// parameter sets it was not sent.
func (s *Server) prepare(pkt *Packet) *outgoing {
	out := &outgoing{payload: pkt.Data, seq: pkt.Seq, codec: pkt.Codec, key: pkt.Keyframe}
	if interCoded(pkt.Codec) {
		out.inter = true
		step := uint64(1)
		if pkt.Gap {
			step = 2
		}
		out.index = s.interIndex.Add(step)
		if pkt.Codec == "h264" {
			s.params.Observe(pkt.Data)
			out.payload = s.params.Complete(pkt.Data)
			out.key = h264.IsRandomAccess(out.payload)
		}
	}
	out.header = s.header(pkt, out.key)
	return out
}

// gateVerdict is what the gate decided about one offered packet.
type gateVerdict int

const (
	// gateAccept: the packet goes into the mailbox, replacing whatever waits there.
	gateAccept gateVerdict = iota
	// gateOverflow: the packet is dropped because the client has not taken the one before
	// it, which stays; the client is now out of sync.
	gateOverflow
	// gateHold: the client waits for a keyframe, and this packet is not one.
	gateHold
)

// keyGate is one client's position in an inter-coded stream. It is guarded by its peer's mu.
type keyGate struct {
	synced bool   // the client has (or will be sent) a keyframe and every packet since
	last   uint64 // index of the last packet put in its mailbox
	held   int    // packets held back since the last keyframe request
	asked  bool   // a keyframe was requested since the client lost sync
}

// join puts the gate back to "waiting for a keyframe", for a client that has just
// connected: it has no picture to predict from.
func (g *keyGate) join() { *g = keyGate{} }

// admit decides about an inter-coded packet. busy says the mailbox still holds a packet;
// canAsk that a keyframe may be requested for this client (it is a connected picam client).
// ask reports that one should be requested now.
func (g *keyGate) admit(o *outgoing, busy, canAsk bool) (v gateVerdict, ask bool) {
	switch {
	case o.key:
		*g = keyGate{synced: true, last: o.index}
		return gateAccept, false
	case g.synced && o.index == g.last+1 && !busy:
		g.last = o.index
		return gateAccept, false
	}
	v = gateHold
	if g.synced && o.index == g.last+1 {
		v = gateOverflow // busy: keep the decodable packet that waits, lose this one
	}
	if g.synced {
		g.synced, g.asked, g.held = false, false, 0
	}
	g.held++
	if canAsk && (!g.asked || g.held >= keyframeRetry) {
		g.asked, g.held = true, 0
		return v, true
	}
	return v, false
}
