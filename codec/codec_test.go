package codec

import (
	"strings"
	"testing"
)

func TestParseCodec(t *testing.T) {
	for in, want := range map[string]Codec{
		"raw": Raw, " RAW ": Raw, "bgr24": Raw, "jpeg": JPEG, "JPG": JPEG, "mjpeg": JPEG,
		"h264": H264, "H.264": H264, "avc": H264,
	} {
		got, err := ParseCodec(in)
		if err != nil || got != want {
			t.Errorf("ParseCodec(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "png", "h265", "rawr"} {
		if _, err := ParseCodec(in); err == nil || !strings.Contains(err.Error(), "use raw, jpeg or h264") {
			t.Errorf("ParseCodec(%q) err = %v", in, err)
		}
	}
	if JPEG.String() != "jpeg" {
		t.Errorf("JPEG.String() = %q", JPEG.String())
	}
}
