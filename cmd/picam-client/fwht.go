package main

import (
	"fmt"

	"github.com/picam-project/picam/codec/fwht"
	picimage "github.com/picam-project/picam/image"
)

// fwhtStream decodes one camera's FWHT frames (vicodec's bitstream, which picam-server sends
// with --codec fwht, the QEMU test's hardware-encoder path). Decoding proves what the encoder
// sent is a picture (the QEMU test reads the burnt-in frame counter back from it), and gives
// the frame the viewer and the recorders are handed, as JPEG. Which frames reach it is the
// camera's keyframe gate's business (packet.go).
type fwhtStream struct {
	dec fwht.Decoder
}

// decode decodes one frame.
func (s *fwhtStream) decode(payload []byte) (picimage.Frame, error) {
	pic, err := s.dec.Decode(payload)
	if err != nil {
		return picimage.Frame{}, err
	}
	return pic.Frame()
}

// lost forgets the reference picture: the frames that built it were not all seen.
func (s *fwhtStream) lost() { s.dec.Reset() }

// shapeOf is a decoded frame's shape as NetGear reports a BGR array's: [height width 3].
func shapeOf(f picimage.Frame) string { return fmt.Sprint([]int{f.Height, f.Width, 3}) }
