package main

import (
	"os"
	"runtime/debug"

	"github.com/picam-project/picam/stream"
)

// memoryLimit is picam-client's soft memory limit (GOMEMLIMIT) unless the environment sets
// one: what servers can make it hold, stream.DefaultClientMemory of messages being read and
// stream.DefaultQueueBytes of frames waiting, plus 64 MiB for everything else. A connection
// cut mid-frame leaves its partial frame as garbage; with only Go's default target (twice the
// live heap) picam-client reached 522 MiB RSS in the 30-minute soak of issue 16, under floods
// of 60 MiB frames. At the limit the collector runs sooner instead.
const memoryLimit = stream.DefaultClientMemory + stream.DefaultQueueBytes + 64<<20

// tuneMemory applies memoryLimit unless the user chose a GOMEMLIMIT.
func tuneMemory() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// currentMemoryLimit reads the limit without changing it.
func currentMemoryLimit() int64 { return debug.SetMemoryLimit(-1) }
