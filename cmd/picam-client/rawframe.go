package main

import (
	"encoding/binary"
	"fmt"
	"strings"

	picimage "github.com/picam-project/picam/image"
)

// NetGear sends a raw frame as the numpy array's C-order bytes with its dtype name and shape in
// the header, and nothing about the colour order: OpenCV programs (NetGear's usual sender) hold
// BGR, so picam-client reads 3- and 4-channel arrays as BGR/BGRA unless --raw-colorspace says
// RGB. (Only a JPEG frame's header names a colour space, and a JPEG decodes the same whatever
// that name is, so it needs no setting.)

// rawLayout is what picam-client makes of a raw array's dtype and shape.
type rawLayout struct {
	width, height, channels int
	bytesPerSample          int // 1 for uint8, 2 for uint16
}

// rawProblem is a raw frame picam-client cannot show, with the change that fixes it on the
// sending side.
type rawProblem struct {
	kind string // groups frames with the same problem, so each is reported once
	msg  string
}

func (p *rawProblem) Error() string { return p.msg }

// parseRawLayout checks a raw frame's header against its payload and says how to read it.
func parseRawLayout(dtype string, shape []int, payloadLen int) (rawLayout, error) {
	var l rawLayout
	switch strings.TrimPrefix(strings.TrimPrefix(dtype, "<"), "|") { // numpy's byte-order marks
	case "uint8", "u1":
		l.bytesPerSample = 1
	case "uint16", "u2":
		l.bytesPerSample = 2
	case "float16", "float32", "float64", "f2", "f4", "f8":
		return l, &rawProblem{kind: "dtype " + dtype, msg: fmt.Sprintf(
			"raw frames of dtype %s cannot be shown, recorded or piped: send uint8 pixels 0-255 from the Python server, e.g. "+
				"frame = numpy.clip(frame * 255, 0, 255).astype(numpy.uint8) (for values 0.0-1.0), or turn on NetGear's "+
				"jpeg_compression", dtype)}
	default:
		return l, &rawProblem{kind: "dtype " + dtype, msg: fmt.Sprintf(
			"raw frames of dtype %q cannot be shown, recorded or piped: send uint8 (or uint16) arrays from the Python server, "+
				"e.g. frame.astype(numpy.uint8), or turn on NetGear's jpeg_compression", dtype)}
	}
	switch {
	case len(shape) == 2:
		l.height, l.width, l.channels = shape[0], shape[1], 1
	case len(shape) == 3 && (shape[2] == 1 || shape[2] == 3 || shape[2] == 4):
		l.height, l.width, l.channels = shape[0], shape[1], shape[2]
	default:
		return l, &rawProblem{kind: fmt.Sprint("shape ", len(shape), "-D"), msg: fmt.Sprintf(
			"raw frames of shape %v cannot be shown, recorded or piped: send an image array of shape [height, width] (grey), "+
				"[height, width, 3] (BGR) or [height, width, 4] (BGRA)", shape)}
	}
	if l.width <= 0 || l.height <= 0 {
		return l, &rawProblem{kind: "empty", msg: fmt.Sprintf("raw frame of shape %v has no pixels", shape)}
	}
	if want := l.width * l.height * l.channels * l.bytesPerSample; payloadLen != want {
		return l, &rawProblem{kind: "size", msg: fmt.Sprintf(
			"raw frame of dtype %s shape %v has %d bytes, want %d: the sender's header does not match its array",
			dtype, shape, payloadLen, want)}
	}
	return l, nil
}

// rawToFrame turns a NetGear raw array into a frame the JPEG encoder takes: grey stays grey,
// 3 channels stay BGR (or RGB with rgb), 4 channels lose their alpha, and 16-bit samples keep
// their high byte (0-65535 maps onto 0-255, as OpenCV's convertScaleAbs(frame, alpha=1/256)).
// buf is reused for the result when it is large enough.
func rawToFrame(dtype string, shape []int, payload []byte, rgb bool, buf []byte) (picimage.Frame, error) {
	l, err := parseRawLayout(dtype, shape, len(payload))
	if err != nil {
		return picimage.Frame{}, err
	}
	f := picimage.Frame{Width: l.width, Height: l.height, Format: picimage.BGR24}
	if rgb {
		f.Format = picimage.RGB24
	}
	if l.channels == 1 {
		f.Format = picimage.GRAY8
	}
	if l.bytesPerSample == 1 && l.channels != 4 {
		f.Data = payload // already in the encoder's layout
		return f, nil
	}
	outCh := min(l.channels, 3)
	n := l.width * l.height
	if cap(buf) < n*outCh {
		buf = make([]byte, n*outCh)
	}
	out := buf[:n*outCh]
	stride := l.channels * l.bytesPerSample
	for i := range n {
		px := payload[i*stride:]
		for c := range outCh {
			if l.bytesPerSample == 2 {
				// numpy writes native byte order, little-endian on every machine NetGear runs on.
				out[i*outCh+c] = byte(binary.LittleEndian.Uint16(px[c*2:]) >> 8)
			} else {
				out[i*outCh+c] = px[c]
			}
		}
	}
	f.Data = out
	return f, nil
}
