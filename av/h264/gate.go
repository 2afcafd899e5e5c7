package h264

import "sync"

// DefaultRetryAfter is how many access units a Gate drops in a row before it
// asks for a keyframe again: one second at 30 fps. The first request may be
// lost (an encoder that was busy restarting, a camera without a force-keyframe
// control), and the stream's own periodic IDR may be far off.
const DefaultRetryAfter = 30

// GateConfig configures a Gate.
type GateConfig struct {
	// RequestKeyframe asks the encoder for an IDR soon, typically
	// codec.Encoder.RequestKeyframe. The gate calls it when a client joins,
	// when the client missed an access unit, and again after RetryAfter
	// dropped units; never with its lock held. Nil means there is no way to
	// ask, and the gate waits for the stream's next periodic IDR.
	RequestKeyframe func()
	// Params, when set, supplies cached SPS/PPS for an IDR that arrives
	// without them, so the client can start there instead of waiting for
	// an IDR that carries its own.
	Params *ParamSets
	// RetryAfter is how many units in a row the gate drops before asking
	// again: 0 means DefaultRetryAfter, a negative value never.
	RetryAfter int
}

// GateStats counts what a Gate did, for per-client metrics.
type GateStats struct {
	Delivered uint64 // access units passed to the client
	Dropped   uint64 // access units held back while waiting for an IDR
	Requests  uint64 // keyframe requests made
	Resyncs   uint64 // times the client lost sync (a gap in the indexes)
}

// Gate decides, for one client, which access units of an H.264 stream it
// may be sent, so that its decoder never gets a picture it cannot decode:
// after Join, and after any gap in the stream, it holds back every access
// unit until one that starts decoding (an IDR with SPS and PPS in front) and
// asks the encoder for one meanwhile; from then on it passes every unit as
// long as the units arrive without a gap.
//
// Gaps are detected from an index the caller supplies with every unit,
// which must grow by exactly one for each access unit the encoder produced
// (codec.Packet.Index). A per-client sender that keeps only the newest
// packet skips units when its client is slow; the gap tells the gate that
// the P-frames that follow reference a picture the client never got.
//
// A Gate has no dependency on the transport. Its methods are safe for
// concurrent use (Join typically comes from the connection side, Admit from
// the sender).
type Gate struct {
	request func()
	params  *ParamSets
	retry   int

	mu     sync.Mutex
	synced bool
	last   uint64
	waited int
	stats  GateStats
}

// NewGate returns a gate for one client, in the state Join leaves it in
// except that no keyframe has been asked for yet: call Join when the client
// connects.
func NewGate(cfg GateConfig) *Gate {
	retry := cfg.RetryAfter
	if retry == 0 {
		retry = DefaultRetryAfter
	}
	return &Gate{request: cfg.RequestKeyframe, params: cfg.Params, retry: retry}
}

// Join marks the client as new (or reconnected): nothing more is passed
// until a decodable IDR, and a keyframe is requested.
func (g *Gate) Join() {
	g.mu.Lock()
	g.synced, g.waited = false, 0
	ask := g.countRequest()
	g.mu.Unlock()
	if ask {
		g.request()
	}
}

// Admit decides about one access unit with the given index. It returns the
// bytes to send and true, or nil and false when the unit must be held
// back. The bytes are au itself, or, for an IDR that lacked parameter sets
// while Params had them, a new slice with them in front; au is never
// modified.
func (g *Gate) Admit(index uint64, au []byte) ([]byte, bool) {
	g.mu.Lock()
	lost := false
	if g.synced {
		if index == g.last+1 {
			g.last = index
			g.stats.Delivered++
			g.mu.Unlock()
			return au, true
		}
		// A unit is missing (or the encoder restarted): what follows may
		// reference it.
		g.synced, g.waited, lost = false, 0, true
		g.stats.Resyncs++
	}
	g.last = index
	out := au
	if g.params != nil {
		out = g.params.Complete(au)
	}
	if IsRandomAccess(out) {
		g.synced, g.waited = true, 0
		g.stats.Delivered++
		g.mu.Unlock()
		return out, true
	}
	g.stats.Dropped++
	g.waited++
	ask := false
	if lost || (g.retry > 0 && g.waited >= g.retry) {
		g.waited = 0
		ask = g.countRequest()
	}
	g.mu.Unlock()
	if ask {
		g.request()
	}
	return nil, false
}

// countRequest records a keyframe request and reports whether there is a
// callback to make it with. Called with g.mu held.
func (g *Gate) countRequest() bool {
	if g.request == nil {
		return false
	}
	g.stats.Requests++
	return true
}

// Synced reports whether the client is being sent the stream (it got a
// decodable IDR and has missed nothing since).
func (g *Gate) Synced() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.synced
}

// Stats returns the gate's counters.
func (g *Gate) Stats() GateStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}
