package stream

import (
	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
)

// roundRobinGroup is the fan-out group of a round-robin server's senders: each packet goes to
// one of them, the next connected one, preferring an idle one.
const roundRobinGroup = "netgear round-robin"

// subscribe makes p's sender a consumer of the server's fan-out. The subscription lasts as
// long as the server: while p's client is not connected, or the Wait policy is not met yet
// (the fan-out may already feed other outputs: RTSP viewers do not wait for NetGear
// clients), packets offered to it count as dropped and it asks for no keyframes; a keyframe is asked for on its behalf only while a
// picam client is connected (a dialling client may never come back, and its requests would
// make the encoder send a keyframe every second for nobody; a NetGear one is refused).
func (s *Server) subscribe(p *peer) {
	opts := fanout.Options{
		Present: func() bool { return s.isReady() && p.state.Load() == stateConnected },
		MayAsk:  p.picam.Load,
	}
	if s.cfg.Delivery == RoundRobin {
		opts.Group = roundRobinGroup
		opts.Busy = func() bool { return p.busySince.Load() != 0 }
	}
	p.sub = s.hub.SubscribeWith("netgear "+p.ep.addr, opts)
}

// unsubscribe ends every sender's subscription, and the server's own fan-out, once the
// senders have stopped.
func (s *Server) unsubscribe() {
	for _, p := range s.peers {
		p.sub.Close()
	}
	if s.ownHub {
		s.hub.Close()
	}
}

// netgearDecodes reports whether a NetGear (Python) receiver can decode packets of codec:
// NetGear reads a raw array (dtype, shape) or a JPEG (compression), nothing else.
func netgearDecodes(codec av.Codec) bool { return codec == av.Raw || codec == av.JPEG }

// isReady reports whether the Wait policy has been met.
func (s *Server) isReady() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}
