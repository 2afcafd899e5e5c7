package camera

import (
	"bytes"
	"strings"
	"testing"

	picimage "github.com/picam-project/picam/image"
)

// padded lays out planes (rows of row bytes, filled by fill) with stride
// bytes per row, the way a driver with an alignment requirement does.
func padded(planes []struct{ rows, row, stride int }, fill func(plane, y, x int) byte) (data, tight []byte) {
	for p, pl := range planes {
		for y := 0; y < pl.rows; y++ {
			for x := 0; x < pl.stride; x++ {
				b := byte(0xEE)
				if x < pl.row {
					b = fill(p, y, x)
					tight = append(tight, b)
				}
				data = append(data, b)
			}
		}
	}
	return data, tight
}

func TestTightPlanar(t *testing.T) {
	fill := func(p, y, x int) byte { return byte(p*64 + y*3 + x) }
	type pl = struct{ rows, row, stride int }
	for _, tc := range []struct {
		format picimage.PixelFormat
		w, h   int
		stride int
		planes []pl
	}{
		// bcm2835-v4l2 aligns the width of YU12 to 32 pixels.
		{picimage.I420, 40, 6, 64, []pl{{6, 40, 64}, {3, 20, 32}, {3, 20, 32}}},
		{picimage.NV12, 40, 6, 64, []pl{{6, 40, 64}, {3, 40, 64}}},
		{picimage.BGR24, 10, 4, 32, []pl{{4, 30, 32}}},
		{picimage.GRAY8, 10, 4, 16, []pl{{4, 10, 16}}},
	} {
		data, want := padded(tc.planes, fill)
		l := layout{format: tc.format, width: tc.w, height: tc.h, stride: tc.stride}
		got, err := l.tight(data)
		if err != nil {
			t.Errorf("%s: %v", tc.format, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: repacked %v, want %v", tc.format, got, want)
		}
		if err := (picimage.Frame{Width: tc.w, Height: tc.h, Format: tc.format, Data: got}).Validate(); err != nil {
			t.Errorf("%s: %v", tc.format, err)
		}
		// The last row's padding may be missing (bytesused ends at the
		// pixels); one byte less is a short frame.
		trimmed := data[:len(data)-(tc.planes[len(tc.planes)-1].stride-tc.planes[len(tc.planes)-1].row)]
		if _, err := l.tight(trimmed); err != nil {
			t.Errorf("%s without the final padding: %v", tc.format, err)
		}
		if _, err := l.tight(trimmed[:len(trimmed)-1]); err == nil || !strings.Contains(err.Error(), "short") {
			t.Errorf("%s short frame: %v", tc.format, err)
		}
	}
}

func TestTightUnpaddedIsNoCopy(t *testing.T) {
	l := layout{format: picimage.YUYV, width: 4, height: 2, stride: 8}
	data := make([]byte, 20) // sizeimage larger than the picture
	got, err := l.tight(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 16 || cap(got) != 16 || &got[0] != &data[0] {
		t.Errorf("len %d cap %d, shares data %v", len(got), cap(got), &got[0] == &data[0])
	}
	// A driver that reports bytesperline 0 is taken as tightly packed.
	l.stride = 0
	if got, err := l.tight(data); err != nil || len(got) != 16 {
		t.Errorf("stride 0: %d bytes, %v", len(got), err)
	}
	if _, err := l.tight(data[:15]); err == nil {
		t.Error("short unpadded frame accepted")
	}
}

func TestNearestSizeAndInterval(t *testing.T) {
	if w, h := nearestSize(nil, 640, 480); w != 640 || h != 480 {
		t.Errorf("no sizes: %dx%d", w, h)
	}
	if got := snap(3000, 32, 2592, 2); got != 2592 {
		t.Errorf("snap above max = %d", got)
	}
	if got := snap(33, 32, 2592, 2); got != 34 {
		t.Errorf("snap 33 = %d, want 34 (ties go up)", got)
	}
	if got := snap(2591, 32, 2591, 2); got != 2590 {
		t.Errorf("snap to an off-grid max = %d, want 2590", got)
	}
	if got := nearestInterval(nil, 30); got.Numerator != 1 || got.Denominator != 30 {
		t.Errorf("no intervals: %v", got)
	}
}
