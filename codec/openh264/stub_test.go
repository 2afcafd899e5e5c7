//go:build !(openh264 && cgo)

package openh264

import (
	"errors"
	"testing"
)

func TestUnavailable(t *testing.T) {
	if Available() {
		t.Fatal("available without the tag")
	}
	if _, err := NewEncoder(Config{Width: 64, Height: 64}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("encoder err = %v", err)
	}
	if _, err := NewDecoder(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("decoder err = %v", err)
	}
}
