//go:build !linux

package camera

import "time"

// monotonicNow returns 0: there is no V4L2 (and so no buffer timestamps)
// off Linux.
func monotonicNow() time.Duration { return 0 }
