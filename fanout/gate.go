package fanout

// Inter-coded streams (H.264, FWHT) and the one-slot mailbox.
//
// A P-frame is only decodable by a consumer that has every packet since the last keyframe.
// Each consumer is gated in its mailbox (Sub.offer), where the newest-wins rule would
// otherwise break that: when a packet arrives while the previous one is still waiting, the
// consumer is going to miss one of them either way, and everything after the missed one up to
// the next keyframe is useless to it. So instead of replacing the waiting packet (which the
// consumer could still decode) with one it cannot, the gate keeps the waiting one, drops the
// new one, and holds back everything after it until a keyframe, which always goes in (it
// replaces anything waiting and resynchronises the consumer). A keyframe is requested when
// that happens, when a consumer joins, and again every RetryAfter held packets.
//
// The gate works on the Publish order (the hub numbers inter-coded packets, skipping a number
// at av.Packet.Gap), so it needs nothing from the codec but the packet's Keyframe flag, which
// the producer decided.

// DefaultRetryAfter is how many packets in a row a waiting consumer has held back before the
// hub asks for a keyframe again (one second at 30 fps): the producer may have lost the first
// request, or the encoder may have no way to honour it (vicodec), and the periodic keyframe
// may be far off. (picam-server's codec.KeyframeLimiter defers a request inside its interval
// rather than dropping it, so there the retry is the last resort, not the usual path.)
const DefaultRetryAfter = 30

// verdict is what the gate decided about one offered packet.
type verdict int

const (
	// accept: the packet goes into the mailbox, replacing whatever waits there.
	accept verdict = iota
	// overflow: the packet is dropped because the consumer has not taken the one before
	// it, which stays; the consumer is now out of sync.
	overflow
	// hold: the consumer waits for a keyframe, and this packet is not one.
	hold
)

// gate is one consumer's position in an inter-coded stream. It is guarded by its Sub's mu.
type gate struct {
	synced bool   // the consumer has (or will be handed) a keyframe and every packet since
	last   uint64 // index of the last packet put in its mailbox
	held   int    // packets held back since the last keyframe request
	asked  bool   // a keyframe was requested since the consumer lost sync
}

// join puts the gate back to "waiting for a keyframe", for a consumer that has just
// joined: it has no picture to predict from.
func (g *gate) join() { *g = gate{} }

// admit decides about an inter-coded packet with the given Publish-order index. busy says the
// mailbox still holds a packet; canAsk that a keyframe may be requested for this consumer;
// retry is how many held packets make it ask again. ask reports that one should be requested
// now.
func (g *gate) admit(index uint64, key, busy, canAsk bool, retry int) (v verdict, ask bool) {
	switch {
	case key:
		*g = gate{synced: true, last: index}
		return accept, false
	case g.synced && index == g.last+1 && !busy:
		g.last = index
		return accept, false
	}
	v = hold
	if g.synced && index == g.last+1 {
		v = overflow // busy: keep the decodable packet that waits, lose this one
	}
	if g.synced {
		g.synced, g.asked, g.held = false, false, 0
	}
	g.held++
	if canAsk && (!g.asked || (retry > 0 && g.held >= retry)) {
		g.asked, g.held = true, 0
		return v, true
	}
	return v, false
}
