package codec

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"syscall"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// codedFourCCs lists, per codec, the CAPTURE formats that produce it, in
// order of preference.
var codedFourCCs = map[av.Codec][]v4l2.PixelFormat{
	av.H264: {v4l2.PixFmtH264},
	av.JPEG: {v4l2.PixFmtJPEG, v4l2.PixFmtMJPEG},
	av.FWHT: {v4l2.PixFmtFWHT},
}

// h264Profiles and h264Levels map the names users type to menu values.
var h264Profiles = map[string]int64{
	"baseline":             v4l2.H264ProfileBaseline,
	"constrained-baseline": v4l2.H264ProfileConstrainedBaseline,
	"main":                 v4l2.H264ProfileMain,
	"high":                 v4l2.H264ProfileHigh,
}

var h264Levels = map[string]int64{
	"1": v4l2.H264Level1_0, "1b": v4l2.H264Level1B, "1.1": v4l2.H264Level1_1, "1.2": v4l2.H264Level1_2,
	"1.3": v4l2.H264Level1_3, "2": v4l2.H264Level2_0, "2.1": v4l2.H264Level2_1, "2.2": v4l2.H264Level2_2,
	"3": v4l2.H264Level3_0, "3.1": v4l2.H264Level3_1, "3.2": v4l2.H264Level3_2, "4": v4l2.H264Level4_0,
	"4.1": v4l2.H264Level4_1, "4.2": v4l2.H264Level4_2, "5": v4l2.H264Level5_0, "5.1": v4l2.H264Level5_1,
}

// level41MBs is the macroblock rate levels 4.0 and 4.1 allow; 1080p30 is
// just below it (244,800).
const level41MBs = 245760

// level40Bitrate is the bit rate H.264 level 4.0 allows (Baseline and
// Main; High allows 1.25 times as much).
const level40Bitrate = 20_000_000

// levelMaxBitrate is MaxBR per H.264 level (Baseline and Main, bit/s).
var levelMaxBitrate = map[string]int64{
	"1": 64_000, "1b": 128_000, "1.1": 192_000, "1.2": 384_000, "1.3": 768_000, "2": 2_000_000,
	"2.1": 4_000_000, "2.2": 4_000_000, "3": 10_000_000, "3.1": 14_000_000, "3.2": 20_000_000,
	"4": level40Bitrate, "4.1": 50_000_000, "4.2": 50_000_000, "5": 135_000_000, "5.1": 240_000_000,
}

// levelBitrate is the bit rate a level allows.
func levelBitrate(level string) int64 {
	return levelMaxBitrate[strings.TrimSuffix(level, ".0")]
}

// codedBufferSize is the bitstream buffer size to ask for. bcm2835-codec's
// defaults (512 KiB up to 720p, 768 KiB above) hold ordinary frames, but
// an IDR at a high bitrate can be larger and then spans two buffers (which
// Encode joins, at the cost of a copy). Half a byte per pixel (1 MiB at
// 1080p, a third of the raw picture) avoids that; the driver keeps the
// larger of this and its own size.
func codedBufferSize(w, h int) uint32 {
	const unit = 64 << 10
	n := max(w*h/2, 512<<10)
	return uint32((n + unit - 1) / unit * unit)
}

// SizeLimitError reports frames larger than a hardware encoder takes.
type SizeLimitError struct {
	Device              string
	Width, Height       int // the frames
	MaxWidth, MaxHeight int // what the driver clamped them to
}

func (e *SizeLimitError) Error() string {
	return fmt.Sprintf("%s cannot encode %dx%d frames: it clamped them to %dx%d (bcm2835-codec, the Pi's hardware encoder, takes at most 1920 pixels on each side); "+
		"use --resolution 1920x1080 or smaller to encode in hardware, or --encoder software", e.Device, e.Width, e.Height, e.MaxWidth, e.MaxHeight)
}

// withDefaults fills in the documented defaults and checks the settings
// that do not need the device.
func (cfg M2MConfig) withDefaults() (M2MConfig, error) {
	if _, ok := codedFourCCs[cfg.Codec]; !ok {
		return cfg, fmt.Errorf("codec %q cannot come from a V4L2 encoder; use h264, jpeg or fwht", cfg.Codec)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, fmt.Errorf("frame size %dx%d: set the width and height of the frames", cfg.Width, cfg.Height)
	}
	if _, ok := rawFourCC[cfg.Input]; !ok {
		return cfg, fmt.Errorf("input format %q cannot be encoded; the camera must deliver one of I420, NV12, YUYV, BGR24, RGB24 or GRAY8", cfg.Input)
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 30
	}
	if cfg.IFramePeriod <= 0 {
		cfg.IFramePeriod = max(1, int(math.Round(cfg.FPS)))
	}
	if cfg.JPEGQuality == 0 {
		cfg.JPEGQuality = DefaultJPEGQuality
	}
	if cfg.JPEGQuality < 1 || cfg.JPEGQuality > 100 {
		return cfg, fmt.Errorf("JPEG quality %d is out of range; use 1..100", cfg.JPEGQuality)
	}
	if cfg.Profile != "" {
		if _, ok := h264Profiles[strings.ToLower(cfg.Profile)]; !ok {
			return cfg, fmt.Errorf("H.264 profile %q: use baseline, constrained-baseline, main or high", cfg.Profile)
		}
	}
	if cfg.Level != "" {
		if _, ok := h264Levels[strings.TrimSuffix(cfg.Level, ".0")]; !ok {
			return cfg, fmt.Errorf("H.264 level %q: use one of 1 to 5.1, such as 4, 4.1 or 4.2", cfg.Level)
		}
	}
	if cfg.Buffers <= 0 {
		cfg.Buffers = DefaultM2MFrames
	}
	if cfg.DMABuf {
		cfg.Buffers = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	return cfg, nil
}

// newM2M sets up an opened device; on error the caller closes it.
func newM2M(dev m2mDevice, cfg M2MConfig) (*M2MEncoder, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("m2m encoder %s: %w", cfg.Device, err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &M2MEncoder{dev: dev, cfg: cfg, log: log, depth: cfg.Buffers,
		hold: time.Duration(float64(time.Second) / cfg.FPS)}
	c := dev.Capability()
	if !c.IsM2M() || !c.Streaming() {
		return nil, fmt.Errorf("m2m encoder: %s (%s) is not a memory-to-memory streaming device; on a Pi the H.264 encoder is /dev/video11 (bcm2835-codec, needs the legacy firmware's codec support)", dev.Path(), c)
	}
	e.outT, e.capT = v4l2.BufTypeVideoOutput, v4l2.BufTypeVideoCapture
	if c.IsMPlane() {
		e.outT, e.capT = v4l2.BufTypeVideoOutputMPlane, v4l2.BufTypeVideoCaptureMPlane
	}
	if err := e.setFormats(); err != nil {
		return nil, fmt.Errorf("m2m encoder %s: %w", dev.Path(), err)
	}
	if err := e.setControls(); err != nil {
		return nil, fmt.Errorf("m2m encoder %s: %w", dev.Path(), err)
	}
	if err := e.startStreaming(); err != nil {
		return nil, fmt.Errorf("m2m encoder %s: %w", dev.Path(), err)
	}
	log.Info("m2m encoder ready", "device", dev.Path(), "driver", c.Driver, "codec", cfg.Codec,
		"input", e.outFmt.String(), "converted", e.convert, "dmabuf", cfg.DMABuf, "mplane", c.IsMPlane())
	return e, nil
}

// setFormats negotiates the CAPTURE (bitstream) format first, as the
// stateful encoder interface asks, then the OUTPUT (raw) one.
func (e *M2MEncoder) setFormats() error {
	cfg := e.cfg
	coded, err := e.dev.EnumFormats(e.capT)
	if err != nil {
		return fmt.Errorf("listing its output formats: %w", err)
	}
	var want v4l2.PixelFormat
	for _, pf := range codedFourCCs[cfg.Codec] {
		if hasFourCC(coded, pf) {
			want = pf
			break
		}
	}
	if want == 0 {
		return fmt.Errorf("it does not produce %s (it offers %s); pick another device or codec", cfg.Codec, fourCCList(coded))
	}
	size := codedBufferSize(cfg.Width, cfg.Height)
	got, err := e.dev.SetFormat(e.capT, v4l2.PixFormat{Width: uint32(cfg.Width), Height: uint32(cfg.Height), PixelFormat: want, SizeImage: size})
	if err != nil {
		return fmt.Errorf("setting its output format to %s: %w", want, err)
	}
	if got.PixelFormat != want {
		return fmt.Errorf("asked for %s output, the driver chose %s", want, got.PixelFormat)
	}
	// Drivers clamp a size they cannot take to their limit (bcm2835-codec:
	// 1920 on each side) rather than fail; a few lines less is alignment.
	if int(got.Width)+16 <= cfg.Width || int(got.Height)+16 <= cfg.Height {
		return &SizeLimitError{Device: e.dev.Path(), Width: cfg.Width, Height: cfg.Height, MaxWidth: int(got.Width), MaxHeight: int(got.Height)}
	}
	e.log.Debug("m2m encoder: bitstream buffers", "device", e.dev.Path(), "asked", size, "got", got.SizeImage)

	raw, err := e.dev.EnumFormats(e.outT)
	if err != nil {
		return fmt.Errorf("listing its input formats: %w", err)
	}
	in := cfg.Input
	if !hasFourCC(raw, rawFourCC[in]) {
		if !hasFourCC(raw, v4l2.PixFmtYUV420) || cfg.Width%2 != 0 || cfg.Height%2 != 0 {
			return fmt.Errorf("it takes neither %s nor I420 input (it offers %s); have the camera deliver one it takes", in, fourCCList(raw))
		}
		in, e.convert = picimage.I420, true
		e.log.Info("m2m encoder: converting frames in software", "from", cfg.Input, "to", in, "device", e.dev.Path())
	}
	e.outFmt, err = e.dev.SetFormat(e.outT, v4l2.PixFormat{Width: uint32(cfg.Width), Height: uint32(cfg.Height), PixelFormat: rawFourCC[in], Field: v4l2.FieldNone})
	if err != nil {
		return fmt.Errorf("setting its input format to %dx%d %s: %w", cfg.Width, cfg.Height, rawFourCC[in], err)
	}
	if e.outFmt.PixelFormat != rawFourCC[in] {
		return fmt.Errorf("asked for %s input, the driver chose %s", rawFourCC[in], e.outFmt.PixelFormat)
	}
	if e.layout, err = newRawLayout(in, cfg.Width, cfg.Height, e.outFmt); err != nil {
		return err
	}
	// The rate tells the rate control how many bits a frame may have.
	// Not every encoder has it (vicodec does not); that is harmless.
	fps := uint32(math.Round(cfg.FPS * 1000))
	if _, err := e.dev.SetFrameInterval(e.outT, v4l2.Fract{Numerator: 1000, Denominator: fps}); err != nil {
		e.log.Debug("m2m encoder: no frame rate on the input queue", "device", e.dev.Path(), "err", err)
	}
	return nil
}

// setControls applies the encoder settings the device has.
func (e *M2MEncoder) setControls() error {
	cfg := e.cfg
	type setting struct {
		id       v4l2.CtrlID
		value    int64
		why      string
		required bool // asked for by the user: its absence is an error
	}
	var todo []setting
	switch cfg.Codec {
	case av.H264:
		level := cfg.Level
		if level == "" && macroblockRate(cfg.Width, cfg.Height, cfg.FPS) > level41MBs {
			level = "4.2"
		}
		if cfg.Bitrate > 0 {
			br := int64(cfg.Bitrate)
			if info, err := e.dev.QueryControl(v4l2.CtrlMPEGVideoBitrate); err == nil && info.Type == v4l2.CtrlTypeInteger && info.Max > 0 && br > info.Max {
				e.log.Info("m2m encoder: bitrate lowered to the encoder's maximum", "device", e.dev.Path(), "asked", br, "set", info.Max)
				br = info.Max
			}
			switch {
			case level == "" && br > level40Bitrate/2:
				// bcm2835-codec's default level, 4.0, allows 20 Mbit/s, and
				// the firmware refuses to start (STREAMON: ESRCH) at exactly
				// 25 Mbit/s with it (raspberrypi/linux#4938). picamera2
				// raises the level to 4.1 above 10 Mbit/s; so does picam.
				level = "4.1"
				e.log.Info("m2m encoder: H.264 level 4.1 for a bitrate above 10 Mbit/s (level 4.0 allows 20, and 25 Mbit/s fails to start at 4.0)", "device", e.dev.Path(), "bitrate", br)
			case level != "" && br > levelBitrate(level):
				e.log.Info("m2m encoder: bitrate lowered to what the H.264 level allows", "device", e.dev.Path(), "level", level, "asked", br, "set", levelBitrate(level))
				br = levelBitrate(level)
			}
			todo = append(todo, setting{v4l2.CtrlMPEGVideoBitrate, br, "bitrate", true})
		}
		if _, err := e.dev.QueryControl(v4l2.CtrlMPEGVideoH264IPeriod); err == nil {
			todo = append(todo, setting{v4l2.CtrlMPEGVideoH264IPeriod, int64(cfg.IFramePeriod), "I-frame period", false})
		} else {
			todo = append(todo, setting{v4l2.CtrlMPEGVideoGOPSize, int64(cfg.IFramePeriod), "GOP size", false})
		}
		// SPS/PPS before every IDR; the cache in h264Stream covers
		// encoders without the control.
		todo = append(todo, setting{v4l2.CtrlMPEGVideoRepeatSeqHeader, 1, "repeat SPS/PPS", false},
			setting{v4l2.CtrlMPEGVideoPrependSPSPPSToIDR, 1, "SPS/PPS before IDR", false})
		if cfg.Profile != "" {
			todo = append(todo, setting{v4l2.CtrlMPEGVideoH264Profile, h264Profiles[strings.ToLower(cfg.Profile)], "profile " + cfg.Profile, true})
		}
		switch {
		case cfg.Level != "":
			todo = append(todo, setting{v4l2.CtrlMPEGVideoH264Level, h264Levels[strings.TrimSuffix(cfg.Level, ".0")], "level " + cfg.Level, true})
		case level == "4.2":
			todo = append(todo, setting{v4l2.CtrlMPEGVideoH264Level, v4l2.H264Level4_2, "level 4.2 (above 1080p30)", false})
		case level == "4.1":
			todo = append(todo, setting{v4l2.CtrlMPEGVideoH264Level, v4l2.H264Level4_1, "level 4.1 (above 10 Mbit/s)", false})
		}
	case av.JPEG:
		todo = append(todo, setting{v4l2.CtrlJPEGCompressionQuality, int64(cfg.JPEGQuality), "JPEG quality", false})
		if cfg.Bitrate > 0 {
			// MJPEG on /dev/video11 is sized by a bitrate; JPEG on
			// /dev/video31 has only the quality. --bitrate is an H.264
			// setting, so its absence here is no error.
			if _, err := e.dev.QueryControl(v4l2.CtrlMPEGVideoBitrate); err != nil {
				e.log.Info("m2m encoder: the bitrate does not apply to this JPEG encoder (it has a quality, no bit rate control)", "device", e.dev.Path(), "bitrate", cfg.Bitrate)
			} else {
				todo = append(todo, setting{v4l2.CtrlMPEGVideoBitrate, int64(cfg.Bitrate), "bitrate", false})
			}
		}
	case av.FWHT:
		todo = append(todo, setting{v4l2.CtrlMPEGVideoGOPSize, int64(cfg.IFramePeriod), "GOP size", false})
	}
	for _, s := range todo {
		info, err := e.dev.QueryControl(s.id)
		if err != nil {
			if !errors.Is(err, syscall.EINVAL) {
				return fmt.Errorf("reading its %s control: %w", s.why, err)
			}
			if s.required {
				return fmt.Errorf("it has no %s control; leave the setting out for this encoder", s.why)
			}
			e.log.Debug("m2m encoder: control not offered, skipped", "device", e.dev.Path(), "setting", s.why)
			continue
		}
		if lo, hi := info.Min, info.Max; !s.required && info.Type == v4l2.CtrlTypeInteger && lo <= hi && (s.value < lo || s.value > hi) {
			// A default picam chose (one second of frames between keyframes) that this
			// encoder cannot take, e.g. vicodec's GOP size of at most 16: the nearest it can.
			v := min(max(s.value, lo), hi)
			e.log.Info("m2m encoder: setting clamped to the device's range", "device", e.dev.Path(), "setting", s.why, "asked", s.value, "set", v, "range", fmt.Sprintf("%d..%d", lo, hi))
			s.value = v
		}
		if v := roundToStep(info, s.value); v != s.value {
			e.log.Info("m2m encoder: setting rounded to what the device takes", "device", e.dev.Path(), "setting", s.why, "asked", s.value, "set", v)
			s.value = v
		}
		if err := e.dev.SetExtControls(v4l2.CtrlClassOf(s.id), v4l2.ExtControl{ID: s.id, Value: s.value}); err != nil {
			if s.required {
				return fmt.Errorf("setting %s to %d: %w", s.why, s.value, err)
			}
			e.log.Warn("m2m encoder: setting refused", "device", e.dev.Path(), "setting", s.why, "value", s.value, "err", err)
		}
	}
	if cfg.Codec == av.H264 {
		_, err := e.dev.QueryControl(v4l2.CtrlMPEGVideoForceKeyFrame)
		e.forceKey = err == nil
	}
	return nil
}

// startStreaming allocates and maps the buffers, gives every CAPTURE
// buffer to the driver and starts both queues.
func (e *M2MEncoder) startStreaming() error {
	n := e.cfg.Buffers
	var err error
	var nOut int
	if e.cfg.DMABuf {
		nOut, err = e.dev.RequestDMABufBuffers(e.outT, n)
	} else {
		nOut, err = e.dev.RequestBuffers(e.outT, n)
	}
	if err != nil {
		return fmt.Errorf("allocating input buffers: %w", err)
	}
	nCap, err := e.dev.RequestBuffers(e.capT, 2*n)
	if err != nil {
		return fmt.Errorf("allocating bitstream buffers: %w", err)
	}
	if nOut < 1 || nCap < 1 {
		return fmt.Errorf("the driver gave %d input and %d bitstream buffers", nOut, nCap)
	}
	// Never more frames in flight than the driver gave input buffers for.
	e.depth = min(e.depth, nOut)
	for i := 0; i < nOut; i++ {
		e.free = append(e.free, uint32(i))
		if e.cfg.DMABuf {
			continue
		}
		planes, err := e.dev.Mapping(e.outT, i)
		if err != nil {
			return fmt.Errorf("mapping input buffer %d: %w", i, err)
		}
		if len(planes) != 1 || len(planes[0]) < e.layout.size {
			return fmt.Errorf("input buffer %d has %d planes (want one of at least %d bytes)", i, len(planes), e.layout.size)
		}
		e.maps = append(e.maps, planes[0])
	}
	for i := 0; i < nCap; i++ {
		if err := e.dev.Queue(v4l2.Buffer{Type: e.capT, Index: uint32(i)}); err != nil {
			return fmt.Errorf("queueing bitstream buffer %d: %w", i, err)
		}
	}
	if err := e.dev.StreamOn(e.outT); err != nil {
		return fmt.Errorf("starting the input queue: %w", err)
	}
	if err := e.dev.StreamOn(e.capT); err != nil {
		return fmt.Errorf("starting the output queue: %w", err)
	}
	return nil
}

// roundToStep rounds an integer control's value to the nearest multiple of
// its step (bcm2835-codec takes bitrates in steps of 25 kbit/s); the range
// is left to Validate, so an impossible value is still reported.
func roundToStep(c v4l2.ControlInfo, v int64) int64 {
	if c.Type != v4l2.CtrlTypeInteger || c.Step <= 1 || v < c.Min || v > c.Max {
		return v
	}
	step := int64(c.Step)
	r := c.Min + (v-c.Min+step/2)/step*step
	if r > c.Max {
		r -= step
	}
	return r
}

// macroblockRate is the number of 16x16 macroblocks per second, what
// H.264 levels limit.
func macroblockRate(w, h int, fps float64) float64 {
	return float64((w+15)/16*((h+15)/16)) * fps
}

// parameterSetsOnly reports an H.264 buffer with SPS/PPS but no picture.
func parameterSetsOnly(data []byte) bool {
	a := h264.Inspect(data)
	return a.Slices == 0 && (a.SPS > 0 || a.PPS > 0)
}

func hasFourCC(fmts []v4l2.FormatDesc, pf v4l2.PixelFormat) bool {
	for _, f := range fmts {
		if f.PixelFormat == pf {
			return true
		}
	}
	return false
}

func fourCCList(fmts []v4l2.FormatDesc) string {
	if len(fmts) == 0 {
		return "nothing"
	}
	var names []string
	for _, f := range fmts {
		names = append(names, f.PixelFormat.String())
	}
	return strings.Join(names, ", ")
}
