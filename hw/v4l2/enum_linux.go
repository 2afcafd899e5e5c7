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

// enumerate runs an enumeration ioctl for index 0, 1, … under the shared
// lock until the driver answers EINVAL (the end of the list; at index 0 an
// error unless emptyOK) or decode says no entry can follow.
func enumerate[R, T any](d *Device, req uint32, emptyOK bool, ask func(i uint32) R, decode func(*R) (T, bool)) ([]T, error) {
	if err := d.acquire(); err != nil {
		return nil, err
	}
	defer d.use.RUnlock()
	var out []T
	for i := uint32(0); i < maxEnum; i++ {
		r := ask(i)
		if err := d.ioctl(req, unsafe.Pointer(&r)); err != nil {
			if errors.Is(err, unix.EINVAL) && (i > 0 || emptyOK) {
				break // end of the list
			}
			return out, err
		}
		v, more := decode(&r)
		out = append(out, v)
		if !more {
			break
		}
	}
	return out, nil
}

// EnumFormats lists the pixel formats a queue offers (VIDIOC_ENUM_FMT).
func (d *Device) EnumFormats(t BufType) ([]FormatDesc, error) {
	return enumerate(d, vidiocEnumFmt, true,
		func(i uint32) rawFmtDesc { return rawFmtDesc{Index: i, Type: uint32(t)} },
		func(r *rawFmtDesc) (FormatDesc, bool) {
			return FormatDesc{
				Index: r.Index, Type: BufType(r.Type), Flags: FmtFlag(r.Flags),
				Description: cString(r.Description[:]), PixelFormat: PixelFormat(r.PixelFormat),
			}, true
		})
}

// EnumFrameSizes lists the frame sizes offered for a pixel format
// (VIDIOC_ENUM_FRAMESIZES). Drivers answer either with a list of discrete
// sizes or with a single continuous/stepwise range (always the only entry).
func (d *Device) EnumFrameSizes(pf PixelFormat) ([]FrameSize, error) {
	return enumerate(d, vidiocEnumFrameSizes, false,
		func(i uint32) rawFrmSizeEnum { return rawFrmSizeEnum{Index: i, PixelFormat: uint32(pf)} },
		func(r *rawFrmSizeEnum) (FrameSize, bool) {
			return frameSizeFromRaw(r), FrameSizeType(r.Type) == FrameSizeDiscrete
		})
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
	return enumerate(d, vidiocEnumFrameIntervals, false,
		func(i uint32) rawFrmIvalEnum {
			return rawFrmIvalEnum{Index: i, PixelFormat: uint32(pf), Width: width, Height: height}
		},
		func(r *rawFrmIvalEnum) (FrameInterval, bool) {
			return frameIntervalFromRaw(r), FrameSizeType(r.Type) == FrameSizeDiscrete
		})
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
