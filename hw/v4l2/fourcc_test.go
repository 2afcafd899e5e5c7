package v4l2

import (
	"strings"
	"testing"
)

func TestFourCCMatchesConstants(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want PixelFormat
	}{
		{"YUYV", PixFmtYUYV}, {"YU12", PixFmtYUV420}, {"NV12", PixFmtNV12}, {"MJPG", PixFmtMJPEG},
		{"H264", PixFmtH264}, {"JPEG", PixFmtJPEG}, {"BGR3", PixFmtBGR24}, {"RGB3", PixFmtRGB24},
	} {
		if got := FourCC(tc.s); got != tc.want {
			t.Errorf("FourCC(%q) = %#08x, want %#08x", tc.s, uint32(got), uint32(tc.want))
		}
		if got := tc.want.String(); got != tc.s {
			t.Errorf("%#08x.String() = %q, want %q", uint32(tc.want), got, tc.s)
		}
	}
	// The byte order is little-endian: 'Y' is the lowest byte.
	if got := uint32(FourCC("YUYV")); got != 0x56595559 {
		t.Errorf("FourCC(YUYV) = %#x, want 0x56595559 (V4L2_PIX_FMT_YUYV)", got)
	}
}

func TestParseFourCCRoundTrip(t *testing.T) {
	for _, s := range []string{"YUYV", "Y8  ", "Y16 -BE", "AR15-BE", "GREY"} {
		p, err := ParseFourCC(s)
		if err != nil {
			t.Fatalf("ParseFourCC(%q): %v", s, err)
		}
		if got := p.String(); got != s {
			t.Errorf("ParseFourCC(%q).String() = %q", s, got)
		}
	}
	be, _ := ParseFourCC("Y16 -BE")
	le, _ := ParseFourCC("Y16 ")
	if be != le|1<<31 {
		t.Errorf("big-endian flag: %#x vs %#x", uint32(be), uint32(le))
	}
}

func TestParseFourCCErrors(t *testing.T) {
	for _, s := range []string{"", "YUV", "YUYV2", "YU\x00V", "ÄBC"} {
		if _, err := ParseFourCC(s); err == nil {
			t.Errorf("ParseFourCC(%q) succeeded, want an error", s)
		} else if !strings.Contains(err.Error(), "pixel format") {
			t.Errorf("ParseFourCC(%q) error %q does not say what was wrong", s, err)
		}
	}
}

func TestFourCCPanicsOnBadLiteral(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("FourCC(\"YUV\") did not panic")
		}
	}()
	FourCC("YUV")
}

func TestPixelFormatStringNonPrintable(t *testing.T) {
	if got := PixelFormat(0x00010203).String(); got != "0x00010203" {
		t.Errorf("String of garbage code = %q, want hex", got)
	}
}
