package codec

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

// Auto is the codec name for "choose for me" (--codec auto): see Select.
const Auto av.Codec = "auto"

// Engine says what does the encoding.
type Engine string

// Encoding engines, in the order Select tries them.
const (
	// EngineHardware is a V4L2 memory-to-memory encoder (bcm2835-codec
	// on Raspberry Pi 1-4; vicodec in the QEMU test).
	EngineHardware Engine = "hardware"
	// EnginePassthrough forwards what the camera already compressed
	// (MJPEG or H.264 from the legacy Pi camera or a UVC camera).
	EnginePassthrough Engine = "passthrough"
	// EngineSoftware encodes on the CPU: libjpeg-turbo or image/jpeg for
	// JPEG, OpenH264 for H.264, BGR conversion for raw.
	EngineSoftware Engine = "software"
)

// ParseEngine turns "auto" (or ""), "hardware", "passthrough" or
// "software" into an Engine; auto is returned as "".
func ParseEngine(s string) (Engine, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return "", nil
	case "hardware", "hw":
		return EngineHardware, nil
	case "passthrough", "camera":
		return EnginePassthrough, nil
	case "software", "sw", "cpu":
		return EngineSoftware, nil
	}
	return "", fmt.Errorf("codec: unknown encoder engine %q; use auto, hardware, passthrough or software", s)
}

// SelectConfig says what to stream and what the camera delivers.
type SelectConfig struct {
	// Codec is Raw, JPEG, H264, FWHT (the QEMU test) or Auto. Auto streams
	// what every client can decode, JPEG, unless the camera delivers
	// H.264 only (then H.264 passthrough, which only picam clients
	// decode).
	Codec av.Codec
	// Engine restricts the choice to one engine; empty means try
	// hardware, then passthrough, then software.
	Engine Engine
	// Input, Width and Height describe the camera's frames; FPS its rate.
	Input         picimage.PixelFormat
	Width, Height int
	FPS           float64
	// Quality is the JPEG quality (default DefaultJPEGQuality).
	Quality int
	// Bitrate, IFramePeriod, Profile and Level configure H.264 (see
	// M2MConfig and SoftwareH264Config); zero values pick defaults.
	Bitrate      int
	IFramePeriod int
	Profile      string
	Level        string
	// Device names the hardware encoder node; empty finds one.
	Device string
	// Workers is how many CPU cores a software encoder may use for one
	// frame (pure-Go JPEG stripes, OpenH264 slice threads); 0 means one.
	Workers int
	// RequestCameraKeyframe, when the camera can be asked for an IDR, is
	// what H.264 passthrough's RequestKeyframe calls.
	RequestCameraKeyframe func()
	// Logger receives the choice and the reasons for it; nil discards.
	Logger *slog.Logger
}

// Selection is the encoder Select chose, and why.
type Selection struct {
	Encoder Encoder
	Codec   av.Codec
	Engine  Engine
	// Impl names the implementation for logs and the status page:
	// "bcm2835-codec /dev/video11", "libjpeg-turbo", "pure Go",
	// "openh264", "MJPEG passthrough", …
	Impl string
	// Skipped lists the better options that were not taken, with the
	// reason for each.
	Skipped []string
}

// selector holds Select's dependencies, so tests can replace the hardware.
type selector struct {
	findEncoders func() []M2MDevice
	newM2M       func(M2MConfig) (Encoder, error)
	softwareH264 func(SoftwareH264Config) (Encoder, error)
	turboJPEG    func(int) (Encoder, error)
}

// machine returns the selector for the real hardware and libraries.
func machine() selector {
	return selector{
		findEncoders: FindM2MEncoders,
		newM2M:       func(c M2MConfig) (Encoder, error) { return NewM2M(c) },
		softwareH264: NewSoftwareH264,
		turboJPEG:    NewTurboJPEG,
	}
}

// Select picks and creates the encoder for a stream: hardware first (a
// V4L2 M2M encoder, when the camera delivers raw frames), then passthrough
// (when the camera already delivers the codec), then software; and logs
// which, with the reasons the better options were skipped. It fails only
// when no engine can produce the codec from the camera's frames, with an
// error that says what to change.
func Select(cfg SelectConfig) (Selection, error) { return machine().pick(cfg) }

func (s selector) pick(cfg SelectConfig) (Selection, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Quality == 0 {
		cfg.Quality = DefaultJPEGQuality
	}
	c := cfg.Codec
	if c == Auto {
		c = av.JPEG
		if cfg.Input == picimage.H264 {
			c = av.H264
		}
	}
	sel := Selection{Codec: c}
	switch c {
	case av.Raw, av.JPEG, av.H264, av.FWHT:
	default:
		return sel, fmt.Errorf("codec: cannot select an encoder for %q; use raw, jpeg, h264 or auto", cfg.Codec)
	}
	engines := []Engine{EngineHardware, EnginePassthrough, EngineSoftware}
	if cfg.Engine != "" {
		engines = []Engine{cfg.Engine}
	}
	var errs []error
	for _, eng := range engines {
		enc, impl, err := s.try(eng, c, cfg)
		if err != nil {
			errs = append(errs, err)
			sel.Skipped = append(sel.Skipped, fmt.Sprintf("%s: %v", eng, err))
			if eng == EngineHardware && len(engines) > 1 && !errors.Is(err, errNotApplicable) {
				log.Info("hardware encoder not used; trying the others", "codec", c, "reason", err.Error(), "fix", hardwareFix(err))
			}
			continue
		}
		sel.Encoder, sel.Engine, sel.Impl = enc, eng, impl
		log.Info("encoder selected", "codec", c, "engine", eng, "impl", impl, "input", cfg.Input,
			"size", fmt.Sprintf("%dx%d", cfg.Width, cfg.Height), "skipped", sel.Skipped)
		return sel, nil
	}
	return sel, &selectFailure{msg: fmt.Sprintf("codec: no encoder can make %s from the camera's %s frames (%s)", c, cfg.Input, strings.Join(sel.Skipped, "; ")), errs: errs}
}

// selectFailure is Select's error; it unwraps to each engine's, so a
// caller can find a SizeLimitError or ErrNoM2MEncoder among them.
type selectFailure struct {
	msg  string
	errs []error
}

func (e *selectFailure) Error() string   { return e.msg }
func (e *selectFailure) Unwrap() []error { return e.errs }

// errNotApplicable marks an engine that cannot serve the request at all
// (as opposed to one that failed).
var errNotApplicable = errors.New("not applicable")

// try creates the encoder of one engine, or says why it cannot.
func (s selector) try(eng Engine, c av.Codec, cfg SelectConfig) (Encoder, string, error) {
	in := cfg.Input
	switch eng {
	case EngineHardware:
		if c == av.Raw {
			return nil, "", fmt.Errorf("%w: raw frames need no encoder", errNotApplicable)
		}
		if in.Compressed() {
			return nil, "", fmt.Errorf("%w: the camera delivers %s, and a hardware encoder needs raw frames", errNotApplicable, in)
		}
		dev := M2MDevice{Path: cfg.Device}
		if dev.Path == "" {
			var err error
			if dev, err = pickM2MEncoder(s.findEncoders(), c); err != nil {
				return nil, "", err
			}
		}
		enc, err := s.newM2M(M2MConfig{
			Device: dev.Path, Codec: c, Width: cfg.Width, Height: cfg.Height, Input: in, FPS: cfg.FPS,
			Bitrate: cfg.Bitrate, IFramePeriod: cfg.IFramePeriod, Profile: cfg.Profile, Level: cfg.Level,
			JPEGQuality: cfg.Quality, Logger: cfg.Logger,
		})
		if err != nil {
			return nil, "", err
		}
		name := strings.TrimSpace(dev.Card + " " + dev.Path)
		return enc, name, nil
	case EnginePassthrough:
		switch {
		case c == av.JPEG && in == picimage.MJPEG:
			enc, err := NewJPEG(cfg.Quality) // passes MJPEG frames through untouched
			return enc, "MJPEG passthrough", err
		case c == av.H264 && in == picimage.H264:
			return NewH264Passthrough(cfg.RequestCameraKeyframe), "H.264 passthrough", nil
		case c == av.Raw && in == picimage.BGR24:
			return NewRaw(), "BGR24 passthrough", nil
		}
		return nil, "", fmt.Errorf("%w: the camera delivers %s, not %s", errNotApplicable, in, c)
	case EngineSoftware:
		if in == picimage.H264 && c != av.H264 {
			return nil, "", fmt.Errorf("the camera delivers H.264, which picam cannot decode; configure it for a raw format or MJPEG")
		}
		switch c {
		case av.Raw:
			return NewRaw(), "BGR24 conversion", nil
		case av.JPEG:
			if enc, err := s.turboJPEG(cfg.Quality); err == nil {
				return enc, "libjpeg-turbo", nil
			}
			enc, err := NewJPEGWith(JPEGConfig{Quality: cfg.Quality, Workers: cfg.Workers})
			return enc, "pure Go", err
		case av.H264:
			if in.Compressed() {
				return nil, "", fmt.Errorf("the camera delivers %s; software H.264 needs raw frames", in)
			}
			enc, err := s.softwareH264(SoftwareH264Config{FPS: cfg.FPS, Bitrate: cfg.Bitrate, IFramePeriod: cfg.IFramePeriod, Threads: cfg.Workers})
			return enc, "openh264", err
		}
		return nil, "", fmt.Errorf("%w: no software encoder for %s", errNotApplicable, c)
	}
	return nil, "", fmt.Errorf("unknown engine %q", eng)
}

// hardwareFix says what would make the hardware encoder usable.
func hardwareFix(err error) string {
	var sl *SizeLimitError
	switch {
	case errors.As(err, &sl):
		return fmt.Sprintf("the Pi's encoders take at most 1920x1920: use --resolution 1920x1080 or smaller (the frames are %dx%d)", sl.Width, sl.Height)
	case errors.Is(err, ErrNoM2MEncoder):
		return "a Pi Zero 2 W, 3 or 4 needs the bcm2835-codec driver (the Buildroot SD image has it; the offline image's Debian kernel does not); the Pi 5 has no hardware encoder"
	}
	return "see the reason; --encoder hardware makes it an error"
}
