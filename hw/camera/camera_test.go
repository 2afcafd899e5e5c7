package camera

import (
	"strings"
	"testing"
)

func TestParseSource(t *testing.T) {
	for _, tc := range []struct{ in, kind, path, err string }{
		{"", SourceAuto, "", ""},
		{"auto", SourceAuto, "", ""},
		{"testsrc", SourceTestsrc, "", ""},
		{"testsrc:yuyv", SourceTestsrc, "YUYV", ""},
		{"TestSrc:YU12", SourceTestsrc, "I420", ""},
		{"testsrc:NV12", SourceTestsrc, "NV12", ""},
		{"testsrc:MJPEG", "", "", "BGR24, YUYV, NV12 or I420"},
		{"testsrc:", "", "", "BGR24, YUYV, NV12 or I420"},
		{"RPICAM", SourceRpicam, "", ""},
		{"v4l2:/dev/video2", SourceV4L2, "/dev/video2", ""},
		{"/dev/video0", SourceV4L2, "/dev/video0", ""},
		{"v4l2:", "", "", "names no device"},
		{"v4l2", "", "", "names no device"},
		{"webcam", "", "", "use auto, v4l2:/dev/video0, rpicam or testsrc"},
	} {
		kind, path, err := ParseSource(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSource(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || kind != tc.kind || path != tc.path {
			t.Errorf("ParseSource(%q) = %q, %q, %v", tc.in, kind, path, err)
		}
	}
}
