package picimage

import "bytes"

// BGR24 → YUV, for the test pattern posing as a camera that delivers YUV
// (TestSource in YUYV, NV12 or I420). BT.601 limited range in 8.8 fixed
// point, the inverse of ToBGR's formulas; chroma is the average of the two
// (4:2:2) or four (4:2:0) pixels it covers.

func bgrY(r, g, b int32) byte  { return byte((66*r + 129*g + 25*b + 128 + 16<<8) >> 8) }
func bgrCb(r, g, b int32) byte { return byte((-38*r - 74*g + 112*b + 128 + 128<<8) >> 8) }
func bgrCr(r, g, b int32) byte { return byte((112*r - 94*g - 18*b + 128 + 128<<8) >> 8) }

// fromBGR converts a tightly packed w x h BGR24 picture to f (YUYV, NV12 or
// I420; width even, and height even for the 4:2:0 formats) in dst, which
// must hold f.FrameSize(w, h) bytes. A pair of rows equal to the pair above
// it (the test pattern's bars and ramp repeat row after row) is copied from
// the output already made instead of converted again, so a test pattern
// frame costs little more than copying it.
func fromBGR(dst, bgr []byte, w, h int, f PixelFormat) {
	stride := 3 * w
	for y := 0; y < h; y += 2 {
		rows := min(2, h-y)
		cur := bgr[y*stride : (y+rows)*stride]
		if y >= 2 && rows == 2 && bytes.Equal(cur, bgr[(y-2)*stride:y*stride]) {
			copyRowPair(dst, f, w, h, y)
			continue
		}
		for k := range rows {
			row := bgr[(y+k)*stride : (y+k+1)*stride]
			switch f {
			case YUYV:
				d := dst[2*w*(y+k) : 2*w*(y+k+1)]
				for x := 0; x < w; x += 2 {
					p := row[3*x : 3*x+6 : 3*x+6]
					b0, g0, r0 := int32(p[0]), int32(p[1]), int32(p[2])
					b1, g1, r1 := int32(p[3]), int32(p[4]), int32(p[5])
					r, g, b := (r0+r1+1)>>1, (g0+g1+1)>>1, (b0+b1+1)>>1
					o := d[2*x : 2*x+4 : 2*x+4]
					o[0], o[1], o[2], o[3] = bgrY(r0, g0, b0), bgrCb(r, g, b), bgrY(r1, g1, b1), bgrCr(r, g, b)
				}
			default:
				d := dst[w*(y+k) : w*(y+k+1)]
				for x := range w {
					p := row[3*x : 3*x+3 : 3*x+3]
					d[x] = bgrY(int32(p[2]), int32(p[1]), int32(p[0]))
				}
			}
		}
		if f == YUYV {
			continue
		}
		// 4:2:0 chroma for row pair y, y+1.
		r0, r1 := bgr[y*stride:(y+1)*stride], bgr[(y+1)*stride:(y+2)*stride]
		for x := 0; x < w; x += 2 {
			a, c := r0[3*x:3*x+6:3*x+6], r1[3*x:3*x+6:3*x+6]
			b := (int32(a[0]) + int32(a[3]) + int32(c[0]) + int32(c[3]) + 2) >> 2
			g := (int32(a[1]) + int32(a[4]) + int32(c[1]) + int32(c[4]) + 2) >> 2
			r := (int32(a[2]) + int32(a[5]) + int32(c[2]) + int32(c[5]) + 2) >> 2
			cb, cr := bgrCb(r, g, b), bgrCr(r, g, b)
			if f == NV12 {
				uv := dst[w*h+(y/2)*w+x:]
				uv[0], uv[1] = cb, cr
			} else {
				dst[w*h+(y/2)*(w/2)+x/2] = cb
				dst[w*h+(w/2)*(h/2)+(y/2)*(w/2)+x/2] = cr
			}
		}
	}
}

// copyRowPair repeats the converted rows y-2, y-1 (and their chroma) as
// rows y, y+1.
func copyRowPair(dst []byte, f PixelFormat, w, h, y int) {
	switch f {
	case YUYV:
		copy(dst[2*w*y:2*w*(y+2)], dst[2*w*(y-2):2*w*y])
		return
	}
	copy(dst[w*y:w*(y+2)], dst[w*(y-2):w*y])
	c := y / 2
	if f == NV12 {
		uv := dst[w*h:]
		copy(uv[c*w:(c+1)*w], uv[(c-1)*w:c*w])
		return
	}
	cw, cn := w/2, (w/2)*(h/2)
	u, v := dst[w*h:w*h+cn], dst[w*h+cn:w*h+2*cn]
	copy(u[c*cw:(c+1)*cw], u[(c-1)*cw:c*cw])
	copy(v[c*cw:(c+1)*cw], v[(c-1)*cw:c*cw])
}
