//go:build turbojpeg && cgo

package codec

import (
	"testing"

	picimage "github.com/picam-project/picam/image"
)

func benchTurbo(b *testing.B, f picimage.Frame) {
	e, err := NewTurboJPEG(DefaultJPEGQuality)
	if err != nil {
		b.Fatal(err)
	}
	benchEncoder(b, e, []picimage.Frame{f})
}

func BenchmarkTurboJPEG640x480(b *testing.B)  { benchTurbo(b, patternFrame(b, 640, 480)) }
func BenchmarkTurboJPEG1280x720(b *testing.B) { benchTurbo(b, patternFrame(b, 1280, 720)) }
func BenchmarkTurboJPEG640x480Texture(b *testing.B) {
	benchTurbo(b, textureFrame(640, 480))
}
func BenchmarkTurboJPEG1280x720Texture(b *testing.B) {
	benchTurbo(b, textureFrame(1280, 720))
}

func BenchmarkTurboJPEG640x480FromYUYV(b *testing.B) {
	yuyv, _, _ := yuvFromBGR(patternFrame(b, 640, 480).Data, 640, 480)
	benchTurbo(b, picimage.Frame{Width: 640, Height: 480, Format: picimage.YUYV, Data: yuyv})
}
