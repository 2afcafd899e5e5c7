package main

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

func TestTuneMemory(t *testing.T) {
	defer debug.SetMemoryLimit(math.MaxInt64)
	if v, set := os.LookupEnv("GOMEMLIMIT"); set {
		defer os.Setenv("GOMEMLIMIT", v)
	} else {
		defer os.Unsetenv("GOMEMLIMIT")
	}
	os.Unsetenv("GOMEMLIMIT")
	debug.SetMemoryLimit(math.MaxInt64)
	tuneMemory()
	if got := currentMemoryLimit(); got != memoryLimit || memoryLimit != 256<<20 {
		t.Errorf("without GOMEMLIMIT: limit %d, want %d (256 MiB)", got, memoryLimit)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	tuneMemory()
	if got := currentMemoryLimit(); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT=1GiB: limit %d, want the user's", got)
	}
}
