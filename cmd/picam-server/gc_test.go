package main

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	if v, set := os.LookupEnv("GOGC"); set {
		defer os.Setenv("GOGC", v)
	} else {
		defer os.Unsetenv("GOGC")
	}
	os.Unsetenv("GOGC")
	tuneGC()
	if got := debug.SetGCPercent(100); got != frameGCPercent {
		t.Errorf("without GOGC: GC percent %d, want %d", got, frameGCPercent)
	}
	t.Setenv("GOGC", "100")
	tuneGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC=100: GC percent %d, want the user's 100", got)
	}
}
