//go:build !unix

package testkit

import "time"

// CPUTime is the CPU time this process has used; 0: not measured on this system.
func CPUTime() time.Duration { return 0 }
