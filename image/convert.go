package picimage

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
)

// ToBGR converts f to tightly packed BGR24 (OpenCV order, NetGear raw layout)
// and returns the result. It writes into dst when cap(dst) is large enough and
// allocates otherwise, so a caller converting a stream of frames can pass the
// previous result back in and convert without garbage. The returned slice
// never aliases f.Data; for a BGR24 frame it is a copy.
//
// ToBGR converts on the calling goroutine; a Converter splits YUV frames
// across cores with the same result.
//
// YUV formats are decoded as BT.601 limited range (Y 16..235, chroma 16..240),
// which is what V4L2 cameras deliver for YUYV, NV12 and I420. GRAY8 is taken
// as full range. MJPEG is decoded with the standard library; H.264 cannot be
// converted here.
func ToBGR(dst []byte, f Frame) ([]byte, error) {
	if err := f.Validate(); err != nil {
		return dst, fmt.Errorf("convert to BGR24: %w", err)
	}
	if f.Format == H264 {
		return dst, fmt.Errorf("picimage: convert frame %d to BGR24: H264 frames need a video decoder; ask the camera for a raw format or MJPEG instead", f.Seq)
	}
	out := grow(dst, 3*f.Width*f.Height)
	switch f.Format {
	case BGR24:
		copy(out, f.Data)
	case RGB24:
		swapRB(out, f.Data)
	case GRAY8:
		grayToBGR(out, f.Data)
	case YUYV, NV12, I420:
		convertBand(out, f.Data, f.Format, f.Width, f.Height, 0, f.Height)
	case MJPEG:
		if err := jpegToBGR(out, f); err != nil {
			return dst, err
		}
	}
	return out, nil
}

// grow returns a slice of length n backed by b when b has room, else a new one.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]byte, n)
}

// swapRB converts RGB24 to BGR24 (the same operation both ways).
func swapRB(dst, src []byte) {
	for i := 0; i+2 < len(src); i += 3 {
		s := src[i : i+3 : i+3]
		d := dst[i : i+3 : i+3]
		d[0], d[1], d[2] = s[2], s[1], s[0]
	}
}

func grayToBGR(dst, src []byte) {
	for i, y := range src {
		d := dst[3*i : 3*i+3 : 3*i+3]
		d[0], d[1], d[2] = y, y, y
	}
}

// BT.601 limited-range YUV to RGB in 8.8 fixed point:
//
//	R = 1.164(Y-16)                + 1.596(V-128)
//	G = 1.164(Y-16) - 0.392(U-128) - 0.813(V-128)
//	B = 1.164(Y-16) + 2.017(U-128)
const (
	kY  = 298 // 1.164 * 256
	kRV = 409 // 1.596 * 256
	kGU = 100 // 0.392 * 256
	kGV = 208 // 0.813 * 256
	kBU = 516 // 2.017 * 256
)

// clamp8 saturates a fixed-point result shifted down to 0..255.
func clamp8(v int32) byte {
	if uint32(v) <= 255 {
		return byte(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// jpegToBGR decodes an MJPEG frame into out, which has room for exactly
// Width x Height BGR pixels. JPEG's YCbCr is full range (JFIF), unlike the
// camera YUV formats above.
func jpegToBGR(out []byte, f Frame) error {
	data, err := NormalizeMJPEG(f.Data)
	if err != nil {
		return fmt.Errorf("convert MJPEG frame %d to BGR24: %w", f.Seq, err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("picimage: decode MJPEG frame %d: %w; the camera sent a damaged image, or try a raw format", f.Seq, err)
	}
	b := img.Bounds()
	if b.Dx() != f.Width || b.Dy() != f.Height {
		return fmt.Errorf("picimage: MJPEG frame %d is %dx%d but the frame says %dx%d; check the camera's configured size",
			f.Seq, b.Dx(), b.Dy(), f.Width, f.Height)
	}
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < f.Height; y++ {
			d := out[3*y*f.Width : 3*(y+1)*f.Width]
			for x := 0; x < f.Width; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				d[3*x], d[3*x+1], d[3*x+2] = bl, g, r
			}
		}
	case *image.Gray:
		for y := 0; y < f.Height; y++ {
			row := m.Pix[(y)*m.Stride : y*m.Stride+f.Width]
			grayToBGR(out[3*y*f.Width:3*(y+1)*f.Width], row)
		}
	default:
		for y := 0; y < f.Height; y++ {
			for x := 0; x < f.Width; x++ {
				r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				i := 3 * (y*f.Width + x)
				out[i], out[i+1], out[i+2] = byte(bl>>8), byte(g>>8), byte(r>>8)
			}
		}
	}
	return nil
}
