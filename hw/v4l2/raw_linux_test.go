//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"encoding/binary"
	"reflect"
	"testing"
	"time"
	"unsafe"
)

func TestPixFormatSinglePlanarRoundTrip(t *testing.T) {
	in := PixFormat{Width: 1280, Height: 720, PixelFormat: PixFmtYUYV, Field: FieldNone, BytesPerLine: 2560,
		SizeImage: 1843200, Colorspace: 8, Flags: 1, YCbCrEnc: 2, Quantization: 1, XferFunc: 3}
	r, err := pixFormatToRaw(BufTypeVideoCapture, in)
	if err != nil {
		t.Fatal(err)
	}
	// struct v4l2_pix_format starts with width, height, pixelformat at the union.
	raw := r.Fmt.Raw[:]
	if binary.LittleEndian.Uint32(raw[0:]) != 1280 || binary.LittleEndian.Uint32(raw[8:]) != uint32(PixFmtYUYV) ||
		binary.LittleEndian.Uint32(raw[20:]) != 1843200 {
		t.Fatalf("single-planar fields at wrong offsets: % x", raw[:24])
	}
	if out := pixFormatFromRaw(&r); !reflect.DeepEqual(out, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

func TestPixFormatMultiPlanarRoundTrip(t *testing.T) {
	in := PixFormat{Width: 1920, Height: 1080, PixelFormat: PixFmtNV12M, Field: FieldNone, Colorspace: 8,
		YCbCrEnc: 1, Quantization: 2, XferFunc: 1,
		Planes: []PlaneFormat{{SizeImage: 1920 * 1088, BytesPerLine: 1920}, {SizeImage: 1920 * 544, BytesPerLine: 1920}}}
	r, err := pixFormatToRaw(BufTypeVideoOutputMPlane, in)
	if err != nil {
		t.Fatal(err)
	}
	raw := r.Fmt.Raw[:]
	// plane_fmt[1].sizeimage is at 20 + 20, num_planes at 180 (packed struct).
	if binary.LittleEndian.Uint32(raw[40:]) != 1920*544 || raw[180] != 2 || raw[184] != 1 {
		t.Fatalf("multi-planar fields at wrong offsets: plane1=%d num_planes=%d xfer=%d",
			binary.LittleEndian.Uint32(raw[40:]), raw[180], raw[184])
	}
	out := pixFormatFromRaw(&r)
	want := in
	want.BytesPerLine = 1920
	want.SizeImage = 1920*1088 + 1920*544
	if !reflect.DeepEqual(out, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, want)
	}
}

func TestPixFormatMultiPlanarFromTopLevelSize(t *testing.T) {
	// The encoder's CAPTURE_MPLANE side: callers give only a buffer size.
	r, err := pixFormatToRaw(BufTypeVideoCaptureMPlane, PixFormat{Width: 1280, Height: 720, PixelFormat: PixFmtH264, SizeImage: 512 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if mp := r.pixMP(); mp.NumPlanes != 1 || mp.PlaneFmt[0].SizeImage != 512<<10 {
		t.Errorf("num_planes=%d plane0.sizeimage=%d", mp.NumPlanes, mp.PlaneFmt[0].SizeImage)
	}
	if _, err := pixFormatToRaw(BufTypeVideoCaptureMPlane, PixFormat{Planes: make([]PlaneFormat, 9)}); err == nil {
		t.Error("9 planes accepted")
	}
}

func TestFormatUnionAlignment(t *testing.T) {
	var f rawFormat
	if off := unsafe.Offsetof(f.Fmt); off != unsafe.Sizeof(uintptr(0)) {
		t.Errorf("v4l2_format.fmt at %d, want pointer size %d", off, unsafe.Sizeof(uintptr(0)))
	}
}

func TestMenuItemFromRaw(t *testing.T) {
	var r rawQueryMenu
	r.Index = 5
	copy(r.Name[:], "Horizon\x00garbage")
	if m := menuItemFromRaw(&r, false); m.Name != "Horizon" || m.Index != 5 {
		t.Errorf("named menu item = %+v", m)
	}
	// Integer menu: bcm2835-v4l2's auto_exposure_bias uses negative milli-EV.
	var ir rawQueryMenu
	ir.Index = 0
	bias := int64(-4000)
	binary.LittleEndian.PutUint64(ir.Name[:8], uint64(bias))
	if m := menuItemFromRaw(&ir, true); m.Value != -4000 || m.Name != "-4000" {
		t.Errorf("integer menu item = %+v", m)
	}
	binary.LittleEndian.PutUint64(ir.Name[:8], 800000)
	if m := menuItemFromRaw(&ir, true); m.Value != 800000 {
		t.Errorf("ISO integer menu item = %+v", m)
	}
}

func TestControlFromRaw(t *testing.T) {
	var q rawQueryExtCtrl
	q.ID, q.Type = uint32(CtrlMPEGVideoBitrate), uint32(CtrlTypeInteger)
	copy(q.Name[:], "Video Bitrate")
	q.Minimum, q.Maximum, q.Step, q.DefaultValue = 25000, 25000000, 25000, 10000000
	q.Flags, q.ElemSize, q.Elems, q.NrOfDims = uint32(CtrlFlagUpdate), 4, 1, 0
	c := controlFromExt(&q)
	want := ControlInfo{ID: CtrlMPEGVideoBitrate, Type: CtrlTypeInteger, Name: "Video Bitrate", Min: 25000,
		Max: 25000000, Step: 25000, Default: 10000000, Flags: CtrlFlagUpdate, ElemSize: 4, Elems: 1}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("controlFromExt:\n got %+v\nwant %+v", c, want)
	}
	q.NrOfDims, q.Dims = 2, [4]uint32{3, 4, 99, 99}
	if c := controlFromExt(&q); !reflect.DeepEqual(c.Dims, []uint32{3, 4}) {
		t.Errorf("dims = %v", c.Dims)
	}
	old := rawQueryCtrl{ID: uint32(CtrlContrast), Type: uint32(CtrlTypeInteger), Minimum: -100, Maximum: 100, Step: 1}
	copy(old.Name[:], "Contrast")
	if c := controlFromQuery(&old); c.Min != -100 || c.Max != 100 || c.Name != "Contrast" || c.Step != 1 {
		t.Errorf("controlFromQuery = %+v", c)
	}
}

func TestExtValueEncoding(t *testing.T) {
	for _, tc := range []struct {
		typ CtrlType
		v   int64
	}{
		{CtrlTypeInteger, -100}, {CtrlTypeInteger, 25000000}, {CtrlTypeMenu, 4},
		{CtrlTypeInteger64, -1 << 40}, {CtrlTypeInteger64, 1<<62 + 5}, {CtrlTypeBoolean, 1},
	} {
		raw := rawExtControl{Value: encodeExtValue(tc.v, tc.typ)}
		if tc.typ != CtrlTypeInteger64 && raw.Value[1] != 0 {
			t.Errorf("%s %d: high word %#x must be 0 for 32-bit controls", tc.typ, tc.v, raw.Value[1])
		}
		if got := extValue(raw, tc.typ); got != tc.v {
			t.Errorf("%s %d: decoded %d", tc.typ, tc.v, got)
		}
	}
	// A 32-bit control read back by the kernel only fills the low word.
	if got := extValue(rawExtControl{Value: [2]uint32{0xffffff9c, 0}}, CtrlTypeInteger); got != -100 {
		t.Errorf("sign extension: got %d, want -100", got)
	}
}

func TestFrameSizeAndIntervalFromRaw(t *testing.T) {
	d := rawFrmSizeEnum{Type: uint32(FrameSizeDiscrete), PixelFormat: uint32(PixFmtMJPEG), Union: [6]uint32{1280, 720}}
	if fs := frameSizeFromRaw(&d); fs.MinWidth != 1280 || fs.MaxWidth != 1280 || fs.MaxHeight != 720 || fs.StepWidth != 0 {
		t.Errorf("discrete size = %+v", fs)
	}
	s := rawFrmSizeEnum{Type: uint32(FrameSizeStepwise), Union: [6]uint32{32, 1920, 2, 32, 1920, 2}}
	if fs := frameSizeFromRaw(&s); fs.MinWidth != 32 || fs.MaxWidth != 1920 || fs.StepWidth != 2 || fs.StepHeight != 2 {
		t.Errorf("stepwise size = %+v", fs)
	}
	di := rawFrmIvalEnum{Type: uint32(FrameSizeDiscrete), Union: [6]uint32{1, 30}}
	if fi := frameIntervalFromRaw(&di); fi.Min != (Fract{1, 30}) || fi.Max != fi.Min {
		t.Errorf("discrete interval = %+v", fi)
	}
	ci := rawFrmIvalEnum{Type: uint32(FrameSizeContinuous), Union: [6]uint32{1, 90, 1, 1, 1, 1}}
	if fi := frameIntervalFromRaw(&ci); fi.Min != (Fract{1, 90}) || fi.Max != (Fract{1, 1}) {
		t.Errorf("continuous interval = %+v", fi)
	}
}

func TestPayloadsClamp(t *testing.T) {
	maps := [][]byte{make([]byte, 100), make([]byte, 50)}
	got := payloads(maps, []Plane{{BytesUsed: 60, DataOffset: 10}, {BytesUsed: 500}})
	if len(got) != 2 || len(got[0]) != 50 || len(got[1]) != 50 {
		t.Fatalf("payload lengths %d, %d; want 50, 50 (clamped to the mapping)", len(got[0]), len(got[1]))
	}
	if &got[0][0] != &maps[0][10] {
		t.Error("payload does not start at the data offset")
	}
	if got := payloads(maps[:1], []Plane{{BytesUsed: 5, DataOffset: 9}}); len(got[0]) != 0 {
		t.Errorf("offset past bytesused gave %d bytes", len(got[0]))
	}
}

func TestBufArgsTimestamp(t *testing.T) {
	var a bufArgs
	d := 1234*time.Second + 567890*time.Microsecond + 999 // sub-µs part is dropped
	a.setTimestamp(d)
	if a.sec != 1234 || a.usec != 567890 {
		t.Fatalf("timeval = %d.%06d", a.sec, a.usec)
	}
	if got := a.timestamp(); got != d.Truncate(time.Microsecond) {
		t.Errorf("timestamp = %v", got)
	}
	a.setTimestamp(-time.Second)
	if a.sec != 0 || a.usec != 0 {
		t.Error("negative timestamp not clamped to 0")
	}
}
