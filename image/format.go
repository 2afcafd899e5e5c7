package picimage

import (
	"fmt"
	"strings"
)

// PixelFormat names the memory layout of Frame.Data. It is a string so that
// it reads well in logs, flags and JSON without a lookup table; the values are
// picam's own names, not V4L2 fourccs (hw/v4l2 maps between the two).
type PixelFormat string

// The pixel formats picam handles. Raw formats are tightly packed: rows have
// no padding, planes follow each other with no gaps. A camera layer whose
// driver pads rows (V4L2 bytesperline > width*bpp) must repack before it
// builds a Frame.
const (
	// BGR24 is 3 bytes per pixel in B, G, R order: OpenCV's default and the
	// layout NetGear raw frames carry (dtype uint8, shape [H, W, 3]).
	BGR24 PixelFormat = "BGR24"
	// RGB24 is 3 bytes per pixel in R, G, B order, as some USB cameras and
	// the libcamera stack deliver it.
	RGB24 PixelFormat = "RGB24"
	// YUYV is packed 4:2:2, Y0 U Y1 V for each pair of pixels (V4L2 YUYV),
	// BT.601 limited range. Width must be even.
	YUYV PixelFormat = "YUYV"
	// NV12 is a full-size Y plane followed by one half-size plane of
	// interleaved U, V samples (4:2:0), BT.601 limited range. Width and height
	// must be even.
	NV12 PixelFormat = "NV12"
	// I420 is a full-size Y plane followed by a quarter-size U plane and a
	// quarter-size V plane (4:2:0, also called YU12), BT.601 limited range.
	// Width and height must be even.
	I420 PixelFormat = "I420"
	// GRAY8 is one luma byte per pixel, full range (V4L2 GREY).
	GRAY8 PixelFormat = "GRAY8"
	// MJPEG is one complete JPEG image per frame, as cameras and hardware
	// encoders produce it.
	MJPEG PixelFormat = "MJPEG"
	// H264 is one H.264 access unit per frame in Annex-B byte-stream form.
	H264 PixelFormat = "H264"
)

// allFormats lists every known format in the order error messages show them.
var allFormats = []PixelFormat{BGR24, RGB24, YUYV, NV12, I420, GRAY8, MJPEG, H264}

// String returns the format's name, so a PixelFormat prints the same way in
// fmt verbs and slog attributes.
func (p PixelFormat) String() string { return string(p) }

// Compressed reports whether frames in this format are variable-size encoded
// bitstreams rather than pixel arrays; callers use it to decide between
// passthrough and conversion.
func (p PixelFormat) Compressed() bool { return p == MJPEG || p == H264 }

// Known reports whether p is one of the formats this package defines.
func (p PixelFormat) Known() bool {
	for _, f := range allFormats {
		if f == p {
			return true
		}
	}
	return false
}

// FrameSize returns the exact number of bytes a tightly packed width x height
// frame occupies in format p. It fails for compressed formats (their size
// varies per frame), for unknown formats, and for dimensions the format cannot
// represent (odd widths for YUYV, odd sizes for 4:2:0), so a camera layer can
// reject a bad configuration before it streams.
func (p PixelFormat) FrameSize(width, height int) (int, error) {
	if width <= 0 || height <= 0 {
		return 0, fmt.Errorf("picimage: frame size %dx%d: width and height must be positive", width, height)
	}
	n := width * height
	switch p {
	case BGR24, RGB24:
		return 3 * n, nil
	case GRAY8:
		return n, nil
	case YUYV:
		if width%2 != 0 {
			return 0, fmt.Errorf("picimage: %s frame %dx%d: width must be even (pixels come in Y0 U Y1 V pairs)", p, width, height)
		}
		return 2 * n, nil
	case NV12, I420:
		if width%2 != 0 || height%2 != 0 {
			return 0, fmt.Errorf("picimage: %s frame %dx%d: width and height must be even for 4:2:0 chroma", p, width, height)
		}
		return n + n/2, nil
	case MJPEG, H264:
		return 0, fmt.Errorf("picimage: %s is compressed; its frames have no fixed size", p)
	default:
		return 0, fmt.Errorf("picimage: unknown pixel format %q; known formats are %s", string(p), formatList())
	}
}

// ParsePixelFormat turns a user-supplied name (case-insensitive, with a few
// common aliases such as "yuv420" and "mjpg") into a PixelFormat, so flags and
// config files can name formats the way V4L2 and ffmpeg users write them.
func ParsePixelFormat(s string) (PixelFormat, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	switch n {
	case "BGR", "BGR3":
		return BGR24, nil
	case "RGB", "RGB3":
		return RGB24, nil
	case "YUY2", "YUYV422":
		return YUYV, nil
	case "YU12", "YUV420", "YUV420P":
		return I420, nil
	case "GRAY", "GREY", "Y8":
		return GRAY8, nil
	case "MJPG", "JPEG", "JPG":
		return MJPEG, nil
	case "H.264", "AVC":
		return H264, nil
	}
	if p := PixelFormat(n); p.Known() {
		return p, nil
	}
	return "", fmt.Errorf("picimage: unknown pixel format %q; use one of %s", s, formatList())
}

func formatList() string {
	names := make([]string, len(allFormats))
	for i, f := range allFormats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}
