package camera

import (
	"fmt"
	"log/slog"
	"math"
	"strings"

	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// fourccFormats maps the V4L2 formats picam can deliver to picimage formats.
// JPEG (the legacy camera's slow stills path) is used only when a camera
// has no MJPG.
var fourccFormats = map[v4l2.PixelFormat]picimage.PixelFormat{
	v4l2.PixFmtMJPEG:  picimage.MJPEG,
	v4l2.PixFmtJPEG:   picimage.MJPEG,
	v4l2.PixFmtH264:   picimage.H264,
	v4l2.PixFmtYUYV:   picimage.YUYV,
	v4l2.PixFmtNV12:   picimage.NV12,
	v4l2.PixFmtYUV420: picimage.I420,
	v4l2.PixFmtBGR24:  picimage.BGR24,
	v4l2.PixFmtRGB24:  picimage.RGB24,
	v4l2.PixFmtGrey:   picimage.GRAY8,
}

// autoFourCCs is the order formats are tried in when Options.Format is
// empty or not offered: compressed MJPEG first (cheapest to stream as JPEG,
// and the only way most USB webcams reach 720p30 over USB 2), then raw
// formats from the cheapest to convert. H.264 is used only when asked for,
// since it cannot be turned into raw or JPEG frames here.
var autoFourCCs = []v4l2.PixelFormat{
	v4l2.PixFmtMJPEG, v4l2.PixFmtYUYV, v4l2.PixFmtNV12, v4l2.PixFmtYUV420,
	v4l2.PixFmtBGR24, v4l2.PixFmtRGB24, v4l2.PixFmtGrey, v4l2.PixFmtJPEG,
}

// fourccsFor lists the V4L2 formats that deliver a picimage format, best
// first.
func fourccsFor(f picimage.PixelFormat) []v4l2.PixelFormat {
	if f == picimage.MJPEG {
		return []v4l2.PixelFormat{v4l2.PixFmtMJPEG, v4l2.PixFmtJPEG}
	}
	for fc, pf := range fourccFormats {
		if pf == f {
			return []v4l2.PixelFormat{fc}
		}
	}
	return nil
}

// negotiated is what a V4L2 camera agreed to.
type negotiated struct {
	bufType v4l2.BufType
	fourcc  v4l2.PixelFormat
	format  picimage.PixelFormat
	pix     v4l2.PixFormat
	fps     float64 // 0 when the driver would not say
}

// chooseFourCC picks the capture format: the preferred one when offered,
// else the first of autoFourCCs the camera offers.
func chooseFourCC(offered []v4l2.FormatDesc, want picimage.PixelFormat) (v4l2.PixelFormat, error) {
	has := map[v4l2.PixelFormat]bool{}
	var names []string
	for _, d := range offered {
		has[d.PixelFormat] = true
		names = append(names, d.PixelFormat.String())
	}
	order := append(fourccsFor(want), autoFourCCs...)
	for _, fc := range order {
		if has[fc] {
			return fc, nil
		}
	}
	return 0, fmt.Errorf("the camera offers no format picam can use (it offers %s; picam takes MJPG, H264, YUYV, NV12, YU12, BGR3, RGB3 or GREY)",
		strings.Join(names, ", "))
}

// nearestSize picks the supported size closest to w x h: the nearest
// discrete size (by the sum of the width and height differences, ties to
// the larger), or w x h brought into a stepwise or continuous range.
func nearestSize(sizes []v4l2.FrameSize, w, h uint32) (uint32, uint32) {
	bestW, bestH, bestD := w, h, int64(-1)
	for _, s := range sizes {
		var cw, ch uint32
		if s.Type == v4l2.FrameSizeDiscrete {
			cw, ch = s.MinWidth, s.MinHeight
		} else {
			cw = snap(w, s.MinWidth, s.MaxWidth, s.StepWidth)
			ch = snap(h, s.MinHeight, s.MaxHeight, s.StepHeight)
		}
		d := absDiff(cw, w) + absDiff(ch, h)
		if bestD < 0 || d < bestD || (d == bestD && cw*ch > bestW*bestH) {
			bestW, bestH, bestD = cw, ch, d
		}
	}
	return bestW, bestH
}

// snap brings v into lo..hi on the grid lo + k*step.
func snap(v, lo, hi, step uint32) uint32 {
	if v < lo {
		v = lo
	}
	if v > hi {
		v = hi
	}
	if step > 1 {
		k := (v - lo + step/2) / step
		v = lo + k*step
		if v > hi {
			v -= step
		}
	}
	return v
}

func absDiff(a, b uint32) int64 {
	return int64(math.Abs(float64(int64(a) - int64(b))))
}

// nearestInterval picks the frame interval whose rate is closest to fps.
// Without an enumeration it asks for 1/fps exactly.
func nearestInterval(ivals []v4l2.FrameInterval, fps float64) v4l2.Fract {
	want := fpsFract(fps)
	best, bestD := want, math.Inf(1)
	for _, iv := range ivals {
		var c v4l2.Fract
		if iv.Type == v4l2.FrameSizeDiscrete {
			c = iv.Min
		} else {
			// Stepwise/continuous: the requested rate, clamped. Min is the
			// shortest interval (highest rate).
			r := fps
			if hi := iv.Min.FPS(); hi > 0 && r > hi {
				r = hi
			}
			if lo := iv.Max.FPS(); lo > 0 && r < lo {
				r = lo
			}
			c = fpsFract(r)
		}
		if d := math.Abs(c.FPS() - fps); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// fpsFract expresses a rate as an interval: 1/30 for whole rates,
// 1000/29970 otherwise.
func fpsFract(fps float64) v4l2.Fract {
	if fps == math.Trunc(fps) {
		return v4l2.Fract{Numerator: 1, Denominator: uint32(fps)}
	}
	return v4l2.Fract{Numerator: 1000, Denominator: uint32(math.Round(fps * 1000))}
}

// negotiate sets the format, size and frame rate on a capture node, asking
// for the nearest things the camera lists, and logs what was chosen.
func negotiate(dev device, opts Options, log *slog.Logger) (negotiated, error) {
	var n negotiated
	bt, err := dev.Capability().CaptureType()
	if err != nil {
		return n, fmt.Errorf("%s is not a camera: %w", dev.Path(), err)
	}
	n.bufType = bt
	offered, err := dev.EnumFormats(bt)
	if err != nil {
		return n, fmt.Errorf("listing the formats of %s: %w", dev.Path(), err)
	}
	fc, err := chooseFourCC(offered, opts.Format)
	if err != nil {
		return n, fmt.Errorf("%s: %w", dev.Path(), err)
	}
	if opts.Format != "" && fourccFormats[fc] != opts.Format {
		log.Info("camera does not offer the preferred format; using another", "device", dev.Path(),
			"preferred", opts.Format, "using", fc.String())
	}
	ww, wh := opts.size()
	w, h := uint32(ww), uint32(wh)
	if sizes, err := dev.EnumFrameSizes(fc); err == nil && len(sizes) > 0 {
		w, h = nearestSize(sizes, w, h)
	} else if err != nil {
		log.Debug("camera does not list frame sizes; asking for the size as given", "device", dev.Path(), "err", err)
	}
	pix, err := dev.SetFormat(bt, v4l2.PixFormat{Width: w, Height: h, PixelFormat: fc, Field: v4l2.FieldNone})
	if err != nil {
		return n, fmt.Errorf("setting %s %dx%d on %s: %w", fc, w, h, dev.Path(), err)
	}
	pf, ok := fourccFormats[pix.PixelFormat]
	if !ok {
		return n, fmt.Errorf("%s chose format %s when asked for %s; picam cannot use it", dev.Path(), pix.PixelFormat, fc)
	}
	if !pf.Compressed() {
		if _, err := pf.FrameSize(int(pix.Width), int(pix.Height)); err != nil {
			return n, fmt.Errorf("%s chose %dx%d %s: %w", dev.Path(), pix.Width, pix.Height, pix.PixelFormat, err)
		}
	}
	n.fourcc, n.format, n.pix = pix.PixelFormat, pf, pix

	fps := opts.fps()
	ivals, err := dev.EnumFrameIntervals(pix.PixelFormat, pix.Width, pix.Height)
	if err != nil {
		log.Debug("camera does not list frame intervals; asking for the rate as given", "device", dev.Path(), "err", err)
	}
	got, err := dev.SetFrameInterval(bt, nearestInterval(ivals, fps))
	if err != nil {
		log.Warn("camera would not set the frame rate; it runs at its own rate", "device", dev.Path(), "asked_fps", fps, "err", err)
	} else {
		n.fps = got.FPS()
	}
	log.Info("camera format negotiated", "device", dev.Path(),
		"asked", fmt.Sprintf("%dx%d@%s", ww, wh, formatFloat(fps, 2)),
		"chose", fmt.Sprintf("%dx%d@%s", pix.Width, pix.Height, formatFloat(n.fps, 2)),
		"fourcc", pix.PixelFormat.String(), "format", pf, "stride", pix.BytesPerLine, "sizeimage", pix.SizeImage)
	return n, nil
}
