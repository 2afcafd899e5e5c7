//go:build openh264 && cgo

package codec

import (
	"testing"
)

// OpenH264 on one thread, camera-like moving content, an IDR every 30
// frames, at the bitrates picam defaults to (0.1 bit per pixel per frame).
func benchOpenH264(b *testing.B, w, h int) {
	e, err := NewSoftwareH264(SoftwareH264Config{FPS: 30, IFramePeriod: 30, Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	benchEncoder(b, e, movingTexture(w, h, 30))
}

func BenchmarkOpenH264640x480(b *testing.B)  { benchOpenH264(b, 640, 480) }
func BenchmarkOpenH2641280x720(b *testing.B) { benchOpenH264(b, 1280, 720) }
