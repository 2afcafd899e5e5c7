package stream

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/picam-project/picam/stream/zmtp"
)

// refuseLogEvery bounds how often one client's refusal is logged as an error. A NetGear
// program ends on the terminate it is sent, so one refusal is normal; a receiver that ignores
// the terminate is redialled and refused every few hundred milliseconds, and repeating the
// error that often would bury the rest of the log.
const refuseLogEvery = 10 * time.Second

// refuse decides whether o must not go to the client on conn because the client cannot
// decode it: a NetGear (Python) receiver gets raw arrays and JPEG only. picam chose to end such
// a client instead of skipping its frames: NetGear's receiver would wait for ever (pattern 2)
// or restart its socket every 12 s (pattern 1) without a word, while a terminate makes
// NetGear's recv return None, so the Python program ends, and the error here names the client
// and the fix. When it returns true the caller sends NetGear's terminate and drops the
// connection; the sender keeps redialling, so a picam client that later takes the port gets
// the stream.
func (p *peer) refuse(conn *zmtp.Conn, o *outgoing) bool {
	if conn.IsPicam() || netgearDecodes(o.codec) {
		return false
	}
	reason := fmt.Sprintf("a NetGear client cannot decode %s frames", o.codec)
	p.mu.Lock()
	p.refused = reason
	p.mu.Unlock()
	p.state.Store(stateRefused)
	level := slog.LevelDebug
	if now := time.Now(); p.lastRefusal.IsZero() || now.Sub(p.lastRefusal) >= refuseLogEvery {
		level, p.lastRefusal = slog.LevelError, now
	}
	hint := p.env.refusalHint
	if hint == "" {
		hint = fmt.Sprintf("Stream jpeg or raw to NetGear clients, or receive %s with a picam client", o.codec)
	}
	p.env.log.Log(p.env.runCtx, level,
		fmt.Sprintf("client at port %d is a NetGear (Python) client and cannot decode %s: sending it the terminate instead of the stream. %s", p.ep.port, o.codec, hint),
		"client", p.ep.addr, "port", p.ep.port, "codec", o.codec)
	return true
}
