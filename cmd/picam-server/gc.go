package main

import (
	"os"
	"runtime/debug"
)

// frameGCPercent is picam-server's garbage collector target (GOGC) unless the GOGC
// environment variable sets one. Every raw frame is a large, short-lived allocation (a 640x480
// camera frame and its BGR24 conversion: 1.4 MB) while the live heap stays at a few MB, so
// with Go's default of 100 the collector ran every two or three frames; each cycle zeroes and
// returns pages and interrupts the conversion's loops. Profiled with the moving test pattern
// (make bench, moving 640x480, p2, 4 clients) this was about a third of the server's CPU. 400
// lets the heap grow to about five times the live data (some tens of MB at most) before a
// collection.
const frameGCPercent = 400

// tuneGC applies frameGCPercent unless the user chose a GOGC.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(frameGCPercent)
	}
}
