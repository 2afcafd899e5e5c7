package rtsp

import (
	"context"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/picam-project/picam/av"
)

// session is one client's set-up stream: its feed, its RTP numbering, and while playing the
// goroutine that sends.
type session struct {
	id   string
	c    *conn
	feed Feed
	pre  *preroll // what the feed delivered before PLAY, sent first
	tr   transport
	// udpDst is the client's RTP and RTCP address for UDP transport.
	udpDst [2]netip.AddrPort
	snd    *rtpSender

	lastSeen atomic.Int64 // unix nanoseconds of the client's last request or RTCP

	// For Sessions.
	since                  time.Time
	isPlaying              atomic.Bool
	frames, bytes, skipped atomic.Uint64

	// Set by play, cleared by pause; only the connection's goroutine touches them.
	cancel context.CancelFunc
	done   chan struct{}
}

func (ss *session) touch() { ss.lastSeen.Store(time.Now().UnixNano()) }

// alive reports whether the client showed a sign of life within timeout.
func (ss *session) alive(timeout time.Duration) bool {
	return time.Since(time.Unix(0, ss.lastSeen.Load())) < timeout
}

func (ss *session) playing() bool { return ss.cancel != nil }

// play starts the goroutine that sends the feed's packets; pause or close stops it.
func (ss *session) play(ctx context.Context) {
	if ss.cancel != nil {
		return
	}
	ctx, ss.cancel = context.WithCancel(ctx)
	ss.done = make(chan struct{})
	ss.isPlaying.Store(true)
	go func() {
		defer close(ss.done)
		err := ss.send(ctx)
		if ctx.Err() == nil {
			// The client stalled or the feed ended: end the connection with it.
			ss.c.log.Info("rtsp: dropping client", "session", ss.id, "err", err)
			ss.c.nc.Close()
		}
	}()
}

// pause stops sending and waits for the sending goroutine to end.
func (ss *session) pause() {
	if ss.cancel == nil {
		return
	}
	ss.cancel()
	<-ss.done
	ss.cancel, ss.done = nil, nil
	ss.isPlaying.Store(false)
}

// close stops sending and releases the feed and the session's slot.
func (ss *session) close() {
	ss.pause()
	if ss.pre != nil {
		_, _ = ss.pre.stop()
		ss.pre = nil
	}
	ss.feed.Close()
	s := ss.c.s
	s.mu.Lock()
	delete(s.all, ss)
	for _, a := range ss.udpDst {
		if s.udpClients[a] == ss {
			delete(s.udpClients, a)
		}
	}
	s.mu.Unlock()
	s.sessions.Add(-1)
	ss.c.log.Info("rtsp: session closed", "session", ss.id, "rtp_packets", ss.snd.packets)
}

// send packetizes and writes packets until ctx ends or a write fails.
func (ss *session) send(ctx context.Context) error {
	var (
		buf    []byte // what one write sends: a picture's interleaved packets, or one UDP packet
		lastSR time.Time
		warned bool
	)
	var queued []av.Packet
	if ss.pre != nil {
		var err error
		queued, err = ss.pre.stop()
		ss.pre = nil
		if err != nil {
			return err
		}
	}
	for {
		var p av.Packet
		if len(queued) > 0 {
			p, queued = queued[0], queued[1:]
		} else {
			var err error
			if p, err = ss.feed.Next(ctx); err != nil {
				return err
			}
		}
		pkts, err := ss.snd.packetize(p)
		if err != nil {
			ss.skipped.Add(1)
			if !warned {
				ss.c.log.Warn("rtsp: skipping packets that cannot be sent", "err", err)
				warned = true
			}
			continue
		}
		ss.frames.Add(1)
		for i := range pkts {
			ss.bytes.Add(uint64(pkts[i].payloadLen()))
		}
		var sr []byte
		if now := time.Now(); now.Sub(lastSR) >= srInterval {
			sr, lastSR = ss.snd.senderReport(), now
		}
		if ss.tr.tcp {
			// One copy of the picture, into one write: no packet is marshalled on its own.
			buf = buf[:0]
			for i := range pkts {
				buf = pkts[i].appendInterleaved(buf, ss.tr.channels[0])
			}
			if sr != nil {
				buf = appendInterleaved(buf, ss.tr.channels[1], sr)
			}
			if err := ss.c.write(buf); err != nil {
				return err
			}
			continue
		}
		for i := range pkts {
			buf = pkts[i].appendTo(buf[:0])
			if _, err := ss.c.s.udpRTP.WriteToUDPAddrPort(buf, ss.udpDst[0]); err != nil {
				return err
			}
		}
		if sr != nil {
			if _, err := ss.c.s.udpRTCP.WriteToUDPAddrPort(sr, ss.udpDst[1]); err != nil {
				return err
			}
		}
	}
}

// next returns the sequence number and RTP timestamp the next packet will carry (for the
// RTP-Info header).
func (s *rtpSender) next() (seq uint16, ts uint32) {
	if s.t0.IsZero() {
		return s.seq, s.tsBase
	}
	return s.seq, s.timestamp(time.Now())
}
