//go:build openh264

package rtsp

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/codec"
	picimage "github.com/picam-project/picam/image"
)

// TestLateJoinKeyframeOnRequest is the late join as picam does it: a live OpenH264 encode
// with an IDR only every 300 frames, and a keyframe requested when a client subscribes.
// ffmpeg joining mid-stream must show its first picture within 0.5 s of its DESCRIBE.
func TestLateJoinKeyframeOnRequest(t *testing.T) {
	enc, err := codec.NewSoftwareH264(codec.SoftwareH264Config{FPS: 30, IFramePeriod: 300})
	if err != nil {
		t.Fatalf("OpenH264: %v (apt-get install --no-install-recommends libopenh264-dev)", err)
	}
	ts := startServer(t, Config{Logger: quietLogger()}, nil, 0)
	ts.b.mu.Lock()
	ts.b.onSubscribe = enc.RequestKeyframe
	ts.b.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait(); enc.Close() })
	wg.Go(func() {
		const w, h = 320, 240
		px := make([]byte, w*h*3)
		var sps, pps []byte
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		for i := 0; ctx.Err() == nil; i++ {
			for o := range px {
				px[o] = byte(o/3%w + i*3)
			}
			p, err := enc.Encode(picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: px, Seq: uint64(i), Captured: time.Now()})
			if err != nil {
				t.Errorf("encode: %v", err)
				return
			}
			for nal := range h264.NALUnits(p.Data) {
				switch h264.TypeOf(nal) {
				case h264.NALSPS:
					sps = nal
				case h264.NALPPS:
					pps = nal
				}
			}
			ts.b.publish(av.Packet{Codec: av.H264, Data: p.Data, Width: w, Height: h, Seq: p.Seq, Index: p.Index,
				Captured: p.Captured, Keyframe: p.Keyframe, SPS: sps, PPS: pps})
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
	})
	time.Sleep(time.Second) // past the stream's first IDR
	var fromDescribe []time.Duration
	for range 5 {
		_, picture := firstPicture(t, ts.url)
		ts.b.mu.Lock()
		described := ts.b.lastSubscribe
		ts.b.mu.Unlock()
		fromDescribe = append(fromDescribe, picture.Sub(described).Round(time.Millisecond))
		time.Sleep(137 * time.Millisecond)
	}
	slices.Sort(fromDescribe)
	t.Logf("keyframe interval 300, keyframe on request: first decoded picture after DESCRIBE: %v", fromDescribe)
	if fromDescribe[2] > 500*time.Millisecond {
		t.Errorf("median first picture %v after DESCRIBE, want at most 0.5 s", fromDescribe[2])
	}
}
