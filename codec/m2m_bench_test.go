package codec

import (
	"errors"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

// BenchmarkM2MInFlight measures the hardware encoder's packet rate against
// a fake whose firmware returns each bitstream 20 ms after its frame but
// works on several frames at once (as the VPU pipeline does), with frames
// due every 5 ms (200 fps). With one frame in flight (Buffers: 1, how
// Encode worked before) every frame costs a whole round trip: at most
// 50 packets/s. With DefaultM2MFrames in flight the rate follows the frames.
// Both run in the same benchmark; "speedup" is their ratio.
//
//	go test -run '^$' -bench M2MInFlight ./codec
func BenchmarkM2MInFlight(b *testing.B) {
	const latency, fps = 20 * time.Millisecond, 200
	rate := func(buffers int, frames int) float64 {
		d := newFakeM2M()
		d.latency = latency
		cfg := M2MConfig{Device: d.Path(), Codec: av.H264, Width: 320, Height: 240, Input: picimage.I420, FPS: fps, Buffers: buffers}
		e, err := newM2M(d, cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		f := randomFrame(picimage.I420, 320, 240, 1)
		start := time.Now()
		packets := 0
		for i := 0; packets < frames; i++ {
			f.Seq = uint64(i)
			_, err := e.Encode(f)
			switch {
			case errors.Is(err, ErrNoPacket):
			case err != nil:
				b.Fatal(err)
			default:
				packets++
			}
		}
		return float64(packets) / time.Since(start).Seconds()
	}
	var one, many float64
	for b.Loop() {
		one = rate(1, 25)
		many = rate(DefaultM2MFrames, 100)
	}
	b.ReportMetric(one, "pkt/s(1-in-flight)")
	b.ReportMetric(many, "pkt/s(4-in-flight)")
	b.ReportMetric(many/one, "speedup")
}
