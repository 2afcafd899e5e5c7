//go:build !purego

package picimage

// haveSIMD: every arm64 CPU has Advanced SIMD (NEON), which the kernels of
// convert_arm64.s use.
var haveSIMD = true
