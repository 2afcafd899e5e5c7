//go:build (amd64 || arm64) && !purego

package picimage

// The SIMD kernels of convert_amd64.s and convert_arm64.s, and the row
// wrappers convertBandSIMD calls. haveSIMD (convert_amd64.go,
// convert_arm64.go) says whether this CPU runs them.

// i420ToBGRSIMD converts n groups of eight pixels of one I420 row: 8n Y
// bytes at y, 4n U bytes at u and 4n V bytes at v, to 24n BGR bytes at dst.
//
//go:noescape
func i420ToBGRSIMD(dst, y, u, v *byte, n int)

// nv12ToBGRSIMD is i420ToBGRSIMD for an NV12 row: 8n interleaved U V bytes
// at uv.
//
//go:noescape
func nv12ToBGRSIMD(dst, y, uv *byte, n int)

// yuyvToBGRSIMD converts n groups of eight YUYV pixels (16n bytes at src) to
// 24n BGR bytes at dst.
//
//go:noescape
func yuyvToBGRSIMD(dst, src *byte, n int)

// yuyvRowSIMD converts the leading multiple of eight pixels of the YUYV row
// src into dst and returns how many pixels it converted.
func yuyvRowSIMD(dst, src []byte) int {
	n := min(len(src)/16, len(dst)/24)
	if n > 0 {
		yuyvToBGRSIMD(&dst[0], &src[0], n)
	}
	return 8 * n
}

// yuv420RowSIMD converts the leading multiple of eight pixels of the 4:2:0
// row with Y bytes y and chroma samples u[i*cstep], v[i*cstep] (cstep 1:
// I420's planes; 2: NV12's interleaved plane, v = u[1:]) into dst and
// returns how many pixels it converted.
func yuv420RowSIMD(dst, y, u, v []byte, cstep int) int {
	n := min(len(y)/8, len(dst)/24)
	if cstep == 1 {
		n = min(n, len(u)/4, len(v)/4)
		if n > 0 {
			i420ToBGRSIMD(&dst[0], &y[0], &u[0], &v[0], n)
		}
	} else {
		n = min(n, len(u)/8)
		if n > 0 {
			nv12ToBGRSIMD(&dst[0], &y[0], &u[0], n)
		}
	}
	return 8 * n
}
