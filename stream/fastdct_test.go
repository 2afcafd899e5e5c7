package stream

import (
	"testing"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/stream/wire"
)

// NetGear's jpeg_compression_fastdct travels in the JPEG header's "dct" flag, which NetGear
// receivers pass to their decoder: true by default, false with JPEGAccurateDCT.
func TestJPEGHeaderDCTFlag(t *testing.T) {
	for _, accurate := range []bool{false, true} {
		s := &Server{cfg: ServerConfig{Pattern: PubSub, JPEGAccurateDCT: accurate}}
		h, err := wire.ParseHeader(s.header(&av.Packet{Codec: av.JPEG, Keyframe: true}))
		if err != nil {
			t.Fatal(err)
		}
		if h.Compression == nil || h.Compression.DCT != !accurate {
			t.Errorf("JPEGAccurateDCT %v: header compression %+v, want dct %v", accurate, h.Compression, !accurate)
		}
	}
}
