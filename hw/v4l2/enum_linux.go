//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxEnum bounds every enumeration loop, so a driver that never answers
// EINVAL cannot make us loop forever.
const maxEnum = 4096

// EnumFormats lists the pixel formats a queue offers (VIDIOC_ENUM_FMT).
func (d *Device) EnumFormats(t BufType) ([]FormatDesc, error) {
	if err := d.acquire(); err != nil {
		return nil, err
	}
	defer d.use.RUnlock()
	var out []FormatDesc
	for i := uint32(0); i < maxEnum; i++ {
		r := rawFmtDesc{Index: i, Type: uint32(t)}
		if err := d.ioctl(vidiocEnumFmt, unsafe.Pointer(&r)); err != nil {
			if errors.Is(err, unix.EINVAL) {
				break // end of the list
			}
			return out, err
		}
		out = append(out, FormatDesc{
			Index: r.Index, Type: BufType(r.Type), Flags: FmtFlag(r.Flags),
			Description: cString(r.Description[:]), PixelFormat: PixelFormat(r.PixelFormat),
		})
	}
	return out, nil
}

// EnumFrameSizes lists the frame sizes offered for a pixel format
// (VIDIOC_ENUM_FRAMESIZES). Drivers answer either with a list of discrete
// sizes or with a single continuous/stepwise range.
func (d *Device) EnumFrameSizes(pf PixelFormat) ([]FrameSize, error) {
	if err := d.acquire(); err != nil {
		return nil, err
	}
	defer d.use.RUnlock()
	var out []FrameSize
	for i := uint32(0); i < maxEnum; i++ {
		r := rawFrmSizeEnum{Index: i, PixelFormat: uint32(pf)}
		if err := d.ioctl(vidiocEnumFrameSizes, unsafe.Pointer(&r)); err != nil {
			if errors.Is(err, unix.EINVAL) && i > 0 {
				break
			}
			return out, err
		}
		out = append(out, frameSizeFromRaw(&r))
		if FrameSizeType(r.Type) != FrameSizeDiscrete {
			break // a range is always the only entry
		}
	}
	return out, nil
}

// frameSizeFromRaw decodes the union of struct v4l2_frmsizeenum.
func frameSizeFromRaw(r *rawFrmSizeEnum) FrameSize {
	fs := FrameSize{Type: FrameSizeType(r.Type), PixelFormat: PixelFormat(r.PixelFormat)}
	u := r.Union
	if fs.Type == FrameSizeDiscrete {
		fs.MinWidth, fs.MaxWidth = u[0], u[0]
		fs.MinHeight, fs.MaxHeight = u[1], u[1]
		return fs
	}
	fs.MinWidth, fs.MaxWidth, fs.StepWidth = u[0], u[1], u[2]
	fs.MinHeight, fs.MaxHeight, fs.StepHeight = u[3], u[4], u[5]
	return fs
}

// EnumFrameIntervals lists the frame intervals offered for a pixel format
// at a size (VIDIOC_ENUM_FRAMEINTERVALS). A frame rate is 1/interval.
func (d *Device) EnumFrameIntervals(pf PixelFormat, width, height uint32) ([]FrameInterval, error) {
	if err := d.acquire(); err != nil {
		return nil, err
	}
	defer d.use.RUnlock()
	var out []FrameInterval
	for i := uint32(0); i < maxEnum; i++ {
		r := rawFrmIvalEnum{Index: i, PixelFormat: uint32(pf), Width: width, Height: height}
		if err := d.ioctl(vidiocEnumFrameIntervals, unsafe.Pointer(&r)); err != nil {
			if errors.Is(err, unix.EINVAL) && i > 0 {
				break
			}
			return out, err
		}
		out = append(out, frameIntervalFromRaw(&r))
		if FrameSizeType(r.Type) != FrameSizeDiscrete {
			break
		}
	}
	return out, nil
}

// frameIntervalFromRaw decodes the union of struct v4l2_frmivalenum.
func frameIntervalFromRaw(r *rawFrmIvalEnum) FrameInterval {
	u := r.Union
	fi := FrameInterval{Type: FrameSizeType(r.Type)}
	fi.Min = Fract{u[0], u[1]}
	if fi.Type == FrameSizeDiscrete {
		fi.Max = fi.Min
		return fi
	}
	fi.Max = Fract{u[2], u[3]}
	fi.Step = Fract{u[4], u[5]}
	return fi
}
