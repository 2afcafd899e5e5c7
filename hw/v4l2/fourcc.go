package v4l2

import (
	"fmt"
	"strings"
)

// PixelFormat is a V4L2 pixel format code: four ASCII characters packed
// little-endian into 32 bits (a FourCC), with bit 31 marking the big-endian
// variant of a format. It is what the kernel calls pixelformat.
type PixelFormat uint32

// pixFmtBigEndian is V4L2_PIX_FMT_FLAG_BE_ style bit 31: the kernel's
// v4l2_fourcc_be() sets it to mark the big-endian variant of a format.
const pixFmtBigEndian PixelFormat = 1 << 31

// FourCC returns the PixelFormat for a four-character code such as "YUYV".
// It is meant for literals and panics if s is not exactly four bytes; use
// ParseFourCC for user input.
func FourCC(s string) PixelFormat {
	p, err := ParseFourCC(s)
	if err != nil {
		panic(err)
	}
	return p
}

// ParseFourCC parses a four-character code such as "YUYV" or "MJPG". Codes
// shorter than four characters may be padded with spaces ("Y8  "), as
// v4l2-ctl prints them; a trailing "-BE" selects the big-endian variant,
// so that ParseFourCC(p.String()) == p for every code String can print.
func ParseFourCC(s string) (PixelFormat, error) {
	var be PixelFormat
	if strings.HasSuffix(s, "-BE") {
		s, be = strings.TrimSuffix(s, "-BE"), pixFmtBigEndian
	}
	if len(s) != 4 {
		return 0, fmt.Errorf("v4l2: pixel format %q: a FourCC has exactly 4 characters (for example YUYV, MJPG, H264)", s)
	}
	for i := 0; i < 4; i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return 0, fmt.Errorf("v4l2: pixel format %q: character %d is not printable ASCII", s, i)
		}
	}
	return PixelFormat(uint32(s[0])|uint32(s[1])<<8|uint32(s[2])<<16|uint32(s[3])<<24) | be, nil
}

// String returns the four characters of the code ("YUYV"), with "-BE"
// appended for big-endian variants. Codes with non-printable bytes are shown
// in hex, so a garbage value from a driver is still recognisable in logs.
func (p PixelFormat) String() string {
	v := uint32(p &^ pixFmtBigEndian)
	b := []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("0x%08x", uint32(p))
		}
	}
	if p&pixFmtBigEndian != 0 {
		return string(b) + "-BE"
	}
	return string(b)
}

// Pixel formats picam meets on the Raspberry Pi camera, the bcm2835-codec
// M2M devices, USB webcams and vivid. The values match V4L2_PIX_FMT_* in
// linux/videodev2.h (checked by the golden test).
const (
	PixFmtYUYV    PixelFormat = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24 // packed 4:2:2 Y0 Cb Y1 Cr
	PixFmtYVYU    PixelFormat = 'Y' | 'V'<<8 | 'Y'<<16 | 'U'<<24 // packed 4:2:2 Y0 Cr Y1 Cb
	PixFmtUYVY    PixelFormat = 'U' | 'Y'<<8 | 'V'<<16 | 'Y'<<24 // packed 4:2:2 Cb Y0 Cr Y1
	PixFmtVYUY    PixelFormat = 'V' | 'Y'<<8 | 'U'<<16 | 'Y'<<24 // packed 4:2:2 Cr Y0 Cb Y1
	PixFmtYUV420  PixelFormat = 'Y' | 'U'<<8 | '1'<<16 | '2'<<24 // planar 4:2:0 (I420, "YU12")
	PixFmtYVU420  PixelFormat = 'Y' | 'V'<<8 | '1'<<16 | '2'<<24 // planar 4:2:0, Cr before Cb ("YV12")
	PixFmtNV12    PixelFormat = 'N' | 'V'<<8 | '1'<<16 | '2'<<24 // semi-planar 4:2:0, CbCr interleaved
	PixFmtNV21    PixelFormat = 'N' | 'V'<<8 | '2'<<16 | '1'<<24 // semi-planar 4:2:0, CrCb interleaved
	PixFmtNV16    PixelFormat = 'N' | 'V'<<8 | '1'<<16 | '6'<<24 // semi-planar 4:2:2
	PixFmtNV12M   PixelFormat = 'N' | 'M'<<8 | '1'<<16 | '2'<<24 // NV12 with Y and CbCr in separate planes
	PixFmtYUV420M PixelFormat = 'Y' | 'M'<<8 | '1'<<16 | '2'<<24 // I420 with three separate planes
	PixFmtGrey    PixelFormat = 'G' | 'R'<<8 | 'E'<<16 | 'Y'<<24 // 8-bit luma only
	PixFmtRGB24   PixelFormat = 'R' | 'G'<<8 | 'B'<<16 | '3'<<24 // packed R G B
	PixFmtBGR24   PixelFormat = 'B' | 'G'<<8 | 'R'<<16 | '3'<<24 // packed B G R (OpenCV order)
	PixFmtRGB565  PixelFormat = 'R' | 'G'<<8 | 'B'<<16 | 'P'<<24 // 16-bit 5-6-5
	PixFmtXBGR32  PixelFormat = 'X' | 'R'<<8 | '2'<<16 | '4'<<24 // B G R X in memory
	PixFmtBGR32   PixelFormat = 'B' | 'G'<<8 | 'R'<<16 | '4'<<24 // deprecated B G R X (bcm2835 "BGR4")
	PixFmtRGBA32  PixelFormat = 'A' | 'B'<<8 | '2'<<16 | '4'<<24 // R G B A in memory
	PixFmtMJPEG   PixelFormat = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24 // Motion-JPEG
	PixFmtJPEG    PixelFormat = 'J' | 'P'<<8 | 'E'<<16 | 'G'<<24 // JFIF JPEG stills
	PixFmtH264    PixelFormat = 'H' | '2'<<8 | '6'<<16 | '4'<<24 // H.264 Annex-B byte stream
	PixFmtFWHT    PixelFormat = 'F' | 'W'<<8 | 'H'<<16 | 'T'<<24 // vicodec's test codec (QEMU HIL)
)
