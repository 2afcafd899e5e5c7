package main

import (
	"io"
	"log/slog"
	"testing"
)

// TestUnpacedSourceWaitsForDemand checks that the moving test pattern at --framerate 0 is
// marked unpaced (run then waits for a client to take a frame before capturing and converting
// the next, instead of converting frames nobody takes), and that a paced one is not.
func TestUnpacedSourceWaitsForDemand(t *testing.T) {
	for _, tc := range []struct {
		fps  string
		want bool
	}{{"0", true}, {"30", false}} {
		o, err := parseFlags([]string{"--source", "testsrc:I420", "--codec", "raw", "--resolution", "160x120",
			"--framerate", tc.fps, "--ports", "5577"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		_, pl, err := o.build(slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if pl.unpaced != tc.want {
			t.Errorf("--framerate %s: unpaced = %v, want %v", tc.fps, pl.unpaced, tc.want)
		}
		pl.close()
	}
}
