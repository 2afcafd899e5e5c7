package codec

import (
	"fmt"

	"github.com/picam-project/picam/codec/turbojpeg"
	picimage "github.com/picam-project/picam/image"
)

// TurboJPEGAvailable reports whether this build has libjpeg-turbo (built
// with -tags turbojpeg and cgo).
func TurboJPEGAvailable() bool { return turbojpeg.Available() }

// NewTurboJPEG returns a JPEG encoder that behaves like NewJPEG (same
// inputs, passthrough and output: baseline 4:2:0 JFIF) but compresses with
// libjpeg-turbo, about eight times faster. BGR24 and RGB24 frames go to
// libjpeg-turbo as they are (its SIMD code converts them); YUV and grey
// frames are range-expanded to JFIF planes first, as in NewJPEG.
//
// Builds without the turbojpeg tag return an error wrapping
// turbojpeg.ErrUnavailable, so callers can fall back to NewJPEG.
func NewTurboJPEG(quality int) (Encoder, error) {
	e, err := NewJPEG(quality)
	if err != nil {
		return nil, err
	}
	c, err := turbojpeg.NewCompressor()
	if err != nil {
		return nil, fmt.Errorf("libjpeg-turbo encoder: %w", err)
	}
	je := e.(*jpegEncoder)
	je.turbo = c
	return je, nil
}

// encodeTurbo compresses a validated raw frame with libjpeg-turbo.
func (e *jpegEncoder) encodeTurbo(f picimage.Frame) ([]byte, error) {
	q := e.quality
	switch f.Format {
	case picimage.BGR24:
		return e.turbo.CompressRGB(f.Data, f.Width, f.Height, true, q)
	case picimage.RGB24:
		return e.turbo.CompressRGB(f.Data, f.Width, f.Height, false, q)
	}
	if err := e.fill(f); err != nil {
		return nil, err
	}
	img := e.img
	return e.turbo.CompressYCbCr420(img.Y, img.Cb, img.Cr, img.YStride, img.CStride, f.Width, f.Height, q)
}
