package camera

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	picimage "github.com/picam-project/picam/image"
)

// defaultRpicamQuality replaces rpicam-vid's own MJPEG default of 50 with
// NetGear's default JPEG quality, so MJPEG from rpicam looks like what
// picam's own JPEG encoder sends.
const defaultRpicamQuality = 90

// rpicamPlan is the rpicam-vid command line for a set of options.
type rpicamPlan struct {
	args     []string
	format   picimage.PixelFormat // MJPEG or H264
	warnings []string
	notes    []string
}

// rpicamCodec picks rpicam-vid's codec: H.264 when asked for, else MJPEG
// (which every NetGear client decodes, and which picam decodes for raw
// clients).
func rpicamCodec(f picimage.PixelFormat) picimage.PixelFormat {
	if f == picimage.H264 {
		return picimage.H264
	}
	return picimage.MJPEG
}

// rpicamArgs maps options onto rpicam-vid flags (see OptionTable). It fails
// only for a setting rpicam-vid cannot take at all (rotation 90 or 270);
// approximations are notes, settings without an equivalent warnings.
// modeFlag is the --mode value for sensor_mode, or "". libav says that
// rpicam-vid encodes H.264 through libav (libx264) rather than with the
// VideoCore's encoder: on a Pi 5, or any board without a VC4 ISP.
func rpicamArgs(o Options, modeFlag string, libav bool) (rpicamPlan, error) {
	var p rpicamPlan
	warn := func(f string, a ...any) { p.warnings = append(p.warnings, fmt.Sprintf(f, a...)) }
	note := func(f string, a ...any) { p.notes = append(p.notes, fmt.Sprintf(f, a...)) }
	add := func(a ...string) { p.args = append(p.args, a...) }

	p.format = rpicamCodec(o.Format)
	codec := "mjpeg"
	if p.format == picimage.H264 {
		codec = "h264"
	}
	w, h := o.size()
	add("--nopreview", "-t", "0", "-o", "-", "--codec", codec, "--inline", "--flush",
		"--width", strconv.Itoa(w), "--height", strconv.Itoa(h), "--framerate", formatFloat(o.fps(), 3))
	if p.format == picimage.H264 {
		if libav {
			// libav cannot guess a container for "-" and exits at start
			// without one ("cannot allocate output context"); h264 is the
			// raw Annex-B stream. libx264's default preset also makes
			// B-frames, which reorder frames and add latency; --low-latency
			// (rpicam-apps 1.6 and later) selects ultrafast/zerolatency,
			// which has none.
			add("--libav-format", "h264", "--low-latency")
			note("H.264 is encoded on the CPU by libx264 on this board (no VideoCore encoder): --libav-format h264 --low-latency")
		}
		add("--intra", strconv.Itoa(o.intra()))
		if o.Bitrate != 0 {
			add("--bitrate", strconv.Itoa(o.Bitrate))
		}
		if o.Quality != 0 {
			warn("quality=%d ignored: it applies to MJPEG, and rpicam-vid encodes H.264 (use bitrate)", o.Quality)
		}
	} else {
		q := o.Quality
		if q == 0 {
			q = defaultRpicamQuality
		}
		add("--quality", strconv.Itoa(q))
		if o.Bitrate != 0 {
			warn("bitrate=%d ignored: rpicam-vid's MJPEG takes a quality, not a bit rate (use quality)", o.Bitrate)
		}
		if o.Intra != 0 {
			warn("intra=%d ignored: MJPEG has only keyframes", o.Intra)
		}
	}

	if o.HFlip {
		add("--hflip")
	}
	if o.VFlip {
		add("--vflip")
	}
	switch o.Rotation {
	case 0:
	case 180:
		add("--rotation", "180")
	default:
		return p, &OptionError{Key: "rotation", Value: strconv.Itoa(o.Rotation),
			msg: fmt.Sprintf("rotation %d is not possible with rpicam-vid: use 0 or 180 (or the legacy camera stack with --source v4l2:/dev/video0)", o.Rotation)}
	}

	switch o.ExposureMode {
	case "", "auto":
	case "fixedfps":
		// rpicam-vid's --framerate already fixes the frame duration.
	case "sports", "antishake":
		add("--exposure", "sport")
	case "night", "nightpreview", "verylong":
		add("--exposure", "long")
	case "off":
		if o.ShutterSpeed == 0 || o.ISO == 0 {
			warn("exposure_mode=off: rpicam-vid cannot freeze the exposure as it is; set shutter_speed and iso to fix it")
		}
	default:
		warn("exposure_mode=%s has no rpicam-vid equivalent: using normal", o.ExposureMode)
	}
	if o.ISO != 0 {
		gain := float64(o.ISO) / 100
		add("--gain", formatFloat(gain, 2))
		note("iso=%d is analogue gain %s (rpicam-vid has no ISO setting)", o.ISO, formatFloat(gain, 2))
	}
	if o.ExposureCompensation != 0 {
		add("--ev", formatFloat(float64(o.ExposureCompensation)/6, 3))
	}
	if o.ShutterSpeed != 0 {
		add("--shutter", strconv.Itoa(o.ShutterSpeed))
	}

	gains := o.AWBGains != [2]float64{}
	switch awb := o.AWBMode; awb {
	case "":
	case "off":
		if gains {
			add("--awbgains", formatFloat(o.AWBGains[0], 3)+","+formatFloat(o.AWBGains[1], 3))
		} else {
			warn("awb_mode=off without awb_gains: rpicam-vid cannot freeze the white balance as it is; using auto (set awb_gains=red,blue)")
		}
	case "greyworld":
		warn("awb_mode=greyworld has no rpicam-vid equivalent: using auto")
	default:
		m := rpicamAWB[awb]
		add("--awb", m.mode)
		if m.approx {
			note("awb_mode=%s is --awb %s on rpicam-vid", awb, m.mode)
		}
	}
	if gains && o.AWBMode != "off" {
		warn("awb_gains are used only with awb_mode=off")
	}
	if m := o.MeterMode; m != "" {
		if m == "backlit" {
			m = "centre"
		}
		add("--metering", m)
	}
	if o.Brightness != nil {
		add("--brightness", formatFloat(float64(*o.Brightness-50)/50, 3))
	}
	for _, a := range []struct {
		flag string
		v    *int
	}{{"--contrast", o.Contrast}, {"--saturation", o.Saturation}, {"--sharpness", o.Sharpness}} {
		if a.v != nil {
			add(a.flag, formatFloat(1+float64(*a.v)/100, 3))
		}
	}
	if o.SensorMode != 0 {
		if modeFlag == "" {
			warn("sensor_mode=%d ignored: rpicam-vid lists no such mode", o.SensorMode)
		} else {
			add("--mode", modeFlag)
			note("sensor_mode=%d is --mode %s (the %d. mode rpicam-vid --list-cameras prints)", o.SensorMode, modeFlag, o.SensorMode)
		}
	}
	return p, nil
}

// rpicamAWB maps picamera's AWB modes onto rpicam-vid's --awb modes
// (libcamera has no shade, flash or horizon mode); approx marks the
// approximations, which are logged.
var rpicamAWB = map[string]struct {
	mode   string
	approx bool
}{
	"auto":         {"auto", false},
	"sunlight":     {"daylight", false},
	"cloudy":       {"cloudy", false},
	"shade":        {"cloudy", true},
	"tungsten":     {"tungsten", false},
	"fluorescent":  {"fluorescent", false},
	"incandescent": {"incandescent", false},
	"flash":        {"daylight", true},
	"horizon":      {"incandescent", true},
}

// sensorMode is one mode rpicam-vid --list-cameras prints.
type sensorMode struct {
	width, height, bitDepth int
	packed                  bool
}

// flag formats the mode as rpicam-vid's --mode W:H:bit-depth:packing.
func (m sensorMode) flag() string {
	p := "U"
	if m.packed {
		p = "P"
	}
	return fmt.Sprintf("%d:%d:%d:%s", m.width, m.height, m.bitDepth, p)
}

var (
	// listFormatRE matches the start of a format group:
	// "    Modes: 'SRGGB10_CSI2P' : 640x480 [...]" or "           'SRGGB8' : 640x480 [...]".
	listFormatRE = regexp.MustCompile(`'([A-Z0-9_]+)'\s*:\s*(.*)$`)
	// listSizeRE matches one size in a group: "1920x1080 [47.57 fps ...".
	listSizeRE = regexp.MustCompile(`^\s*(\d+)x(\d+)\s*\[`)
	digitsRE   = regexp.MustCompile(`\d+`)
)

// parseSensorModes reads the modes of the first camera from rpicam-vid
// --list-cameras output, in the order printed.
func parseSensorModes(out []byte) []sensorMode {
	var modes []sensorMode
	var cur sensorMode
	inCamera := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		t := strings.TrimSpace(line)
		if len(t) > 0 && t[0] >= '0' && t[0] <= '9' && strings.Contains(t, " : ") {
			if inCamera {
				break // the second camera: only the first is used
			}
			inCamera = true
			continue
		}
		if !inCamera {
			continue
		}
		rest := line
		if m := listFormatRE.FindStringSubmatch(line); m != nil {
			name := m[1]
			cur = sensorMode{packed: strings.Contains(name, "CSI2P") || strings.Contains(name, "PISP_COMP")}
			if d := digitsRE.FindString(strings.SplitN(name, "_", 2)[0]); d != "" {
				cur.bitDepth, _ = strconv.Atoi(d)
			}
			rest = m[2]
		}
		if cur.bitDepth == 0 {
			continue
		}
		if m := listSizeRE.FindStringSubmatch(rest); m != nil {
			mode := cur
			mode.width, _ = strconv.Atoi(m[1])
			mode.height, _ = strconv.Atoi(m[2])
			modes = append(modes, mode)
		}
	}
	return modes
}
