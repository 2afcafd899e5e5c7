//go:build !(turbojpeg && cgo)

package turbojpeg

import (
	"errors"
	"testing"
)

func TestUnavailable(t *testing.T) {
	if Available() {
		t.Fatal("available without the tag")
	}
	if _, err := NewCompressor(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v", err)
	}
}
