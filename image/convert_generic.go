//go:build (!amd64 && !arm64) || purego

package picimage

// haveSIMD: no SIMD kernels on this architecture; the table-driven Go code
// converts everything.
var haveSIMD = false

func yuyvRowSIMD(dst, src []byte) int { return 0 }

func yuv420RowSIMD(dst, y, u, v []byte, cstep int) int { return 0 }
