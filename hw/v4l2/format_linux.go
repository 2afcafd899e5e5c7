//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"fmt"
	"unsafe"
)

// GetFormat returns the current format of a queue (VIDIOC_G_FMT).
func (d *Device) GetFormat(t BufType) (PixFormat, error) {
	r := rawFormat{Type: uint32(t)}
	if err := d.ioctlShared(vidiocGFmt, unsafe.Pointer(&r)); err != nil {
		return PixFormat{}, err
	}
	return pixFormatFromRaw(&r), nil
}

// SetFormat asks the driver for a format (VIDIOC_S_FMT) and returns the
// format it chose, which may differ in size, stride and even pixel format.
// It fails with EBUSY while buffers are allocated on the queue.
func (d *Device) SetFormat(t BufType, f PixFormat) (PixFormat, error) {
	return d.setFormat(vidiocSFmt, t, f)
}

// TryFormat is SetFormat without changing the device (VIDIOC_TRY_FMT):
// it returns what SetFormat would choose.
func (d *Device) TryFormat(t BufType, f PixFormat) (PixFormat, error) {
	return d.setFormat(vidiocTryFmt, t, f)
}

func (d *Device) setFormat(req uint32, t BufType, f PixFormat) (PixFormat, error) {
	if err := d.acquire(); err != nil {
		return PixFormat{}, err
	}
	defer d.use.RUnlock()
	r, err := pixFormatToRaw(t, f)
	if err != nil {
		return PixFormat{}, &Error{Op: ioctlName(req), Path: d.path, Err: err}
	}
	if err := d.ioctl(req, unsafe.Pointer(&r)); err != nil {
		return PixFormat{}, err
	}
	return pixFormatFromRaw(&r), nil
}

// pixFormatToRaw fills struct v4l2_format for queue type t.
func pixFormatToRaw(t BufType, f PixFormat) (rawFormat, error) {
	r := rawFormat{Type: uint32(t)}
	if !t.IsMPlane() {
		*r.pix() = rawPixFormat{
			Width: f.Width, Height: f.Height, PixelFormat: uint32(f.PixelFormat), Field: uint32(f.Field),
			BytesPerLine: f.BytesPerLine, SizeImage: f.SizeImage, Colorspace: f.Colorspace,
			Flags: f.Flags, YCbCrEnc: f.YCbCrEnc, Quantization: f.Quantization, XferFunc: f.XferFunc,
		}
		return r, nil
	}
	if len(f.Planes) > maxPlanes {
		return r, fmt.Errorf("format has %d planes, V4L2 allows at most %d", len(f.Planes), maxPlanes)
	}
	mp := r.pixMP()
	*mp = rawPixFormatMPlane{
		Width: f.Width, Height: f.Height, PixelFormat: uint32(f.PixelFormat), Field: uint32(f.Field),
		Colorspace: f.Colorspace, Flags: uint8(f.Flags), YCbCrEnc: uint8(f.YCbCrEnc),
		Quantization: uint8(f.Quantization), XferFunc: uint8(f.XferFunc),
	}
	switch {
	case len(f.Planes) > 0:
		for i, p := range f.Planes {
			mp.PlaneFmt[i] = rawPlanePixFormat{SizeImage: p.SizeImage, BytesPerLine: p.BytesPerLine}
		}
		mp.NumPlanes = uint8(len(f.Planes))
	case f.SizeImage != 0 || f.BytesPerLine != 0:
		mp.PlaneFmt[0] = rawPlanePixFormat{SizeImage: f.SizeImage, BytesPerLine: f.BytesPerLine}
		mp.NumPlanes = 1
	}
	return r, nil
}

// pixFormatFromRaw decodes struct v4l2_format for its queue type.
func pixFormatFromRaw(r *rawFormat) PixFormat {
	if !BufType(r.Type).IsMPlane() {
		p := r.pix()
		return PixFormat{
			Width: p.Width, Height: p.Height, PixelFormat: PixelFormat(p.PixelFormat), Field: Field(p.Field),
			BytesPerLine: p.BytesPerLine, SizeImage: p.SizeImage, Colorspace: p.Colorspace,
			Flags: p.Flags, YCbCrEnc: p.YCbCrEnc, Quantization: p.Quantization, XferFunc: p.XferFunc,
		}
	}
	mp := r.pixMP()
	f := PixFormat{
		Width: mp.Width, Height: mp.Height, PixelFormat: PixelFormat(mp.PixelFormat), Field: Field(mp.Field),
		Colorspace: mp.Colorspace, Flags: uint32(mp.Flags), YCbCrEnc: uint32(mp.YCbCrEnc),
		Quantization: uint32(mp.Quantization), XferFunc: uint32(mp.XferFunc),
	}
	n := min(int(mp.NumPlanes), maxPlanes)
	f.Planes = make([]PlaneFormat, n)
	for i := 0; i < n; i++ {
		f.Planes[i] = PlaneFormat{SizeImage: mp.PlaneFmt[i].SizeImage, BytesPerLine: mp.PlaneFmt[i].BytesPerLine}
		f.SizeImage += mp.PlaneFmt[i].SizeImage
	}
	if n > 0 {
		f.BytesPerLine = mp.PlaneFmt[0].BytesPerLine
	}
	return f
}
