package codec

import (
	"strings"
	"testing"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

func TestParseCodec(t *testing.T) {
	for in, want := range map[string]av.Codec{
		"raw": av.Raw, " RAW ": av.Raw, "bgr24": av.Raw, "jpeg": av.JPEG, "JPG": av.JPEG, "mjpeg": av.JPEG,
		"h264": av.H264, "H.264": av.H264, "avc": av.H264, "fwht": av.FWHT, "Auto": Auto,
	} {
		got, err := ParseCodec(in)
		if err != nil || got != want {
			t.Errorf("ParseCodec(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "png", "h265", "rawr"} {
		if _, err := ParseCodec(in); err == nil || !strings.Contains(err.Error(), "use raw, jpeg, h264 or auto") {
			t.Errorf("ParseCodec(%q) err = %v", in, err)
		}
	}
	if av.JPEG.String() != "jpeg" {
		t.Errorf("JPEG.String() = %q", av.JPEG.String())
	}
}

// Packet.Index counts each encoder's packets from 0 without gaps.
func TestPacketIndex(t *testing.T) {
	jpegEnc, err := NewJPEG(DefaultJPEGQuality)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Encoder{NewRaw(), jpegEnc} {
		for i := range 3 {
			f := picimage.Frame{Width: 16, Height: 16, Format: picimage.BGR24, Data: make([]byte, 16*16*3), Seq: uint64(10 + 2*i)}
			p, err := e.Encode(f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Index != uint64(i) || p.Seq != f.Seq {
				t.Errorf("%s packet %d: Index %d Seq %d", e.Codec(), i, p.Index, p.Seq)
			}
		}
		e.Close()
	}
}
