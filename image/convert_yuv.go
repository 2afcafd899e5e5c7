package picimage

// YUV → BGR24 conversion, table driven (SIMD on amd64 and arm64) and split
// across cores.
//
// The arithmetic is exactly that of the fixed-point formula above (kY ...
// kBU, +128 rounding, >>8, saturate): for every pixel and channel the result
// is clamp8((kY*(Y-16) + chroma term) >> 8), byte for byte what the original
// one-loop code produced (FuzzConvertMatchesOracle keeps that code as the
// oracle). Only the way it is computed differs:
//
//   - The three channels are computed at once in one uint64 with three 21-bit
//     lanes (B at bit 0, G at bit 21, R at bit 42). yLanes[Y], uLanes[U] and
//     vLanes[V] hold each input's contribution to every lane, biased so that
//     each table entry and every sum stays non-negative and below 2^19: no
//     lane ever borrows from or carries into its neighbour. A pixel is then
//     two additions (chroma once per pair of pixels) instead of five
//     multiplications and eight additions.
//   - The biases add up to 2^17 in every lane, a multiple of 256, so
//     lane>>8 is the original (sum>>8) + 512, and saturation is a lookup in
//     clampTable (1024 entries), with no branches to mispredict.
//   - 4:2:0 formats convert two rows per pass, so each chroma sample is
//     looked up once for the four pixels it covers.
//   - On amd64 CPUs with SSSE3 and on arm64 each row's leading multiple of
//     eight pixels goes to an assembly kernel (convert_amd64.s,
//     convert_arm64.s) computing the same formula with 16-bit products and
//     exact 32-bit sums, with the same result; the Go code converts the rest
//     of the row, and everything on other architectures (build tag purego:
//     everywhere).
//   - A Converter splits frames of at least minBandPixels*2 pixels into
//     horizontal bands converted in parallel by its pool of goroutines
//     (convert_pool.go); ToBGR converts on the calling goroutine.
const (
	laneBias  = 1 << 17 // the sum of the biases in each lane
	yBias     = 8192    // makes kY*(Y-16) >= 0 for Y >= 0
	guBias    = 40960   // makes -kGU*(U-128) >= 0
	chromaSum = laneBias - yBias
	laneG     = 21
	laneR     = 42
	clampBase = laneBias >> 8 // lane>>8 minus this is the original sum>>8
)

var (
	yLanes, uLanes, vLanes [256]uint64
	// clampTable[i] is the original result clamp8(i - clampBase); indexes
	// are masked with len-1, so the compiler drops the bounds checks.
	clampTable [2048]byte
)

func init() {
	for i := range 256 {
		c := uint64(kY*(int32(i)-16) + yBias)
		yLanes[i] = c | c<<laneG | c<<laneR
		e := int32(i) - 128
		ub := uint64(kBU*e + 128 + chromaSum)
		ug := uint64(-kGU*e + guBias)
		uLanes[i] = ub | ug<<laneG
		vg := uint64(-kGV*e + 128 + chromaSum - guBias)
		vr := uint64(kRV*e + 128 + chromaSum)
		vLanes[i] = vg<<laneG | vr<<laneR
	}
	for i := range clampTable {
		clampTable[i] = clamp8(int32(i - clampBase))
	}
}

// putPixel writes the BGR pixel held in the lanes of w to d[0:3].
func putPixel(d []byte, w uint64) {
	d = d[:3:3]
	d[0] = clampTable[(w>>8)&2047]
	d[1] = clampTable[(w>>(laneG+8))&2047]
	d[2] = clampTable[(w>>(laneR+8))&2047]
}

// yuyvRows converts rows [y0, y1) of a YUYV frame w pixels wide.
func yuyvRows(dst, src []byte, w, y0, y1 int) {
	yuyvPairs(dst[3*w*y0:3*w*y1], src[2*w*y0:2*w*y1])
}

// yuyvPairs converts the Y U Y V groups of src.
func yuyvPairs(dst, src []byte) {
	for len(src) >= 4 && len(dst) >= 6 {
		s := src[:4:4]
		c := uLanes[s[1]] + vLanes[s[3]]
		putPixel(dst[0:3], yLanes[s[0]]+c)
		putPixel(dst[3:6], yLanes[s[2]]+c)
		src, dst = src[4:], dst[6:]
	}
}

// yuv420Rows converts rows [y0, y1) (y0 and y1 even) of a 4:2:0 frame w
// pixels wide whose chroma sample for block (x/2, y/2) is
// u[(y/2)*cstride + (x/2)*cstep] (v likewise): I420 has cstep 1 and
// cstride w/2 on separate planes, NV12 cstep 2 and cstride w on one
// interleaved plane.
func yuv420Rows(dst, yPlane, u, v []byte, w, cstep, cstride, y0, y1 int) {
	for y := y0; y < y1; y += 2 {
		r0 := yPlane[y*w : (y+1)*w]
		r1 := yPlane[(y+1)*w : (y+2)*w]
		d0 := dst[3*y*w : 3*(y+1)*w]
		d1 := dst[3*(y+1)*w : 3*(y+2)*w]
		cu := u[(y/2)*cstride:]
		cv := v[(y/2)*cstride:]
		for x := 0; x+1 < len(r0) && x+1 < len(r1); x += 2 {
			i := (x / 2) * cstep
			c := uLanes[cu[i]] + vLanes[cv[i]]
			o0 := d0[3*x : 3*x+6 : 3*x+6]
			o1 := d1[3*x : 3*x+6 : 3*x+6]
			putPixel(o0[0:3], yLanes[r0[x]]+c)
			putPixel(o0[3:6], yLanes[r0[x+1]]+c)
			putPixel(o1[0:3], yLanes[r1[x]]+c)
			putPixel(o1[3:6], yLanes[r1[x+1]]+c)
		}
	}
}

// simdEnabled says convertBand uses the architecture's SIMD kernels
// (convert_amd64.s) where it has them; tests turn it off to check the Go
// code on its own.
var simdEnabled = haveSIMD

// convertBand converts rows [y0, y1) of a validated YUV frame.
func convertBand(dst, src []byte, f PixelFormat, w, h, y0, y1 int) {
	if simdEnabled {
		convertBandSIMD(dst, src, f, w, h, y0, y1)
		return
	}
	switch f {
	case YUYV:
		yuyvRows(dst, src, w, y0, y1)
	case NV12:
		yPlane, uv := src[:w*h], src[w*h:]
		yuv420Rows(dst, yPlane, uv, uv[1:], w, 2, w, y0, y1)
	case I420:
		yPlane, u, v := i420Planes(src, w, h)
		yuv420Rows(dst, yPlane, u, v, w, 1, w/2, y0, y1)
	}
}

// i420Planes returns the Y, U and V planes of a w x h I420 frame.
func i420Planes(src []byte, w, h int) (y, u, v []byte) {
	cw, ch := w/2, h/2
	return src[:w*h], src[w*h : w*h+cw*ch], src[w*h+cw*ch : w*h+2*cw*ch]
}

// convertBandSIMD is convertBand with the SIMD kernels: each row's leading
// multiple of eight pixels goes to the kernel, the rest (at most six pixels)
// to the Go code.
func convertBandSIMD(dst, src []byte, f PixelFormat, w, h, y0, y1 int) {
	if f == YUYV {
		for y := y0; y < y1; y++ {
			s := src[2*w*y : 2*w*(y+1)]
			d := dst[3*w*y : 3*w*(y+1)]
			n := yuyvRowSIMD(d, s)
			yuyvPairs(d[3*n:], s[2*n:])
		}
		return
	}
	var yPlane, u, v []byte
	cstep, cstride := 1, w/2
	if f == NV12 {
		yPlane, u = src[:w*h], src[w*h:]
		v = u[1:]
		cstep, cstride = 2, w
	} else {
		yPlane, u, v = i420Planes(src, w, h)
	}
	for y := y0; y < y1; y++ {
		c := (y / 2) * cstride
		r := yPlane[y*w : (y+1)*w]
		d := dst[3*w*y : 3*w*(y+1)]
		cu, cv := u[c:c+cstride], v[c:min(c+cstride, len(v))]
		if n := yuv420RowSIMD(d, r, cu, cv, cstep); n < w {
			yuv420Row(d[3*n:], r[n:], cu[n/2*cstep:], cv[n/2*cstep:], cstep)
		}
	}
}

// yuv420Row converts one 4:2:0 row of Y bytes y whose chroma sample for
// pixels 2i and 2i+1 is u[i*cstep], v[i*cstep].
func yuv420Row(dst, y, u, v []byte, cstep int) {
	for i := 0; 2*i+1 < len(y); i++ {
		c := uLanes[u[i*cstep]] + vLanes[v[i*cstep]]
		putPixel(dst[6*i:6*i+3], yLanes[y[2*i]]+c)
		putPixel(dst[6*i+3:6*i+6], yLanes[y[2*i+1]]+c)
	}
}

// band returns the rows [y0, y1) of band i of n of an h-row frame. Bands
// start on even rows (a 4:2:0 chroma row covers two luma rows) and are empty
// when there are more bands than row pairs.
func band(h, n, i int) (y0, y1 int) {
	pairs := h / 2
	y0, y1 = 2*(pairs*i/n), 2*(pairs*(i+1)/n)
	if i == n-1 {
		y1 = h
	}
	return y0, y1
}
