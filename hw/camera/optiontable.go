package camera

import (
	"strconv"
	"strings"

	picimage "github.com/picam-project/picam/image"
)

// OptionInfo documents one camera option: its PiGear name, what it takes,
// and what it becomes on each kind of camera. The README prints the table.
type OptionInfo struct {
	// Key is the option's name as PiGear (picamera) spells it.
	Key string
	// Values describes the valid values, as error messages list them.
	Values string
	// Default is the value that means "the camera's default".
	Default string
	// V4L2 says which V4L2 controls the option sets (names as v4l2-ctl
	// prints them, for the legacy Pi camera driver bcm2835-v4l2) and how
	// the value is converted.
	V4L2 string
	// Rpicam says which rpicam-vid flags the option becomes.
	Rpicam string
	// Origin is "picamera" for PiGear's own options and "picam" for the
	// few picam adds.
	Origin string
}

// OptionTable returns the documentation of every option Options.Set
// accepts, in a stable order. The slice is new on every call.
func OptionTable() []OptionInfo {
	out := make([]OptionInfo, len(optionDefs))
	for i, d := range optionDefs {
		out[i] = d.info
	}
	return out
}

// optionDef ties an option's documentation to its field in Options.
type optionDef struct {
	info  OptionInfo
	set   func(o *Options, v string) error
	check func(o *Options) error // nil: every value of the field is valid
	get   func(o *Options) string
	isSet func(o *Options) bool
}

func optionByKey(k string) (optionDef, bool) {
	for _, d := range optionDefs {
		if d.info.Key == k {
			return d, true
		}
	}
	return optionDef{}, false
}

// Ranges of the picture adjustments, picamera's.
const (
	brightnessUse = "a whole number from 0 to 100 (50 is neutral)"
	adjustUse     = "a whole number from -100 to 100 (0 is neutral)"
)

// optionDefs is the single list of options: Set, Validate, String and
// OptionTable all read it, so an option cannot exist in one and not the
// others.
var optionDefs = []optionDef{
	{
		info: OptionInfo{Key: "resolution", Values: "WIDTHxHEIGHT, e.g. 640x480 or (640, 480)", Default: "640x480",
			V4L2:   "VIDIOC_S_FMT with the nearest size the camera lists",
			Rpicam: "--width W --height H", Origin: "picamera"},
		set: func(o *Options, v string) error {
			ws, hs, ok := parsePair(v)
			w, err1 := strconv.Atoi(ws)
			h, err2 := strconv.Atoi(hs)
			if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 || w > picimage.MaxDimension || h > picimage.MaxDimension {
				return invalid("resolution", v, "WIDTHxHEIGHT such as 640x480 (or PiGear's (640, 480)), each at most "+strconv.Itoa(picimage.MaxDimension))
			}
			o.Width, o.Height = w, h
			return nil
		},
		check: func(o *Options) error {
			if o.Width < 0 || o.Height < 0 || o.Width > picimage.MaxDimension || o.Height > picimage.MaxDimension || (o.Width == 0) != (o.Height == 0) {
				return invalid("resolution", strconv.Itoa(o.Width)+"x"+strconv.Itoa(o.Height), "WIDTHxHEIGHT such as 640x480, each at most "+strconv.Itoa(picimage.MaxDimension))
			}
			return nil
		},
		get:   func(o *Options) string { return strconv.Itoa(o.Width) + "x" + strconv.Itoa(o.Height) },
		isSet: func(o *Options) bool { return o.Width != 0 },
	},
	{
		info: OptionInfo{Key: "framerate", Values: "frames per second, above 0 and at most 240", Default: "30",
			V4L2:   "VIDIOC_S_PARM with the nearest interval the camera lists",
			Rpicam: "--framerate F", Origin: "picamera"},
		set: func(o *Options, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f >= 0 && f <= MaxFramerate) {
				return invalid("framerate", v, "a number of frames per second above 0 and at most 240, such as 30")
			}
			o.Framerate = f
			return nil
		},
		check: func(o *Options) error {
			if !(o.Framerate >= 0 && o.Framerate <= MaxFramerate) {
				return invalid("framerate", formatFloat(o.Framerate, 3), "a number of frames per second above 0 and at most 240, such as 30")
			}
			return nil
		},
		get:   func(o *Options) string { return formatFloat(o.Framerate, 3) },
		isSet: func(o *Options) bool { return o.Framerate != 0 },
	},
	{
		info: OptionInfo{Key: "hflip", Values: "true or false", Default: "false",
			V4L2: "horizontal_flip 0/1", Rpicam: "--hflip", Origin: "picamera"},
		set:   func(o *Options, v string) (err error) { o.HFlip, err = parseBool("hflip", v); return },
		get:   func(o *Options) string { return strconv.FormatBool(o.HFlip) },
		isSet: func(o *Options) bool { return o.HFlip },
	},
	{
		info: OptionInfo{Key: "vflip", Values: "true or false", Default: "false",
			V4L2: "vertical_flip 0/1", Rpicam: "--vflip", Origin: "picamera"},
		set:   func(o *Options, v string) (err error) { o.VFlip, err = parseBool("vflip", v); return },
		get:   func(o *Options) string { return strconv.FormatBool(o.VFlip) },
		isSet: func(o *Options) bool { return o.VFlip },
	},
	oneOfDef(OptionInfo{Key: "rotation", Values: "0, 90, 180 or 270", Default: "0",
		V4L2: "rotate (degrees)", Rpicam: "--rotation 180 (rpicam-vid cannot rotate by 90 or 270)", Origin: "picamera"},
		rotations, rotationUse, func(o *Options) *int { return &o.Rotation }),
	modeDef(OptionInfo{Key: "exposure_mode", Values: orList(exposureModes), Default: "auto",
		V4L2: "auto_exposure (off: 1 Manual; others 0 Auto) and scene_mode (night, nightpreview, verylong: Night, " +
			"with exposure_dynamic_framerate 1; sports, antishake: Sports; backlight, snow/beach, fireworks: the " +
			"matching scene where the driver offers it, which bcm2835-v4l2 does not, so auto; fixedfps: " +
			"exposure_dynamic_framerate 0; spotlight: auto)",
		Rpicam: "--exposure normal|sport|long (sports, antishake: sport; night, nightpreview, verylong: long; " +
			"others: normal)", Origin: "picamera"},
		exposureModes, func(o *Options) *string { return &o.ExposureMode }),
	oneOfDef(OptionInfo{Key: "iso", Values: isoUse(), Default: "0",
		V4L2: "iso_sensitivity_auto 0 (Manual) first, then iso_sensitivity (integer menu of ISO×1000; " +
			"bcm2835-v4l2 offers 100, 200, 400 and 800, so 320 becomes 400, 500 400 and 640 800); " +
			"0: iso_sensitivity_auto 1 (Auto)",
		Rpicam: "--gain ISO/100 (rpicam-vid has no ISO setting)", Origin: "picamera"},
		isoValues, isoUse, func(o *Options) *int { return &o.ISO }),
	intDef(OptionInfo{Key: "exposure_compensation", Values: "a whole number from -25 to 25 (1/6 stop each)", Default: "0",
		V4L2: "auto_exposure_bias (integer menu in milli-EV, 1/3 EV steps from -4 to +4 EV on bcm2835-v4l2: " +
			"the nearest entry to value×1000/6)",
		Rpicam: "--ev value/6 (EV)", Origin: "picamera"},
		-25, 25, "a whole number from -25 to 25 (steps of 1/6 stop)", func(o *Options) *int { return &o.ExposureCompensation }),
	modeDef(OptionInfo{Key: "awb_mode", Values: orList(awbModes), Default: "auto",
		V4L2: "white_balance_auto_preset (off 0 Manual, auto 1, incandescent 2, fluorescent 3, tungsten 4 " +
			"(Fluorescent H, which the driver maps to MMAL tungsten), horizon 5, sunlight 6 Daylight, flash 7, " +
			"cloudy 8, shade 9, greyworld: the Greyworld entry of newer Pi kernels); cameras without it " +
			"(USB): white_balance_automatic and white_balance_temperature",
		Rpicam: "--awb (sunlight: daylight; cloudy, shade: cloudy; tungsten, incandescent, fluorescent: the same; " +
			"flash: daylight; horizon: incandescent; greyworld: auto; off: --awbgains from awb_gains)",
		Origin: "picamera"},
		awbModes, func(o *Options) *string { return &o.AWBMode }),
	{
		info: OptionInfo{Key: "awb_gains", Values: "red,blue gains above 0 and at most 8, e.g. 1.5,1.2", Default: "",
			V4L2:   "red_balance and blue_balance (gain×1000), with awb_mode off",
			Rpicam: "--awbgains red,blue, with awb_mode off", Origin: "picamera"},
		set: func(o *Options, v string) error {
			a, b, ok := parsePair(v)
			r, err1 := strconv.ParseFloat(a, 64)
			bl, err2 := strconv.ParseFloat(b, 64)
			if !ok || err1 != nil || err2 != nil || !validGain(r) || !validGain(bl) {
				return invalid("awb_gains", v, "red,blue gains above 0 and at most 8, such as 1.5,1.2")
			}
			o.AWBGains = [2]float64{r, bl}
			return nil
		},
		check: func(o *Options) error {
			g := o.AWBGains
			if (g != [2]float64{}) && (!validGain(g[0]) || !validGain(g[1])) {
				return invalid("awb_gains", formatFloat(g[0], 3)+","+formatFloat(g[1], 3), "red,blue gains above 0 and at most 8, such as 1.5,1.2")
			}
			return nil
		},
		get:   func(o *Options) string { return formatFloat(o.AWBGains[0], 3) + "," + formatFloat(o.AWBGains[1], 3) },
		isSet: func(o *Options) bool { return o.AWBGains != [2]float64{} },
	},
	modeDef(OptionInfo{Key: "meter_mode", Values: orList(meterModes), Default: "average",
		V4L2: "exposure_metering_mode (average 0, backlit 1 Center Weighted, which the driver maps to MMAL backlit, " +
			"spot 2, matrix 3 where offered, else average)",
		Rpicam: "--metering average|centre|spot|matrix (backlit: centre)", Origin: "picamera"},
		meterModes, func(o *Options) *string { return &o.MeterMode }),
	intDef(OptionInfo{Key: "shutter_speed", Values: "microseconds, 0 for automatic", Default: "0",
		V4L2: "auto_exposure 1 (Manual) and exposure_time_absolute in 100 µs units (1..10000 on bcm2835-v4l2); " +
			"a scene mode (exposure_mode night, sports) overrides it",
		Rpicam: "--shutter µs", Origin: "picamera"},
		0, maxShutter, "a whole number of microseconds, 0 for automatic (at most 1000000000)", func(o *Options) *int { return &o.ShutterSpeed }),
	intDef(OptionInfo{Key: "sensor_mode", Values: "0 (automatic) to 7", Default: "0",
		V4L2: "none: bcm2835-v4l2 picks the sensor mode from the resolution and frame rate (warning)",
		Rpicam: "--mode W:H:bit-depth:P, the Nth mode rpicam-vid --list-cameras prints (the numbering differs " +
			"from the legacy stack's)", Origin: "picamera"},
		0, 7, "a whole number from 0 (automatic) to 7", func(o *Options) *int { return &o.SensorMode }),
	adjustDef("brightness", 0, 100, brightnessUse, "brightness (0..100; other ranges scaled)",
		"--brightness (value-50)/50, i.e. -1..1", func(o *Options) **int { return &o.Brightness }),
	adjustDef("contrast", -100, 100, adjustUse, "contrast (-100..100; other ranges scaled)",
		"--contrast 1+value/100, i.e. 0..2 (1 is normal)", func(o *Options) **int { return &o.Contrast }),
	adjustDef("saturation", -100, 100, adjustUse, "saturation (-100..100; other ranges scaled)",
		"--saturation 1+value/100, i.e. 0..2 (0 is greyscale)", func(o *Options) **int { return &o.Saturation }),
	adjustDef("sharpness", -100, 100, adjustUse, "sharpness (-100..100; other ranges scaled)",
		"--sharpness 1+value/100, i.e. 0..2", func(o *Options) **int { return &o.Sharpness }),
	{
		info: OptionInfo{Key: "bitrate", Values: "bits per second, 25000 to 100000000, or 0 for the camera's default", Default: "0",
			V4L2:   "video_bitrate (bcm2835-v4l2: 25000..25000000; also sets its MJPEG quality), when the camera encodes",
			Rpicam: "--bitrate", Origin: "picam"},
		set: func(o *Options, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || (n != 0 && (n < 25000 || n > 100_000_000)) {
				return invalid("bitrate", v, "bits per second from 25000 to 100000000, such as 5000000, or 0 for the camera's default")
			}
			o.Bitrate = n
			return nil
		},
		check: func(o *Options) error {
			if o.Bitrate != 0 && (o.Bitrate < 25000 || o.Bitrate > 100_000_000) {
				return invalid("bitrate", strconv.Itoa(o.Bitrate), "bits per second from 25000 to 100000000, such as 5000000, or 0 for the camera's default")
			}
			return nil
		},
		get:   func(o *Options) string { return strconv.Itoa(o.Bitrate) },
		isSet: func(o *Options) bool { return o.Bitrate != 0 },
	},
	intDef(OptionInfo{Key: "intra", Values: "frames between H.264 keyframes, 1 to 1000, or 0 for one second", Default: "0",
		V4L2:   "h264_i_frame_period, with repeat_sequence_header 1, when the camera delivers H.264",
		Rpicam: "--intra", Origin: "picam"},
		0, 1000, "a number of frames from 1 to 1000, or 0 for one second's worth", func(o *Options) *int { return &o.Intra }),
	intDef(OptionInfo{Key: "quality", Values: "JPEG quality 1 to 100, or 0 for 90", Default: "0",
		V4L2:   "none (bcm2835-v4l2's MJPEG quality follows video_bitrate)",
		Rpicam: "--quality, with --codec mjpeg", Origin: "picam"},
		0, 100, "a JPEG quality from 1 to 100, or 0 for the default (90)", func(o *Options) *int { return &o.Quality }),
}

// maxShutter bounds shutter_speed at 1000 s, beyond every Pi sensor.
const maxShutter = 1_000_000_000

func validGain(g float64) bool { return g > 0 && g <= 8 }

// intDef builds the definition of a whole-number option from lo to hi held
// in an int, 0 meaning unset (0 must lie in the range).
func intDef(info OptionInfo, lo, hi int, use string, field func(o *Options) *int) optionDef {
	return optionDef{
		info: info,
		set: func(o *Options, v string) (err error) {
			*field(o), err = parseIntIn(info.Key, v, lo, hi, use)
			return
		},
		check: func(o *Options) error {
			if n := *field(o); n < lo || n > hi {
				return invalid(info.Key, strconv.Itoa(n), use)
			}
			return nil
		},
		get:   func(o *Options) string { return strconv.Itoa(*field(o)) },
		isSet: func(o *Options) bool { return *field(o) != 0 },
	}
}

// modeDef builds the definition of an option that names one of modes (case
// does not matter), held lower-case in a string, "" meaning unset.
func modeDef(info OptionInfo, modes []string, field func(o *Options) *string) optionDef {
	return optionDef{
		info: info,
		set: func(o *Options, v string) error {
			m := strings.ToLower(v)
			if !containsString(modes, m) {
				return invalid(info.Key, v, orList(modes))
			}
			*field(o) = m
			return nil
		},
		check: func(o *Options) error {
			if m := *field(o); m != "" && !containsString(modes, m) {
				return invalid(info.Key, m, orList(modes))
			}
			return nil
		},
		get:   func(o *Options) string { return *field(o) },
		isSet: func(o *Options) bool { return *field(o) != "" },
	}
}

// oneOfDef builds the definition of an option that takes one of values, held
// in an int, 0 meaning unset; use describes the values for messages.
func oneOfDef(info OptionInfo, values []int, use func() string, field func(o *Options) *int) optionDef {
	return optionDef{
		info: info,
		set: func(o *Options, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || !containsInt(values, n) {
				return invalid(info.Key, v, use())
			}
			*field(o) = n
			return nil
		},
		check: func(o *Options) error {
			if n := *field(o); !containsInt(values, n) {
				return invalid(info.Key, strconv.Itoa(n), use())
			}
			return nil
		},
		get:   func(o *Options) string { return strconv.Itoa(*field(o)) },
		isSet: func(o *Options) bool { return *field(o) != 0 },
	}
}

// adjustDef builds the definition of a picture adjustment held in a *int.
func adjustDef(key string, lo, hi int, use, v4l2Doc, rpicamDoc string, field func(o *Options) **int) optionDef {
	def := "50"
	if lo < 0 {
		def = "0"
	}
	return optionDef{
		info: OptionInfo{Key: key, Values: strings.TrimPrefix(use, "a "), Default: def, V4L2: v4l2Doc, Rpicam: rpicamDoc, Origin: "picamera"},
		set: func(o *Options, v string) error {
			n, err := parseIntIn(key, v, lo, hi, use)
			if err != nil {
				return err
			}
			*field(o) = &n
			return nil
		},
		check: func(o *Options) error {
			if p := *field(o); p != nil && (*p < lo || *p > hi) {
				return invalid(key, strconv.Itoa(*p), use)
			}
			return nil
		},
		get: func(o *Options) string {
			if p := *field(o); p != nil {
				return strconv.Itoa(*p)
			}
			return ""
		},
		isSet: func(o *Options) bool { return *field(o) != nil },
	}
}
