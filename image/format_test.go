package picimage

import (
	"strings"
	"testing"
)

func TestFrameSize(t *testing.T) {
	tests := []struct {
		f       PixelFormat
		w, h    int
		want    int
		wantErr string
	}{
		{BGR24, 640, 480, 921600, ""},
		{RGB24, 2, 2, 12, ""},
		{GRAY8, 3, 5, 15, ""},
		{YUYV, 640, 480, 614400, ""},
		{YUYV, 3, 2, 0, "width must be even"},
		{NV12, 640, 480, 460800, ""},
		{I420, 4, 2, 12, ""},
		{I420, 4, 3, 0, "must be even"},
		{NV12, 5, 4, 0, "must be even"},
		{MJPEG, 640, 480, 0, "compressed"},
		{H264, 640, 480, 0, "compressed"},
		{"XRGB", 640, 480, 0, "unknown pixel format"},
		{BGR24, 0, 480, 0, "must be positive"},
	}
	for _, tt := range tests {
		got, err := tt.f.FrameSize(tt.w, tt.h)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s %dx%d: err = %v, want it to mention %q", tt.f, tt.w, tt.h, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %dx%d = %d, %v; want %d", tt.f, tt.w, tt.h, got, err, tt.want)
		}
	}
}

func TestParsePixelFormat(t *testing.T) {
	for in, want := range map[string]PixelFormat{
		"bgr24": BGR24, " BGR ": BGR24, "rgb24": RGB24, "yuyv": YUYV, "YUY2": YUYV,
		"nv12": NV12, "i420": I420, "yu12": I420, "grey": GRAY8, "GRAY8": GRAY8,
		"mjpg": MJPEG, "MJPEG": MJPEG, "h264": H264, "H.264": H264,
	} {
		got, err := ParsePixelFormat(in)
		if err != nil || got != want {
			t.Errorf("ParsePixelFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePixelFormat("rgba"); err == nil || !strings.Contains(err.Error(), "NV12") {
		t.Errorf("ParsePixelFormat(rgba) error = %v, want one listing the known formats", err)
	}
}

func TestCompressedAndString(t *testing.T) {
	if !MJPEG.Compressed() || !H264.Compressed() || BGR24.Compressed() || YUYV.Compressed() {
		t.Error("Compressed() misclassifies a format")
	}
	if NV12.String() != "NV12" {
		t.Errorf("NV12.String() = %q", NV12.String())
	}
}

func TestValidate(t *testing.T) {
	ok := Frame{Width: 4, Height: 2, Format: BGR24, Data: make([]byte, 24)}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid frame: %v", err)
	}
	short := ok
	short.Data = short.Data[:23]
	if err := short.Validate(); err == nil || !strings.Contains(err.Error(), "has 23 bytes, want 24") {
		t.Errorf("short frame: err = %v", err)
	}
	empty := Frame{Width: 4, Height: 2, Format: MJPEG}
	if err := empty.Validate(); err == nil {
		t.Error("empty MJPEG frame validated")
	}
}

func TestParseResolution(t *testing.T) {
	good := map[string][2]int{"640x480": {640, 480}, " 1280X720 ": {1280, 720}, "16x16": {16, 16}}
	for in, want := range good {
		w, h, err := ParseResolution(in)
		if err != nil || w != want[0] || h != want[1] {
			t.Errorf("ParseResolution(%q) = %d, %d, %v; want %v", in, w, h, err, want)
		}
	}
	bad := map[string]string{
		"640":       "want WIDTHxHEIGHT",
		"640*480":   "want WIDTHxHEIGHT",
		"ax480":     "width \"a\" is not a whole number",
		"640x":      "height \"\" is not a whole number",
		"0x480":     "width 0 is out of range",
		"640x-1":    "height -1 is out of range",
		"99999x480": "out of range",
		"640x480x3": "not a whole number",
		"640.5x480": "not a whole number",
		"":          "want WIDTHxHEIGHT",
	}
	for in, want := range bad {
		if _, _, err := ParseResolution(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseResolution(%q) err = %v, want it to contain %q", in, err, want)
		}
	}
}
