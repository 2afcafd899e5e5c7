package codec

import (
	"bytes"
	"image/jpeg"
	"runtime"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/testkit"
)

// benchJPEG encodes a fixed frame over and over and reports frames per
// second next to ns/op, which is the number the design's targets use.
func benchJPEG(b *testing.B, f picimage.Frame, quality int) {
	e, err := NewJPEG(quality)
	if err != nil {
		b.Fatal(err)
	}
	benchEncoder(b, e, []picimage.Frame{f})
}

// benchEncoder encodes the frames round and round on one goroutine and
// reports throughput (fps: frames per wall-clock second), latency
// (ms/frame: Encode is synchronous, so the time from frame in to packet
// out), the average packet size, and fps/cpu: frames per second of CPU
// time the process used, which is the speed of one core even on a busy
// machine (for an encoder that uses several cores it is the speed per
// core; garbage collection is included).
func benchEncoder(b *testing.B, e Encoder, frames []picimage.Frame) {
	defer e.Close()
	var bytes, n int
	var cpu0 time.Duration
	b.ReportAllocs()
	for b.Loop() {
		if n == 0 {
			cpu0 = testkit.CPUTime()
		}
		f := frames[n%len(frames)]
		f.Seq = uint64(n)
		p, err := e.Encode(f)
		if err != nil {
			b.Fatal(err)
		}
		bytes += len(p.Data)
		n++
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/sec, "fps")
	b.ReportMetric(1000*sec/float64(b.N), "ms/frame")
	b.ReportMetric(float64(bytes)/float64(n), "B/frame")
	if cpu := (testkit.CPUTime() - cpu0).Seconds(); cpu > 0 && cpu0 > 0 {
		b.ReportMetric(float64(n)/cpu, "fps/cpu")
	}
}

// stdlibJPEG is the encoder NewJPEG used before picam had its own: the
// same conversion, then image/jpeg. Kept as the yardstick.
type stdlibJPEG struct{ jpegEncoder }

func (e *stdlibJPEG) Encode(f picimage.Frame) (av.Packet, error) {
	if err := e.fill(f); err != nil {
		return av.Packet{}, err
	}
	var buf bytes.Buffer
	buf.Grow(f.Width * f.Height / 4)
	if err := jpeg.Encode(&buf, e.img, &jpeg.Options{Quality: e.quality}); err != nil {
		return av.Packet{}, err
	}
	return packetFor(av.JPEG, f, buf.Bytes()), nil
}

func BenchmarkJPEGStdlib640x480(b *testing.B) {
	benchEncoder(b, &stdlibJPEG{jpegEncoder{quality: DefaultJPEGQuality}}, []picimage.Frame{patternFrame(b, 640, 480)})
}

func BenchmarkJPEGStdlib640x480Texture(b *testing.B) {
	benchEncoder(b, &stdlibJPEG{jpegEncoder{quality: DefaultJPEGQuality}}, []picimage.Frame{textureFrame(640, 480)})
}

func BenchmarkJPEGStdlib1280x720(b *testing.B) {
	benchEncoder(b, &stdlibJPEG{jpegEncoder{quality: DefaultJPEGQuality}}, []picimage.Frame{patternFrame(b, 1280, 720)})
}

func BenchmarkJPEGStdlib1280x720Texture(b *testing.B) {
	benchEncoder(b, &stdlibJPEG{jpegEncoder{quality: DefaultJPEGQuality}}, []picimage.Frame{textureFrame(1280, 720)})
}

// Striped encoding on every core of this machine (GOMAXPROCS workers).
func BenchmarkJPEG1280x720TextureAllCores(b *testing.B) {
	e, err := NewJPEGWith(JPEGConfig{Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		b.Fatal(err)
	}
	benchEncoder(b, e, []picimage.Frame{textureFrame(1280, 720)})
}

func BenchmarkJPEG640x480TextureAllCores(b *testing.B) {
	e, err := NewJPEGWith(JPEGConfig{Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		b.Fatal(err)
	}
	benchEncoder(b, e, []picimage.Frame{textureFrame(640, 480)})
}

func patternFrame(b testing.TB, w, h int) picimage.Frame {
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
