package codec

import (
	"testing"
	"time"

	picimage "github.com/picam-project/picam/image"
)

// benchJPEG encodes a fixed frame over and over and reports frames per
// second next to ns/op, which is the number the design's targets use.
func benchJPEG(b *testing.B, f picimage.Frame, quality int) {
	e, err := NewJPEG(quality)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	var size int
	b.ReportAllocs()
	for b.Loop() {
		p, err := e.Encode(f)
		if err != nil {
			b.Fatal(err)
		}
		size = len(p.Data)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fps")
	b.ReportMetric(float64(size), "B/frame")
}

func patternFrame(b *testing.B, w, h int) picimage.Frame {
	p, err := picimage.NewTestPattern(w, h)
	if err != nil {
		b.Fatal(err)
	}
	return picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: p.Render(nil, 12345, time.Now())}
}

func textureFrame(w, h int) picimage.Frame {
	return picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: texture(w, h, 1)}
}

// The test pattern is mostly flat colour and compresses easily; the texture
// (smooth shapes plus sensor-like noise) is closer to a camera picture.

func BenchmarkJPEG640x480(b *testing.B) {
	benchJPEG(b, patternFrame(b, 640, 480), DefaultJPEGQuality)
}

func BenchmarkJPEG1280x720(b *testing.B) {
	benchJPEG(b, patternFrame(b, 1280, 720), DefaultJPEGQuality)
}

func BenchmarkJPEG640x480Texture(b *testing.B) {
	benchJPEG(b, textureFrame(640, 480), DefaultJPEGQuality)
}

func BenchmarkJPEG1280x720Texture(b *testing.B) {
	benchJPEG(b, textureFrame(1280, 720), DefaultJPEGQuality)
}

func BenchmarkJPEG640x480Q75(b *testing.B) {
	benchJPEG(b, patternFrame(b, 640, 480), 75)
}

func BenchmarkJPEG640x480FromYUYV(b *testing.B) {
	yuyv, _, _ := yuvFromBGR(patternFrame(b, 640, 480).Data, 640, 480)
	benchJPEG(b, picimage.Frame{Width: 640, Height: 480, Format: picimage.YUYV, Data: yuyv}, DefaultJPEGQuality)
}

func BenchmarkBGRToYCbCr640x480(b *testing.B) {
	f := patternFrame(b, 640, 480)
	img := newYCbCr420(640, 480)
	b.SetBytes(int64(len(f.Data)))
	for b.Loop() {
		bgrToYCbCr420(img, f.Data)
	}
}

func BenchmarkYUYVToYCbCr640x480(b *testing.B) {
	yuyv, _, _ := yuvFromBGR(patternFrame(b, 640, 480).Data, 640, 480)
	img := newYCbCr420(640, 480)
	l := newRangeLUT()
	b.SetBytes(int64(len(yuyv)))
	for b.Loop() {
		l.yuyvToYCbCr420(img, yuyv)
	}
}

func BenchmarkRawFromYUYV640x480(b *testing.B) {
	yuyv, _, _ := yuvFromBGR(patternFrame(b, 640, 480).Data, 640, 480)
	f := picimage.Frame{Width: 640, Height: 480, Format: picimage.YUYV, Data: yuyv}
	e := NewRaw()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Encode(f); err != nil {
			b.Fatal(err)
		}
	}
}
