//go:build !(openh264 && cgo)

package codec

import (
	"errors"
	"testing"

	"github.com/picam-project/picam/codec/openh264"
)

func TestSoftwareH264Unavailable(t *testing.T) {
	if SoftwareH264Available() {
		t.Fatal("available without the openh264 tag")
	}
	if _, err := NewSoftwareH264(SoftwareH264Config{}); !errors.Is(err, openh264.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}
