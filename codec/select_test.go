package codec

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec/openh264"
	"github.com/picam-project/picam/codec/turbojpeg"
	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// stubEncoder stands in for encoders Select creates from hardware or
// libraries the test machine may not have.
type stubEncoder struct{ codec av.Codec }

func (s stubEncoder) Encode(picimage.Frame) (av.Packet, error) { return av.Packet{}, nil }
func (s stubEncoder) RequestKeyframe()                         {}
func (s stubEncoder) Codec() av.Codec                          { return s.codec }
func (s stubEncoder) Close() error                             { return nil }

// piSelector is a Raspberry Pi 4: bcm2835-codec's encoders, no cgo libraries.
func piSelector(got *M2MConfig) selector {
	return selector{
		findEncoders: func() []M2MDevice {
			return []M2MDevice{
				{Path: "/dev/video11", Card: "bcm2835-codec-encode", MPlane: true, Codecs: []av.Codec{av.H264, av.JPEG},
					Formats: []v4l2.PixelFormat{v4l2.PixFmtH264, v4l2.PixFmtMJPEG}},
				{Path: "/dev/video31", Card: "bcm2835-codec-encode_image", MPlane: true, Codecs: []av.Codec{av.JPEG},
					Formats: []v4l2.PixelFormat{v4l2.PixFmtJPEG}},
			}
		},
		newM2M: func(c M2MConfig) (Encoder, error) {
			*got = c
			return stubEncoder{c.Codec}, nil
		},
		softwareH264: func(SoftwareH264Config) (Encoder, error) { return nil, openh264.ErrUnavailable },
		turboJPEG:    func(int) (Encoder, error) { return nil, turbojpeg.ErrUnavailable },
	}
}

// laptopSelector has no hardware encoder but both libraries.
func laptopSelector() selector {
	return selector{
		findEncoders: func() []M2MDevice { return nil },
		newM2M:       func(M2MConfig) (Encoder, error) { return nil, errors.New("unreachable") },
		softwareH264: func(SoftwareH264Config) (Encoder, error) { return stubEncoder{av.H264}, nil },
		turboJPEG:    func(int) (Encoder, error) { return stubEncoder{av.JPEG}, nil },
	}
}

func TestSelect(t *testing.T) {
	var m2m M2MConfig
	pi := piSelector(&m2m)
	bare := pi
	bare.findEncoders = func() []M2MDevice { return nil } // a Pi 5, pure-Go build
	broken := pi
	broken.newM2M = func(M2MConfig) (Encoder, error) { return nil, errors.New("VIDIOC_REQBUFS: out of memory") }
	for _, tc := range []struct {
		name    string
		s       selector
		cfg     SelectConfig
		codec   av.Codec
		engine  Engine
		impl    string
		skipped int
	}{
		{"pi h264 from YUV", pi, SelectConfig{Codec: av.H264, Input: picimage.I420}, av.H264, EngineHardware, "bcm2835-codec-encode /dev/video11", 0},
		{"pi jpeg prefers the JPEG node", pi, SelectConfig{Codec: av.JPEG, Input: picimage.YUYV}, av.JPEG, EngineHardware, "bcm2835-codec-encode_image /dev/video31", 0},
		{"auto from YUV is JPEG", pi, SelectConfig{Codec: Auto, Input: picimage.YUYV}, av.JPEG, EngineHardware, "bcm2835-codec-encode_image /dev/video31", 0},
		{"auto from MJPEG passes through", pi, SelectConfig{Codec: Auto, Input: picimage.MJPEG}, av.JPEG, EnginePassthrough, "MJPEG passthrough", 1},
		{"auto from H.264 passes through", pi, SelectConfig{Codec: Auto, Input: picimage.H264}, av.H264, EnginePassthrough, "H.264 passthrough", 1},
		{"legacy camera H.264", pi, SelectConfig{Codec: av.H264, Input: picimage.H264}, av.H264, EnginePassthrough, "H.264 passthrough", 1},
		{"hardware fails: pure Go JPEG", broken, SelectConfig{Codec: av.JPEG, Input: picimage.YUYV}, av.JPEG, EngineSoftware, "pure Go", 2},
		{"laptop jpeg", laptopSelector(), SelectConfig{Codec: av.JPEG, Input: picimage.BGR24}, av.JPEG, EngineSoftware, "libjpeg-turbo", 2},
		{"laptop h264", laptopSelector(), SelectConfig{Codec: av.H264, Input: picimage.BGR24}, av.H264, EngineSoftware, "openh264", 2},
		{"forced software", laptopSelector(), SelectConfig{Codec: av.JPEG, Engine: EngineSoftware, Input: picimage.YUYV}, av.JPEG, EngineSoftware, "libjpeg-turbo", 0},
		{"forced software on a Pi", pi, SelectConfig{Codec: av.H264, Engine: EngineSoftware, Input: picimage.YUYV}, av.H264, "", "", 1},
		{"raw from BGR", pi, SelectConfig{Codec: av.Raw, Input: picimage.BGR24}, av.Raw, EnginePassthrough, "BGR24 passthrough", 1},
		{"raw from YUYV", pi, SelectConfig{Codec: av.Raw, Input: picimage.YUYV}, av.Raw, EngineSoftware, "BGR24 conversion", 2},
		{"no H.264 anywhere", bare, SelectConfig{Codec: av.H264, Input: picimage.YUYV}, av.H264, "", "", 3},
		{"JPEG from an H.264 camera", laptopSelector(), SelectConfig{Codec: av.JPEG, Input: picimage.H264}, av.JPEG, "", "", 3},
	} {
		var logs bytes.Buffer
		tc.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		tc.cfg.Width, tc.cfg.Height = 640, 480
		sel, err := tc.s.pick(tc.cfg)
		if sel.Codec != tc.codec || len(sel.Skipped) != tc.skipped {
			t.Errorf("%s: codec %s, skipped %q", tc.name, sel.Codec, sel.Skipped)
		}
		if tc.engine == "" {
			if err == nil || !strings.Contains(err.Error(), "no encoder can make") {
				t.Errorf("%s: err = %v, want a failure", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if sel.Engine != tc.engine || sel.Impl != tc.impl || sel.Encoder == nil || sel.Encoder.Codec() != tc.codec {
			t.Errorf("%s: engine %s impl %q encoder %v", tc.name, sel.Engine, sel.Impl, sel.Encoder)
		}
		if !strings.Contains(logs.String(), "encoder selected") || !strings.Contains(logs.String(), "engine="+string(tc.engine)) {
			t.Errorf("%s: log %q", tc.name, logs.String())
		}
		sel.Encoder.Close()
	}
}

func TestSelectPassesSettings(t *testing.T) {
	var got M2MConfig
	s := piSelector(&got)
	_, err := s.pick(SelectConfig{Codec: av.H264, Input: picimage.NV12, Width: 1280, Height: 720, FPS: 25,
		Bitrate: 3_000_000, IFramePeriod: 50, Profile: "main", Level: "4", Device: "/dev/video99"})
	if err != nil {
		t.Fatal(err)
	}
	want := M2MConfig{Device: "/dev/video99", Codec: av.H264, Width: 1280, Height: 720, Input: picimage.NV12, FPS: 25,
		Bitrate: 3_000_000, IFramePeriod: 50, Profile: "main", Level: "4", JPEGQuality: DefaultJPEGQuality}
	got.Logger = nil
	if got != want {
		t.Errorf("M2M config %+v, want %+v", got, want)
	}
	if _, err := s.pick(SelectConfig{Codec: "vp8"}); err == nil || !strings.Contains(err.Error(), "use raw, jpeg, h264 or auto") {
		t.Errorf("unknown codec: %v", err)
	}
	// The camera's keyframe hook reaches H.264 passthrough.
	asked := 0
	sel, err := s.pick(SelectConfig{Codec: av.H264, Input: picimage.H264, RequestCameraKeyframe: func() { asked++ }})
	if err != nil {
		t.Fatal(err)
	}
	sel.Encoder.RequestKeyframe()
	if asked != 1 {
		t.Error("RequestKeyframe did not reach the camera")
	}
}

func TestParseEngine(t *testing.T) {
	for in, want := range map[string]Engine{"": "", "auto": "", "HW": EngineHardware, "passthrough": EnginePassthrough, "software": EngineSoftware} {
		if got, err := ParseEngine(in); err != nil || got != want {
			t.Errorf("ParseEngine(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseEngine("gpu"); err == nil || !strings.Contains(err.Error(), "use auto, hardware, passthrough or software") {
		t.Errorf("ParseEngine(gpu): %v", err)
	}
}

// On this machine (no V4L2 encoders) Select still gives a working JPEG
// encoder.
func TestSelectHere(t *testing.T) {
	sel, err := Select(SelectConfig{Codec: av.JPEG, Input: picimage.BGR24, Width: 64, Height: 48})
	if err != nil {
		t.Fatal(err)
	}
	defer sel.Encoder.Close()
	if sel.Engine != EngineSoftware {
		t.Errorf("engine %s", sel.Engine)
	}
	p, err := sel.Encoder.Encode(picimage.Frame{Width: 64, Height: 48, Format: picimage.BGR24, Data: make([]byte, 64*48*3)})
	if err != nil || !bytes.HasPrefix(p.Data, []byte{0xff, 0xd8}) {
		t.Errorf("encode: %v", err)
	}
}

// A Pi whose encoder clamps sizes above 1920 (bcm2835-codec's limit):
// auto falls back to software and says why at INFO with the fix; hardware
// fails with the limit in the error. Without an encoder the log says where
// one comes from.
func TestSelectExplainsHardwareFallback(t *testing.T) {
	var got M2MConfig
	pi := piSelector(&got)
	pi.newM2M = func(c M2MConfig) (Encoder, error) { return newM2M(newFakeM2MMax(1920), c) }
	bare := pi
	bare.findEncoders = func() []M2MDevice { return nil }
	big := SelectConfig{Codec: av.JPEG, Input: picimage.I420, Width: 2592, Height: 1944}
	for _, tc := range []struct {
		name   string
		s      selector
		engine Engine
		want   []string
	}{
		{"auto, too large", pi, "", []string{"level=INFO", "hardware encoder not used", "at most 1920", "--resolution 1920x1080"}},
		{"auto, no encoder", bare, "", []string{"level=INFO", "hardware encoder not used", "bcm2835-codec", "Buildroot"}},
	} {
		var logs bytes.Buffer
		cfg := big
		cfg.Engine = tc.engine
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		sel, err := tc.s.pick(cfg)
		if err != nil || sel.Engine != EngineSoftware {
			t.Errorf("%s: engine %s, %v", tc.name, sel.Engine, err)
			continue
		}
		sel.Encoder.Close()
		for _, w := range tc.want {
			if !strings.Contains(logs.String(), w) {
				t.Errorf("%s: log lacks %q:\n%s", tc.name, w, logs.String())
			}
		}
	}
	cfg := big
	cfg.Engine = EngineHardware
	_, err := pi.pick(cfg)
	var sl *SizeLimitError
	if !errors.As(err, &sl) || !strings.Contains(err.Error(), "at most 1920") {
		t.Errorf("--encoder hardware at 2592x1944: %v", err)
	}
	cfg.Width, cfg.Height = 1920, 1080
	if sel, err := pi.pick(cfg); err != nil || sel.Engine != EngineHardware {
		t.Errorf("1920x1080: %v", err)
	}
}
