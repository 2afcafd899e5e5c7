package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/picam-project/picam/hw/status"
)

// The state file the SD card's trial-boot check reads: one word, replaced whole.
func TestWriteStateFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state")
	for _, st := range []status.State{status.Waiting, status.Streaming} {
		if err := writeStateFile(p, st); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil || string(b) != st.String()+"\n" {
			t.Fatalf("state file %q, %v; want %q", b, err, st.String()+"\n")
		}
	}
	if _, err := os.Stat(p + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("the temporary file was left: %v", err)
	}
}
