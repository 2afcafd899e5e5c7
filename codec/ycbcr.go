package codec

import (
	"image"
	"math"
)

// This file fills a 4:2:0 *image.YCbCr from each raw frame format with
// integer maths. image/jpeg encodes an *image.YCbCr by copying samples, and
// it always writes 4:2:0, so handing it a 4:2:0 picture does the colour
// conversion and the chroma averaging once, here, instead of per pixel
// through the slower generic image.Image path.
//
// JPEG (JFIF) uses full-range BT.601 YCbCr; camera YUV is limited range, so
// YUV input goes through rangeLUT.

// JFIF RGB to YCbCr in 16.16 fixed point, the coefficients of
// color.RGBToYCbCr, so a flat colour encodes exactly as the standard library
// would encode it.
const (
	yR, yG, yB    = 19595, 38470, 7471
	cbR, cbG, cbB = -11056, -21712, 32768
	crR, crG, crB = 32768, -27440, -5328
)

// luma is one pixel's JFIF Y; it cannot exceed 255, so needs no clamping.
func luma(r, g, b byte) byte {
	return byte((yR*int32(r) + yG*int32(g) + yB*int32(b) + 1<<15) >> 16)
}

// chroma4 turns the sums of four pixels' R, G and B into Cb and Cr. The
// coefficients of each row add up to zero, so the result is never negative;
// it reaches 256 only for pure blue or red, hence the min.
func chroma4(rs, gs, bs int32) (cb, cr byte) {
	const bias = 257 << 17 // 128.5 in 16.16, times four pixels
	cb = byte(min((cbR*rs+cbG*gs+cbB*bs+bias)>>18, 255))
	cr = byte(min((crR*rs+crG*gs+crB*bs+bias)>>18, 255))
	return cb, cr
}

// newYCbCr420 allocates the picture an encoder reuses between frames.
func newYCbCr420(w, h int) *image.YCbCr {
	return image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
}

// bgrToYCbCr420 converts tightly packed BGR24 of img's size. Odd widths and
// heights repeat the last column or row into the chroma average.
func bgrToYCbCr420(img *image.YCbCr, src []byte) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	ys, cs := img.YStride, img.CStride
	for cy := 0; cy < (h+1)/2; cy++ {
		y0 := 2 * cy
		y1 := min(y0+1, h-1)
		s0 := src[3*y0*w : 3*(y0+1)*w]
		s1 := src[3*y1*w : 3*(y1+1)*w]
		l0 := img.Y[y0*ys : y0*ys+w]
		l1 := img.Y[y1*ys : y1*ys+w]
		cb := img.Cb[cy*cs : cy*cs+(w+1)/2]
		cr := img.Cr[cy*cs : cy*cs+(w+1)/2]
		for x := 0; x < w/2; x++ {
			a := s0[6*x : 6*x+6 : 6*x+6]
			b := s1[6*x : 6*x+6 : 6*x+6]
			l0[2*x] = luma(a[2], a[1], a[0])
			l0[2*x+1] = luma(a[5], a[4], a[3])
			l1[2*x] = luma(b[2], b[1], b[0])
			l1[2*x+1] = luma(b[5], b[4], b[3])
			cb[x], cr[x] = chroma4(
				int32(a[2])+int32(a[5])+int32(b[2])+int32(b[5]),
				int32(a[1])+int32(a[4])+int32(b[1])+int32(b[4]),
				int32(a[0])+int32(a[3])+int32(b[0])+int32(b[3]))
		}
		if w%2 == 1 {
			x := w - 1
			a := s0[3*x : 3*x+3]
			b := s1[3*x : 3*x+3]
			l0[x] = luma(a[2], a[1], a[0])
			l1[x] = luma(b[2], b[1], b[0])
			cb[x/2], cr[x/2] = chroma4(
				2*(int32(a[2])+int32(b[2])),
				2*(int32(a[1])+int32(b[1])),
				2*(int32(a[0])+int32(b[0])))
		}
	}
}

// grayToYCbCr420 copies full-range luma and sets neutral chroma. The output
// stays a three-component JPEG so that every client decodes every packet the
// same way.
func grayToYCbCr420(img *image.YCbCr, src []byte) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		copy(img.Y[y*img.YStride:y*img.YStride+w], src[y*w:(y+1)*w])
	}
	for i := range img.Cb {
		img.Cb[i] = 128
		img.Cr[i] = 128
	}
}

// rangeLUT expands BT.601 limited-range samples (Y 16..235, C 16..240) to
// the full range JPEG uses, clamping footroom and headroom.
type rangeLUT struct {
	y, c [256]byte
}

func newRangeLUT() *rangeLUT {
	l := &rangeLUT{}
	for i := range 256 {
		y := math.Round(float64(i-16) * 255 / 219)
		c := math.Round(float64(i-128)*255/224) + 128
		l.y[i] = byte(max(0, min(255, y)))
		l.c[i] = byte(max(0, min(255, c)))
	}
	return l
}

// i420ToYCbCr420 maps each plane through the LUT; the layouts match. The
// caller has checked that width and height are even.
func (l *rangeLUT) i420ToYCbCr420(img *image.YCbCr, src []byte) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	n, cn := w*h, (w/2)*(h/2)
	for i, v := range src[:n] {
		img.Y[i] = l.y[v]
	}
	cb, cr := img.Cb[:cn], img.Cr[:cn]
	for i, v := range src[n : n+cn] {
		cb[i] = l.c[v]
	}
	for i, v := range src[n+cn : n+2*cn] {
		cr[i] = l.c[v]
	}
}

// nv12ToYCbCr420 maps Y through the LUT and de-interleaves U, V.
func (l *rangeLUT) nv12ToYCbCr420(img *image.YCbCr, src []byte) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	n, cn := w*h, (w/2)*(h/2)
	for i, v := range src[:n] {
		img.Y[i] = l.y[v]
	}
	uv := src[n : n+2*cn]
	cb, cr := img.Cb[:cn], img.Cr[:cn]
	for i := range cb {
		p := uv[2*i : 2*i+2 : 2*i+2]
		cb[i] = l.c[p[0]]
		cr[i] = l.c[p[1]]
	}
}

// yuyvToYCbCr420 unpacks 4:2:2 and averages each chroma pair of rows. YUYV
// needs an even width but not an even height; an odd last row is its own
// pair.
func (l *rangeLUT) yuyvToYCbCr420(img *image.YCbCr, src []byte) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	cw := w / 2
	for cy := 0; cy < (h+1)/2; cy++ {
		y0 := 2 * cy
		y1 := min(y0+1, h-1)
		r0 := src[2*w*y0 : 2*w*(y0+1)]
		r1 := src[2*w*y1 : 2*w*(y1+1)]
		l0 := img.Y[y0*img.YStride : y0*img.YStride+w]
		l1 := img.Y[y1*img.YStride : y1*img.YStride+w]
		cb := img.Cb[cy*img.CStride : cy*img.CStride+cw]
		cr := img.Cr[cy*img.CStride : cy*img.CStride+cw]
		for x := 0; x < cw; x++ {
			a := r0[4*x : 4*x+4 : 4*x+4]
			b := r1[4*x : 4*x+4 : 4*x+4]
			l0[2*x], l0[2*x+1] = l.y[a[0]], l.y[a[2]]
			l1[2*x], l1[2*x+1] = l.y[b[0]], l.y[b[2]]
			cb[x] = l.c[(int(a[1])+int(b[1])+1)>>1]
			cr[x] = l.c[(int(a[3])+int(b[3])+1)>>1]
		}
	}
}
