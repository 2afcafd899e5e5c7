package codec

import (
	"fmt"

	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// Raw pixel formats an M2M encoder can take, in picam's and V4L2's names.
var rawFourCC = map[picimage.PixelFormat]v4l2.PixelFormat{
	picimage.I420:  v4l2.PixFmtYUV420,
	picimage.NV12:  v4l2.PixFmtNV12,
	picimage.YUYV:  v4l2.PixFmtYUYV,
	picimage.BGR24: v4l2.PixFmtBGR24,
	picimage.RGB24: v4l2.PixFmtRGB24,
	picimage.GRAY8: v4l2.PixFmtGrey,
}

// rawLayout says where a tightly packed picam frame goes inside an
// encoder's OUTPUT buffer, whose rows may be padded (bcm2835-codec aligns
// the YU12 stride to 64 bytes) and whose planes may be taller than the
// picture (it also aligns the height of codec buffers to 16 lines and
// encodes the visible part).
type rawLayout struct {
	format        picimage.PixelFormat
	width, height int // the picture
	stride        int // bytes per row of the first plane
	rows          int // rows of the first plane in the buffer, >= height
	size          int // bytes to hand to the driver (sizeimage)
}

// newRawLayout checks the format the driver chose against the picture it
// will be given.
func newRawLayout(pf picimage.PixelFormat, w, h int, got v4l2.PixFormat) (rawLayout, error) {
	l := rawLayout{format: pf, width: w, height: h, stride: int(got.BytesPerLine), rows: int(got.Height), size: int(got.SizeImage)}
	if len(got.Planes) > 1 {
		return l, fmt.Errorf("the driver chose %d separate planes for %s; picam fills single-buffer formats only", len(got.Planes), got.PixelFormat)
	}
	if int(got.Width) != w || l.rows < h {
		return l, fmt.Errorf("the encoder takes %dx%d, not the %dx%d frames it would get; pick a size the encoder supports (widths and heights that are multiples of 16 are safe)",
			got.Width, got.Height, w, h)
	}
	row := w * bytesPerPixel(pf)
	if pf == picimage.I420 || pf == picimage.NV12 {
		row = w
	}
	if l.stride < row {
		// Some drivers leave bytesperline 0 for "tightly packed".
		l.stride = row
	}
	need := l.stride * l.rows
	switch pf {
	case picimage.I420:
		if l.stride%2 != 0 || l.rows%2 != 0 {
			return l, fmt.Errorf("stride %d or height %d is odd for %s", l.stride, l.rows, pf)
		}
		need += 2 * (l.stride / 2) * (l.rows / 2)
	case picimage.NV12:
		if l.rows%2 != 0 {
			return l, fmt.Errorf("height %d is odd for %s", l.rows, pf)
		}
		need += l.stride * (l.rows / 2)
	}
	if l.size < need {
		if l.size != 0 {
			return l, fmt.Errorf("the driver's buffer size %d is smaller than the %d bytes a %dx%d %s picture with stride %d needs", l.size, need, w, l.rows, pf, l.stride)
		}
		l.size = need
	}
	return l, nil
}

// bytesPerPixel of the packed formats (and of a luma row for planar ones).
func bytesPerPixel(pf picimage.PixelFormat) int {
	switch pf {
	case picimage.BGR24, picimage.RGB24:
		return 3
	case picimage.YUYV:
		return 2
	}
	return 1
}

// fill copies a tightly packed frame of l's format and size into dst, the
// mapped OUTPUT buffer. Rows below the picture (alignment padding) repeat
// its last row, so the encoder does not spend bits on an edge of garbage.
func (l rawLayout) fill(dst, src []byte) {
	copyPlane := func(dst []byte, dstStride, dstRows int, src []byte, rowBytes, rows int) {
		for y := 0; y < dstRows; y++ {
			sy := min(y, rows-1)
			copy(dst[y*dstStride:y*dstStride+rowBytes], src[sy*rowBytes:(sy+1)*rowBytes])
		}
	}
	w, h := l.width, l.height
	switch l.format {
	case picimage.I420:
		ys, cs := l.stride, l.stride/2
		yOff, uOff := 0, l.stride*l.rows
		vOff := uOff + cs*(l.rows/2)
		n, cn := w*h, (w/2)*(h/2)
		copyPlane(dst[yOff:], ys, l.rows, src[:n], w, h)
		copyPlane(dst[uOff:], cs, l.rows/2, src[n:n+cn], w/2, h/2)
		copyPlane(dst[vOff:], cs, l.rows/2, src[n+cn:n+2*cn], w/2, h/2)
	case picimage.NV12:
		n := w * h
		copyPlane(dst, l.stride, l.rows, src[:n], w, h)
		copyPlane(dst[l.stride*l.rows:], l.stride, l.rows/2, src[n:n+n/2], w, h/2)
	default:
		row := w * bytesPerPixel(l.format)
		copyPlane(dst, l.stride, l.rows, src, row, h)
	}
}

// Limited-range BT.601 RGB to YCbCr in 8.8 fixed point, the coefficients
// cameras and encoders assume for YUV input.
func rgbToY(r, g, b int32) byte  { return byte((66*r + 129*g + 25*b + 128 + 16<<8) >> 8) }
func rgbToCb(r, g, b int32) byte { return byte((-38*r - 74*g + 112*b + 128 + 128<<8) >> 8) }
func rgbToCr(r, g, b int32) byte { return byte((112*r - 94*g - 18*b + 128 + 128<<8) >> 8) }
func grayToY(v byte) byte        { return byte((int32(v)*219+127)/255 + 16) }
func avg4(a, b, c, d byte) int32 { return (int32(a) + int32(b) + int32(c) + int32(d) + 2) >> 2 }
func avg2(a, b byte) byte        { return byte((int32(a) + int32(b) + 1) >> 1) }
func rgbAt(p []byte, bgr bool) (r, g, b byte) {
	if bgr {
		return p[2], p[1], p[0]
	}
	return p[0], p[1], p[2]
}

// toI420 converts a raw frame with even width and height into tightly
// packed I420 in dst (reused when large enough), for encoders that do not
// take the camera's format.
func toI420(dst []byte, f picimage.Frame) ([]byte, error) {
	w, h := f.Width, f.Height
	if w%2 != 0 || h%2 != 0 {
		return nil, fmt.Errorf("%dx%d: I420 needs an even width and height", w, h)
	}
	n, cn := w*h, (w/2)*(h/2)
	if cap(dst) < n+2*cn {
		dst = make([]byte, n+2*cn)
	}
	dst = dst[:n+2*cn]
	Y, U, V := dst[:n], dst[n:n+cn], dst[n+cn:]
	src := f.Data
	switch f.Format {
	case picimage.I420:
		copy(dst, src)
	case picimage.NV12:
		copy(Y, src[:n])
		for i := range cn {
			U[i], V[i] = src[n+2*i], src[n+2*i+1]
		}
	case picimage.YUYV:
		for y := 0; y < h; y += 2 {
			r0, r1 := src[2*w*y:2*w*(y+1)], src[2*w*(y+1):2*w*(y+2)]
			for x := 0; x < w/2; x++ {
				a, b := r0[4*x:4*x+4], r1[4*x:4*x+4]
				Y[y*w+2*x], Y[y*w+2*x+1] = a[0], a[2]
				Y[(y+1)*w+2*x], Y[(y+1)*w+2*x+1] = b[0], b[2]
				U[(y/2)*(w/2)+x] = avg2(a[1], b[1])
				V[(y/2)*(w/2)+x] = avg2(a[3], b[3])
			}
		}
	case picimage.GRAY8:
		for i, v := range src[:n] {
			Y[i] = grayToY(v)
		}
		for i := range cn {
			U[i], V[i] = 128, 128
		}
	case picimage.BGR24, picimage.RGB24:
		bgr := f.Format == picimage.BGR24
		for y := 0; y < h; y += 2 {
			for x := 0; x < w; x += 2 {
				var rs, gs, bs [4]byte
				for k, off := range [4]int{y*w + x, y*w + x + 1, (y+1)*w + x, (y+1)*w + x + 1} {
					r, g, b := rgbAt(src[3*off:3*off+3], bgr)
					Y[off] = rgbToY(int32(r), int32(g), int32(b))
					rs[k], gs[k], bs[k] = r, g, b
				}
				r, g, b := avg4(rs[0], rs[1], rs[2], rs[3]), avg4(gs[0], gs[1], gs[2], gs[3]), avg4(bs[0], bs[1], bs[2], bs[3])
				U[(y/2)*(w/2)+x/2] = rgbToCb(r, g, b)
				V[(y/2)*(w/2)+x/2] = rgbToCr(r, g, b)
			}
		}
	default:
		return nil, fmt.Errorf("cannot convert %s to I420", f.Format)
	}
	return dst, nil
}
