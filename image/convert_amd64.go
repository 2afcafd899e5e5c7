//go:build !purego

package picimage

import "golang.org/x/sys/cpu"

// haveSIMD: this CPU runs the SSSE3 kernels of convert_amd64.s (every amd64
// CPU since about 2008 does; without SSSE3 the Go code converts).
var haveSIMD = cpu.X86.HasSSSE3
