package camera

import (
	"fmt"

	picimage "github.com/picam-project/picam/image"
)

// layout is how a driver lays out a raw frame: rows of stride bytes
// (bytesperline), which may be longer than the pixels need, planes one after
// another at stride*height.
type layout struct {
	format        picimage.PixelFormat
	width, height int
	stride        int
}

// bytesPerPixel of the packed formats and of the luma plane of planar ones.
func bytesPerPixel(f picimage.PixelFormat) int {
	switch f {
	case picimage.YUYV:
		return 2
	case picimage.BGR24, picimage.RGB24:
		return 3
	}
	return 1 // GRAY8, and the Y plane of NV12 and I420
}

// tight returns the frame tightly packed, as picimage.Frame requires.
// When the driver added no padding it returns data itself, trimmed to the
// frame size (data is already a private copy of the driver's buffer);
// otherwise it copies row by row into a new slice. A frame shorter than its
// layout is an error (a truncated transfer from a USB camera, say).
func (l layout) tight(data []byte) ([]byte, error) {
	size, err := l.format.FrameSize(l.width, l.height)
	if err != nil {
		return nil, err
	}
	row := l.width * bytesPerPixel(l.format)
	stride := l.stride
	if stride < row {
		stride = row // drivers that leave bytesperline 0
	}
	if stride == row {
		if len(data) < size {
			return nil, fmt.Errorf("short %s frame: %d bytes, want %d", l.format, len(data), size)
		}
		return data[:size:size], nil
	}
	// planes lists each plane as (rows, bytes per row, source stride).
	type plane struct{ rows, row, stride int }
	var planes []plane
	switch l.format {
	case picimage.NV12:
		planes = []plane{{l.height, l.width, stride}, {l.height / 2, l.width, stride}}
	case picimage.I420:
		planes = []plane{{l.height, l.width, stride}, {l.height / 2, l.width / 2, stride / 2}, {l.height / 2, l.width / 2, stride / 2}}
	default:
		planes = []plane{{l.height, row, stride}}
	}
	need := 0
	for _, p := range planes {
		need += (p.rows-1)*p.stride + p.row
	}
	// The last row of each plane but the final one is followed by padding,
	// so the plane starts are at rows*stride.
	for _, p := range planes[:len(planes)-1] {
		need += p.stride - p.row
	}
	if len(data) < need {
		return nil, fmt.Errorf("short %s frame: %d bytes, want %d for stride %d", l.format, len(data), need, stride)
	}
	out := make([]byte, size)
	src, dst := 0, 0
	for _, p := range planes {
		for r := 0; r < p.rows; r++ {
			copy(out[dst:dst+p.row], data[src+r*p.stride:])
			dst += p.row
		}
		src += p.rows * p.stride
	}
	return out, nil
}
