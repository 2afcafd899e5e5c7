package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/hw/camera"
	picimage "github.com/picam-project/picam/image"
)

// keyframeRequestEvery limits the keyframe requests of joining and lagging clients (see
// codec.KeyframeLimiter): at most one per half second reaches the encoder, so a client that
// connects just after another's keyframe waits at most that long for its own.
const keyframeRequestEvery = 500 * time.Millisecond

// encoderOptions are the codec and encoder flags.
type encoderOptions struct {
	codec    string
	engine   string
	device   string
	bitrate  int
	keyframe int
}

// register adds the flags. Their names are also picam.conf keys.
func (e *encoderOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&e.codec, "codec", "jpeg", "payload: jpeg (NetGear's frame compression; every client decodes it), raw (BGR24 array), "+
		"h264 (picam clients only: a NetGear client is sent the terminate, with an error in the log), "+
		"fwht (vicodec's format, for the QEMU test with --encoder hardware; picam clients only), "+
		"or auto (jpeg, or h264 from a camera that delivers only H.264)")
	fs.StringVar(&e.engine, "encoder", "auto", "what encodes: auto (a V4L2 hardware encoder, else what the camera already compressed, else software; the log says which and why), "+
		"hardware (bcm2835-codec on a Pi 1-4, vicodec in QEMU), passthrough (the camera's own MJPEG or H.264), "+
		"software (CPU: pure-Go JPEG, or OpenH264 in builds with -tags openh264)")
	fs.StringVar(&e.device, "encoder-device", "", "the hardware encoder's node, e.g. /dev/video11 (default: the first V4L2 memory-to-memory encoder that makes --codec)")
	fs.IntVar(&e.bitrate, "bitrate", 0, "H.264 bit rate in bits per second, 25000-100000000, for the encoder or a camera that encodes (0 = the encoder's default)")
	fs.IntVar(&e.keyframe, "keyframe-interval", 0, "frames from one H.264/FWHT keyframe to the next, 1-1000 (0 = one second's worth); "+
		"a client that joins or falls behind also gets one on request where the encoder can make it")
}

// parsed checks the flags and returns the codec and engine they name.
func (e *encoderOptions) parsed() (av.Codec, codec.Engine, error) {
	c, err := codec.ParseCodec(e.codec)
	if err != nil {
		return "", "", fmt.Errorf("--codec %s: use auto, raw, jpeg, h264 or fwht", e.codec)
	}
	eng, err := codec.ParseEngine(e.engine)
	if err != nil {
		return "", "", fmt.Errorf("--encoder %s: use auto, hardware, passthrough or software", e.engine)
	}
	if e.bitrate != 0 && (e.bitrate < 25000 || e.bitrate > 100_000_000) {
		return "", "", fmt.Errorf("--bitrate %d: use 25000-100000000 bits per second, e.g. 2000000, or 0 for the encoder's default", e.bitrate)
	}
	if e.keyframe < 0 || e.keyframe > 1000 {
		return "", "", fmt.Errorf("--keyframe-interval %d: use 1-1000 frames, or 0 for one second's worth", e.keyframe)
	}
	if c == av.FWHT && eng != "" && eng != codec.EngineHardware {
		return "", "", fmt.Errorf("--codec fwht comes only from vicodec, a hardware (V4L2) encoder: use --encoder hardware or auto")
	}
	if e.device != "" && eng != "" && eng != codec.EngineHardware {
		return "", "", fmt.Errorf("--encoder-device names a hardware encoder, but --encoder is %s: drop one of them", eng)
	}
	return c, eng, nil
}

// encoderPlan is how a camera and an encoder are brought together. Its functions are the
// machine's (camera.Open, codec.Select, codec.FindM2MEncoder) except in tests.
type encoderPlan struct {
	codec   av.Codec
	engine  codec.Engine
	opts    *encoderOptions
	quality int
	log     *slog.Logger

	open     func(ctx context.Context, source string, opts camera.Options, log *slog.Logger) (camera.Camera, error)
	choose   func(codec.SelectConfig) (codec.Selection, error)
	hasHWFor func(av.Codec) bool
}

// newEncoderPlan returns the plan for the real camera and encoders.
func newEncoderPlan(c av.Codec, eng codec.Engine, opts *encoderOptions, quality int, log *slog.Logger) *encoderPlan {
	return &encoderPlan{codec: c, engine: eng, opts: opts, quality: quality, log: log,
		open: camera.Open, choose: codec.Select,
		hasHWFor: func(c av.Codec) bool {
			_, err := codec.FindM2MEncoder(c)
			return err == nil
		}}
}

// selectConfig describes frames of format f at w x h and fps to codec.Select.
func (p *encoderPlan) selectConfig(f picimage.PixelFormat, w, h int, fps float64) codec.SelectConfig {
	return codec.SelectConfig{Codec: p.codec, Engine: p.engine, Input: f, Width: w, Height: h, FPS: fps,
		Quality: p.quality, Bitrate: p.opts.bitrate, IFramePeriod: p.opts.keyframe, Device: p.opts.device, Logger: p.log}
}

// rawFormats are the uncompressed formats to ask a camera for when an encoder will make the
// stream, best first: I420 (YU12) is what the Pi's bcm2835-codec, vicodec and the software
// encoders work in; NV12, YUYV, BGR24 and RGB24 are taken as they are by both hardware
// encoders; anything else is converted to I420 on the CPU first.
var rawFormats = []picimage.PixelFormat{picimage.I420, picimage.NV12, picimage.YUYV, picimage.BGR24, picimage.RGB24, picimage.GRAY8}

// cameraFormats lists the frame formats to ask the camera for, best first. Passthrough needs
// what the camera compressed itself; encoders want raw frames. For H.264 with the automatic
// engine the order follows codec.Select's preference: raw frames when there is a hardware
// encoder, else the camera's own H.264, else raw frames for the software encoder.
func (p *encoderPlan) cameraFormats() []picimage.PixelFormat {
	switch p.codec {
	case av.Raw:
		return []picimage.PixelFormat{picimage.BGR24} // NewRaw converts whatever comes
	case av.FWHT:
		return rawFormats
	case av.H264:
		switch p.engine {
		case codec.EnginePassthrough:
			return []picimage.PixelFormat{picimage.H264}
		case codec.EngineHardware, codec.EngineSoftware:
			return rawFormats
		}
		if p.opts.device != "" || p.hasHWFor(av.H264) {
			return append(slices.Clone(rawFormats), picimage.H264)
		}
		return append([]picimage.PixelFormat{picimage.H264}, rawFormats...)
	}
	// JPEG and auto: the camera's own MJPEG is the cheapest JPEG there is.
	if p.engine == codec.EngineHardware || p.engine == codec.EngineSoftware {
		return rawFormats
	}
	return append([]picimage.PixelFormat{picimage.MJPEG}, rawFormats...)
}

// openCamera opens the camera in the first format, in cameraFormats order, that an encoder
// for the codec can take, and creates that encoder. A camera that lacks the format asked for
// delivers another one (MJPEG first: a USB webcam asked for H.264 or I420 gives MJPEG), so the
// camera is reopened for the next format until it delivers one not tried yet. Raw formats
// are tried until the first one fails: every encoder takes every raw format (converting it
// if it must), so another would fail the same way.
func (p *encoderPlan) openCamera(ctx context.Context, source string, opts camera.Options) (camera.Camera, codec.Selection, error) {
	var tried []picimage.PixelFormat
	var errs []error
	user := opts
	formats := p.cameraFormats()
	for _, want := range formats {
		if len(errs) > 0 && slices.ContainsFunc(tried, func(f picimage.PixelFormat) bool { return !f.Compressed() }) {
			break
		}
		// The encoder settings go to the camera only when it is asked to encode itself: a
		// camera that delivers raw frames warns about them (and fails with --strict).
		opts = user
		opts.Format = want
		switch want {
		case picimage.MJPEG:
			opts.Quality = p.quality
		case picimage.H264:
			if p.opts.bitrate != 0 {
				opts.Bitrate = p.opts.bitrate
			}
			if p.opts.keyframe != 0 {
				opts.Intra = p.opts.keyframe
			}
		}
		cam, err := p.open(ctx, source, opts, p.log)
		if err != nil {
			return nil, codec.Selection{}, err
		}
		info := cam.Info()
		if slices.Contains(tried, info.Format) {
			cam.Close()
			continue
		}
		tried = append(tried, info.Format)
		fps := info.Framerate
		if fps <= 0 {
			fps = opts.Framerate
		}
		sel, err := p.choose(p.selectConfig(info.Format, info.Width, info.Height, fps))
		if err == nil {
			return cam, sel, nil
		}
		cam.Close()
		errs = append(errs, err)
		if info.Format.Compressed() {
			p.log.Info("no encoder for the camera's frames; reopening it in another format", "codec", p.codec, "camera", info.String(), "err", err)
		}
	}
	return nil, codec.Selection{}, p.explain(errs)
}

// openTestCard creates the encoder for the test card's BGR24 frames.
func (p *encoderPlan) openTestCard(w, h int, fps float64) (codec.Selection, error) {
	sel, err := p.choose(p.selectConfig(picimage.BGR24, w, h, fps))
	if err != nil {
		return sel, p.explain([]error{err})
	}
	return sel, nil
}

// explain turns failed selections (one per camera format tried) into one error that says
// what the user can do.
func (p *encoderPlan) explain(errs []error) error {
	var fix string
	switch p.codec {
	case av.H264:
		fix = "for H.264 use a hardware encoder (a Pi 1-4 with bcm2835-codec: --encoder-device /dev/video11), a camera that encodes it (--encoder passthrough), " +
			"or a picam-server built with -tags openh264 (apt-get install libopenh264-dev); or stream --codec jpeg"
	case av.FWHT:
		fix = "--codec fwht needs vicodec, the kernel's test codec (modprobe vicodec multiplanar=1; the QEMU test loads it): --encoder hardware --encoder-device /dev/videoN"
	default:
		fix = "try --encoder auto, or another --codec"
	}
	var sl *codec.SizeLimitError
	all := errors.Join(errs...)
	switch {
	case errors.As(all, &sl):
		fix = fmt.Sprintf("the Pi's hardware encoders take at most 1920x1920: use --resolution 1920x1080 or smaller, or --encoder software for %dx%d", sl.Width, sl.Height)
	case p.engine == codec.EngineHardware && p.codec != av.FWHT && errors.Is(all, codec.ErrNoM2MEncoder):
		fix = "the hardware encoder is bcm2835-codec on a Pi Zero 2 W, 3 or 4 (the Buildroot SD image has it; the offline image's Debian kernel does not; the Pi 5 has none): use --encoder auto or software there"
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return &selectError{errs: errs,
		msg: fmt.Sprintf("--codec %s --encoder %s: %s. Fix: %s", p.codec, engineName(p.engine), strings.Join(msgs, "; and "), fix)}
}

// selectError is a failed encoder selection with the fix; it unwraps to codec.Select's
// errors.
type selectError struct {
	msg  string
	errs []error
}

func (e *selectError) Error() string   { return e.msg }
func (e *selectError) Unwrap() []error { return e.errs }

// engineName is the --encoder value for an engine ("" is auto).
func engineName(e codec.Engine) string {
	if e == "" {
		return "auto"
	}
	return string(e)
}
