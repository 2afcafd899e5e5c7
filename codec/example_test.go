package codec_test

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"time"

	"github.com/picam-project/picam/codec"
	picimage "github.com/picam-project/picam/image"
)

// One frame in, one packet out; the packet decodes as an ordinary JPEG.
func ExampleNewJPEG() {
	enc, err := codec.NewJPEG(codec.DefaultJPEGQuality)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer enc.Close()
	pattern, err := picimage.NewTestPattern(320, 240)
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Now()
	frame := picimage.Frame{
		Width: 320, Height: 240, Format: picimage.BGR24,
		Data: pattern.Render(nil, 7, now), Seq: 7, Captured: now, Keyframe: true,
	}
	pkt, err := enc.Encode(frame)
	if err != nil {
		fmt.Println(err)
		return
	}
	img, err := jpeg.Decode(bytes.NewReader(pkt.Data))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pkt.Codec, pkt.Seq, pkt.Keyframe, img.Bounds().Dx(), img.Bounds().Dy())
	// Output: jpeg 7 true 320 240
}
