//go:build !(turbojpeg && cgo)

package codec

import (
	"errors"
	"testing"

	"github.com/picam-project/picam/codec/turbojpeg"
)

func TestTurboJPEGUnavailable(t *testing.T) {
	if TurboJPEGAvailable() {
		t.Fatal("available without the turbojpeg tag")
	}
	if _, err := NewTurboJPEG(90); !errors.Is(err, turbojpeg.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}
