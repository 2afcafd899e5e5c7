package camera

import (
	"bytes"
	"os"
	"testing"
	"time"

	picimage "github.com/picam-project/picam/image"
)

// BenchmarkTightYUYV720pPadded measures repacking a 1280x720 YUYV frame
// whose driver pads every row by 64 bytes (the cost a padded camera adds
// per frame on top of hw/v4l2's copy out of the mapped buffer).
func BenchmarkTightYUYV720pPadded(b *testing.B) {
	l := layout{format: picimage.YUYV, width: 1280, height: 720, stride: 1280*2 + 64}
	data := make([]byte, l.stride*720)
	b.SetBytes(1280 * 2 * 720)
	for b.Loop() {
		if _, err := l.tight(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTightI420720pPadded is the same for planar 4:2:0 with the
// legacy camera's 32-pixel alignment (1280 is aligned, so 1296 is used).
func BenchmarkTightI420720pPadded(b *testing.B) {
	l := layout{format: picimage.I420, width: 1296, height: 720, stride: 1312}
	data := make([]byte, 1312*720*3/2)
	b.SetBytes(1296 * 720 * 3 / 2)
	for b.Loop() {
		if _, err := l.tight(data); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSplitter(b *testing.B, file string, mk func() splitter) {
	one, err := os.ReadFile("testdata/" + file)
	if err != nil {
		b.Fatal(err)
	}
	stream := bytes.Repeat(one, (1<<20)/len(one)+1) // about 1 MiB
	b.SetBytes(int64(len(stream)))
	now := time.Now()
	for b.Loop() {
		sp := mk()
		n := 0
		emit := func([]byte, time.Time) { n++ }
		for i := 0; i < len(stream); i += 64 << 10 {
			if err := sp.write(stream[i:min(i+64<<10, len(stream))], now, emit); err != nil {
				b.Fatal(err)
			}
		}
		sp.end(emit)
		if n == 0 {
			b.Fatal("no frames")
		}
	}
}

// BenchmarkJPEGSplitter measures cutting rpicam-vid's MJPEG stdout into
// images, in 64 KiB reads.
func BenchmarkJPEGSplitter(b *testing.B) {
	benchSplitter(b, "stream.mjpeg", func() splitter { return &jpegSplitter{} })
}

// BenchmarkAnnexBSplitter measures cutting rpicam-vid's H.264 stdout into
// access units, in 64 KiB reads.
func BenchmarkAnnexBSplitter(b *testing.B) {
	benchSplitter(b, "stream.h264", func() splitter { return &annexBSplitter{} })
}
