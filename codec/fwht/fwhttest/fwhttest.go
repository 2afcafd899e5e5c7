// Package fwhttest gives tests the real FWHT frames kept in codec/fwht/testdata: frames 0 (an
// I-frame) and 1 (the P-frame after it) that the kernel's vicodec encoder made from picam's
// 640x480 test pattern under QEMU, so decoders and receivers are checked against the real
// encoder's output rather than a test encoder's.
package fwhttest

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Golden returns kernel frame i (0 or 1), failing the test if it cannot be read.
func Golden(t testing.TB, i int) []byte {
	t.Helper()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("fwhttest: cannot locate its own source file, and with it codec/fwht/testdata")
	}
	f, err := os.Open(filepath.Join(filepath.Dir(here), "..", "testdata", fmt.Sprintf("fwht-pattern-%d.fwht.gz", i)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
