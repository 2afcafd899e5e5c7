package camera

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/suggest"
)

// Default capture settings, PiGear's defaults: resolution (640, 480) at 30
// frames per second.
const (
	DefaultWidth     = 640
	DefaultHeight    = 480
	DefaultFramerate = 30
)

// MaxFramerate is the highest frame rate Options accepts. The fastest Pi
// camera modes run at about 200 fps (rpicam-vid, 640x480 on the v2 sensor);
// anything above is a typo.
const MaxFramerate = 240

// Options are the camera settings, named and valued as PiGear (and the
// picamera library under it) names them, so that a PiGear options
// dictionary carries over unchanged. Zero values mean "the camera's
// default": Set fills the fields from text (flags, picam.conf, --option
// key=value); callers may also set them directly. Open validates every field
// before it touches a device.
type Options struct {
	// Width and Height are the frame size to ask for (PiGear resolution);
	// 0 means 640x480. Cameras get the nearest size they support.
	Width, Height int
	// Framerate is the frame rate to ask for; 0 means 30 for cameras and,
	// for the test pattern, as fast as the caller asks.
	Framerate float64
	// Format is the frame format to prefer ("" for automatic): MJPEG when
	// the stream will be JPEG, H264 when it will be H.264 (from a camera that
	// encodes it: the legacy Pi camera, rpicam-vid), a raw format otherwise.
	// A camera that lacks it delivers the best format it has instead; check
	// Info().Format.
	Format picimage.PixelFormat

	// HFlip and VFlip mirror the picture.
	HFlip, VFlip bool
	// Rotation is 0, 90, 180 or 270 degrees (rpicam-vid: 0 or 180 only).
	Rotation int
	// ExposureMode is one of picamera's exposure modes: off, auto, night,
	// nightpreview, backlight, spotlight, sports, snow, beach, verylong,
	// fixedfps, antishake or fireworks ("" = the camera's default, auto).
	ExposureMode string
	// ISO is 0 for automatic gain, or 100, 200, 320, 400, 500, 640 or 800.
	ISO int
	// ExposureCompensation is -25..25 in steps of 1/6 stop (6 = +1 EV).
	ExposureCompensation int
	// AWBMode is one of picamera's white balance modes: off, auto, sunlight,
	// cloudy, shade, tungsten, fluorescent, incandescent, flash, horizon or
	// greyworld ("" = the camera's default, auto).
	AWBMode string
	// AWBGains are the red and blue gains (0 < g <= 8) used with AWBMode
	// "off"; zero means not set.
	AWBGains [2]float64
	// MeterMode is average, spot, backlit or matrix ("" = the camera's
	// default).
	MeterMode string
	// ShutterSpeed is the exposure time in microseconds; 0 is automatic.
	ShutterSpeed int
	// SensorMode selects a sensor mode, 0 (automatic) to 7.
	SensorMode int
	// Brightness is 0..100 (50 is neutral); Contrast, Saturation and
	// Sharpness are -100..100 (0 is neutral). Nil leaves the camera's
	// default; on cameras with other ranges (USB webcams, vivid) the value
	// is scaled onto the control's range.
	Brightness, Contrast, Saturation, Sharpness *int

	// Bitrate is the bit rate in bits per second for cameras that encode
	// H.264 or MJPEG themselves (0 = their default). A picam addition.
	Bitrate int
	// Intra is the H.264 keyframe period in frames (0 = one second's worth,
	// so that clients joining mid-stream wait at most a second). A picam
	// addition.
	Intra int
	// Quality is the JPEG quality 1..100 for rpicam-vid's MJPEG (0 = 90,
	// NetGear's default). A picam addition.
	Quality int

	// Strict turns warnings about settings the camera cannot honour into
	// errors.
	Strict bool
}

// The valid values of the enumerated options, in picamera's order.
// OptionTable lists them for users.
var (
	// exposureModes are picamera's exposure modes.
	exposureModes = []string{"off", "auto", "night", "nightpreview", "backlight", "spotlight", "sports",
		"snow", "beach", "verylong", "fixedfps", "antishake", "fireworks"}
	// awbModes are picamera's automatic white balance modes.
	awbModes = []string{"off", "auto", "sunlight", "cloudy", "shade", "tungsten", "fluorescent",
		"incandescent", "flash", "horizon", "greyworld"}
	// meterModes are picamera's metering modes.
	meterModes = []string{"average", "spot", "backlit", "matrix"}
	// isoValues are the ISO settings the legacy camera firmware knows
	// (0 = automatic). picamera rounds other values in 0..1600 to the
	// nearest of these; picam refuses them so the user sees what is used.
	isoValues = []int{0, 100, 200, 320, 400, 500, 640, 800}
	// rotations are the valid rotations in degrees.
	rotations = []int{0, 90, 180, 270}
)

// ErrInvalidOption is wrapped by every error from Options.Set and
// Options.Validate, so a command can tell a bad setting (exit status 2)
// from a camera failure.
var ErrInvalidOption = errors.New("invalid camera option")

// OptionError is a setting that was refused: an unknown key or a value
// outside the valid set. Its message names the valid values.
type OptionError struct {
	Key, Value string
	msg        string
}

// Error returns the message, e.g. "iso 123 is not valid: use 0 (auto), 100,
// 200, 320, 400, 500, 640 or 800".
func (e *OptionError) Error() string { return e.msg }

// Unwrap returns ErrInvalidOption.
func (e *OptionError) Unwrap() error { return ErrInvalidOption }

func invalid(key, value, use string) error {
	return &OptionError{Key: key, Value: value, msg: fmt.Sprintf("%s %s is not valid: use %s", key, value, use)}
}

// Set sets one option from text, by its PiGear name (case-insensitive;
// "-" may stand for "_", so exposure-mode works too), and checks the value.
// Values are written as PiGear users write them: booleans as true/false
// (or 1/0, yes/no, on/off), resolution as 640x480 or (640, 480), awb_gains
// as 1.5,1.2.
func (o *Options) Set(key, value string) error {
	k := normalizeKey(key)
	def, ok := optionByKey(k)
	if !ok {
		return unknownOption(key)
	}
	return def.set(o, strings.TrimSpace(value))
}

// SetPair sets an option written as "key=value", the form of picam-server's
// --option flag.
func (o *Options) SetPair(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return &OptionError{Key: kv, msg: fmt.Sprintf("option %q is not key=value: write it as, for example, iso=400 or awb_mode=sunlight", kv)}
	}
	return o.Set(k, v)
}

// Flag returns a flag.Value that calls SetPair, for a repeatable
// --option key=value flag.
func (o *Options) Flag() flag.Value { return optionFlag{o} }

type optionFlag struct{ o *Options }

func (f optionFlag) String() string {
	if f.o == nil {
		return ""
	}
	return f.o.String()
}
func (f optionFlag) Set(s string) error { return f.o.SetPair(s) }

// Validate checks every field, so options set directly (not through Set)
// are checked too. It returns all problems at once, joined.
func (o Options) Validate() error {
	var errs []error
	for _, d := range optionDefs {
		if d.check != nil {
			if err := d.check(&o); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if o.Format != "" && !o.Format.Known() {
		errs = append(errs, invalid("format", string(o.Format), "one of picam's pixel formats (MJPEG, H264, YUYV, NV12, I420, BGR24, RGB24, GRAY8) or leave it empty"))
	}
	return errors.Join(errs...)
}

// String lists the options that differ from the defaults as key=value, in
// table order, for logs ("hflip=true iso=400").
func (o Options) String() string {
	var parts []string
	for _, d := range optionDefs {
		if d.isSet(&o) {
			parts = append(parts, d.info.Key+"="+d.get(&o))
		}
	}
	return strings.Join(parts, " ")
}

// size returns the frame size to ask for, with the defaults filled in.
func (o Options) size() (int, int) {
	w, h := o.Width, o.Height
	if w <= 0 || h <= 0 {
		return DefaultWidth, DefaultHeight
	}
	return w, h
}

// fps returns the frame rate to ask a camera for.
func (o Options) fps() float64 {
	if o.Framerate <= 0 {
		return DefaultFramerate
	}
	return o.Framerate
}

// intra returns the H.264 keyframe period in frames: Intra, or one second.
func (o Options) intra() int {
	if o.Intra > 0 {
		return o.Intra
	}
	return max(1, int(math.Round(o.fps())))
}

// normalizeKey lower-cases a key and turns "-" into "_".
func normalizeKey(k string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_")
}

func unknownOption(key string) error {
	keys := make([]string, len(optionDefs))
	for i, d := range optionDefs {
		keys[i] = d.info.Key
	}
	msg := fmt.Sprintf("unknown camera option %q", key)
	if near := suggest.Nearest(normalizeKey(key), keys); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	msg += ": the options are " + strings.Join(keys, ", ")
	return &OptionError{Key: key, msg: msg}
}

// orList joins values as "a, b or c".
func orList(vs []string) string {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

func parseBool(key, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, invalid(key, v, "true or false")
}

// parseIntIn parses a whole number and checks it against lo..hi.
func parseIntIn(key, v string, lo, hi int, use string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalid(key, v, use)
	}
	return n, nil
}

// parsePair parses "a x b", "a,b", "(a, b)" or "[a, b]" into two fields.
func parsePair(v string) (string, string, bool) {
	s := strings.TrimSpace(v)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "("), "[")
	s = strings.TrimSuffix(strings.TrimSuffix(s, ")"), "]")
	for _, sep := range []string{",", "x", "X"} {
		if a, b, ok := strings.Cut(s, sep); ok {
			return strings.TrimSpace(a), strings.TrimSpace(b), true
		}
	}
	return "", "", false
}

func containsString(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func containsInt(vs []int, v int) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func isoUse() string {
	vs := make([]string, len(isoValues))
	for i, v := range isoValues {
		vs[i] = strconv.Itoa(v)
	}
	vs[0] = "0 (auto)"
	return orList(vs)
}

func rotationUse() string {
	vs := make([]string, len(rotations))
	for i, v := range rotations {
		vs[i] = strconv.Itoa(v)
	}
	return orList(vs)
}

// formatFloat prints a float without trailing zeros ("0.5", "2", "-0.167").
func formatFloat(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// IntPtr returns a pointer to v, for the Brightness, Contrast, Saturation and
// Sharpness fields.
func IntPtr(v int) *int { return &v }
