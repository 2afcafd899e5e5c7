package h264

import (
	"bytes"
	"sync"
)

// ParamSets caches the most recent sequence and picture parameter sets of a
// stream, so that an IDR access unit can always be sent with them in front.
// Encoders differ here: some repeat SPS/PPS before every IDR (bcm2835-codec
// with REPEAT_SEQ_HEADER, x264 with repeat headers), others send them once at
// the start of the stream (bcm2835-codec by default, some UVC cameras), and a
// client that joins later would never see them.
//
// A ParamSets is safe for concurrent use: the encoder goroutine observes
// units while client senders complete them.
type ParamSets struct {
	mu  sync.RWMutex
	sps [][]byte // each without start code
	pps [][]byte
}

// Observe records the SPS and PPS units in front of the first slice of an
// access unit. A unit that carries SPS replaces the cached SPS list, one that
// carries PPS the cached PPS list, so a stream that changes resolution (new
// SPS) is followed. The units are copied; au is not kept.
func (p *ParamSets) Observe(au []byte) {
	var sps, pps [][]byte
	for nal := range NALUnits(au) {
		t := TypeOf(nal)
		if t.IsSlice() {
			break
		}
		switch t {
		case NALSPS:
			sps = append(sps, bytes.Clone(nal))
		case NALPPS:
			pps = append(pps, bytes.Clone(nal))
		}
	}
	if sps == nil && pps == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if sps != nil {
		p.sps = sps
	}
	if pps != nil {
		p.pps = pps
	}
}

// Ready reports whether at least one SPS and one PPS have been observed.
func (p *ParamSets) Ready() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.sps) > 0 && len(p.pps) > 0
}

// SPS returns the cached sequence parameter sets (without start codes).
// The slices must not be modified.
func (p *ParamSets) SPS() [][]byte {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.sps
}

// PPS returns the cached picture parameter sets (without start codes).
// The slices must not be modified.
func (p *ParamSets) PPS() [][]byte {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.pps
}

// Complete returns an IDR access unit that lacks an SPS or a PPS before its
// first slice as a new slice with the cached SPS and PPS inserted (after the
// access unit delimiter, if the unit starts with one, since that must stay
// first). Every other unit, and an IDR when nothing is cached yet, is
// returned unchanged; au itself is never modified, because packets are
// shared by every client.
func (p *ParamSets) Complete(au []byte) []byte {
	a := Inspect(au)
	if !a.IDR || (a.SPS > 0 && a.PPS > 0) {
		return au
	}
	p.mu.RLock()
	sps, pps := p.sps, p.pps
	p.mu.RUnlock()
	if len(sps) == 0 || len(pps) == 0 {
		return au
	}
	return Prepend(au, sps, pps)
}

// Prepend returns a new access unit with the given parameter sets (without
// start codes) inserted in front of au's NAL units, or after its access unit
// delimiter when it starts with one. au is not modified.
func Prepend(au []byte, sps, pps [][]byte) []byte {
	n := len(au)
	for _, s := range sps {
		n += len(longStartCode) + len(s)
	}
	for _, s := range pps {
		n += len(longStartCode) + len(s)
	}
	out := make([]byte, 0, n)
	// rest is au from the first start code on (anything before it is not
	// part of any NAL unit), or after the delimiter when there is one.
	rest := au[:0]
	spans(au, func(start, end int) bool {
		if TypeOf(au[start:end]) == NALAUD {
			out = append(out, au[start-3:end]...)
			rest = au[end:]
		} else {
			rest = au[start-3:]
		}
		return false
	})
	for _, s := range sps {
		out = AppendNAL(out, s)
	}
	for _, s := range pps {
		out = AppendNAL(out, s)
	}
	return append(out, rest...)
}
