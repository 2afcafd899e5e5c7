package rtsp

import (
	"testing"

	"github.com/picam-project/picam/av"
)

// BenchmarkPacketizeJPEG is one session's work per JPEG frame over TCP: RTP packets, framed
// for interleaving into the buffer that goes to the socket in one write.
func BenchmarkPacketizeJPEG(b *testing.B) {
	src := jpegSource(b, 1)
	p := src.packets[0]
	snd := newRTPSender(av.JPEG)
	var buf []byte
	b.SetBytes(int64(len(p.Data)))
	b.ReportAllocs()
	for b.Loop() {
		pkts, err := snd.packetize(p)
		if err != nil {
			b.Fatal(err)
		}
		buf = buf[:0]
		for i := range pkts {
			buf = pkts[i].appendInterleaved(buf, 0)
		}
	}
}
