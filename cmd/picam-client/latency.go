package main

import (
	"time"

	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/stream"
)

// captureSlack is how far a header's capture time may lie after its reception, or before its
// connection began, and still count as a latency sample: clocks of two machines kept by NTP
// agree far better, and a frame captured just before the server connected may be the first
// one sent.
const captureSlack = time.Second

// maxLatencySamples bounds the samples kept for the --json p50/p99.
const maxLatencySamples = 1_000_000

// noteCapture takes the capture time of a picam header (unix µs) as p's capture time and as a
// latency sample, unless it cannot be one: in the future, or older than the connection the
// frame came on (a hostile or badly clocked server sent "ts": 1 and the p99 read 1.8×10¹² ms,
// issue 16). Such a time is counted in latency_ignored, logged at counts 1, 10, 100 ...,
// and not used, so recordings fall back to the reception time too.
func (r *receiver) noteCapture(p *media.Packet, f *stream.Frame, now time.Time, us int64) {
	captured := time.UnixMicro(us)
	if captured.After(now.Add(captureSlack)) || !f.Connected.IsZero() && captured.Before(f.Connected.Add(-captureSlack)) {
		r.sum.LatencyIgnored++
		if n := r.sum.LatencyIgnored; isPowerOf10(n) {
			r.log.Warn("frame capture time is in the future or older than its connection: not a latency sample (the server's clock, or a hostile server)",
				"port", f.Port, "captured", captured.UTC().Format(time.RFC3339Nano), "connected", f.Connected.UTC().Format(time.RFC3339Nano), "ignored", n)
		}
		return
	}
	p.Captured = captured
	if len(r.lat) < maxLatencySamples {
		r.lat = append(r.lat, float64(now.UnixMicro()-us)/1000)
	}
}

func isPowerOf10(n uint64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}
