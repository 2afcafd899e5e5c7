package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/hw/camera"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/cli"
)

func TestEncoderFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--codec", "vp8"}, "--codec vp8: use auto, raw, jpeg, h264 or fwht"},
		{[]string{"--encoder", "gpu"}, "--encoder gpu: use auto, hardware, passthrough or software"},
		{[]string{"--bitrate", "1000"}, "--bitrate 1000: use 25000-100000000"},
		{[]string{"--keyframe-interval", "-1"}, "--keyframe-interval -1: use 1-1000"},
		{[]string{"--codec", "fwht", "--encoder", "software"}, "use --encoder hardware"},
		{[]string{"--encoder", "software", "--encoder-device", "/dev/video11"}, "drop one of them"},
		{[]string{"--codec", "h264", "--delivery", "round-robin"}, "use --delivery broadcast"},
		{[]string{"--codec", "fwht", "--delivery", "rr"}, "use --delivery broadcast"},
		{[]string{"--jpeg-quality", "101"}, "--jpeg-quality 101: use 1-100"},
		{[]string{"--quality", "-1"}, "--jpeg-quality -1: use 1-100"},
	} {
		var stderr bytes.Buffer
		args := append([]string{"--address", "127.0.0.1", "--ports", "5577", "--source", "testsrc", "--status-led", "none"}, c.args...)
		code := run(args, io.Discard, &stderr)
		if code != cli.ExitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}

// The real selection on this machine's test pattern: raw and JPEG always work; FWHT needs
// vicodec, and the error says how to get it.
func TestTestPatternEncoders(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		codec    av.Codec
		wantImpl string
		wantErr  string
	}{
		{av.Raw, "BGR24", ""},
		{av.JPEG, "", ""},
		{codec.Auto, "", ""},
		{av.FWHT, "", "needs vicodec"},
	} {
		p := newEncoderPlan(c.codec, "", &encoderOptions{}, 90, log)
		p.hasHWFor = func(av.Codec) bool { return false }
		p.choose = func(cfg codec.SelectConfig) (codec.Selection, error) {
			if c.codec == av.FWHT {
				return codec.Selection{}, errors.New("codec: no encoder can make fwht (hardware: no V4L2 hardware encoder found)")
			}
			return codec.Select(cfg)
		}
		cam, sel, err := p.openCamera(context.Background(), "testsrc", camera.Options{Width: 64, Height: 48, Framerate: 30})
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "--encoder-device") {
				t.Errorf("%s: err %v, want one containing %q", c.codec, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.codec, err)
		}
		f, err := cam.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pkt, err := sel.Encoder.Encode(f)
		if err != nil {
			t.Fatalf("%s: %v", c.codec, err)
		}
		want := c.codec
		if want == codec.Auto {
			want = av.JPEG
		}
		if pkt.Codec != want || sel.Codec != want || !strings.Contains(sel.Impl, c.wantImpl) || len(pkt.Data) == 0 {
			t.Errorf("%s: selection %+v, packet codec %s, %d bytes", c.codec, sel, pkt.Codec, len(pkt.Data))
		}
		sel.Encoder.Close()
		cam.Close()
	}
}

func TestCameraFormats(t *testing.T) {
	H264, MJPEG, BGR := picimage.H264, picimage.MJPEG, picimage.BGR24
	raws := rawFormats
	with := func(first []picimage.PixelFormat, rest ...picimage.PixelFormat) []picimage.PixelFormat {
		return append(slices.Clone(first), rest...)
	}
	for _, c := range []struct {
		codec  av.Codec
		engine codec.Engine
		hw     bool
		device string
		want   []picimage.PixelFormat
	}{
		{av.Raw, "", false, "", []picimage.PixelFormat{BGR}},
		{av.JPEG, "", false, "", with([]picimage.PixelFormat{MJPEG}, raws...)},
		{codec.Auto, "", false, "", with([]picimage.PixelFormat{MJPEG}, raws...)},
		{av.JPEG, codec.EngineHardware, true, "", raws},
		{av.JPEG, codec.EngineSoftware, false, "", raws},
		{av.H264, "", true, "", with(raws, H264)},
		{av.H264, "", false, "/dev/video11", with(raws, H264)},
		{av.H264, "", false, "", with([]picimage.PixelFormat{H264}, raws...)},
		{av.H264, codec.EnginePassthrough, true, "", []picimage.PixelFormat{H264}},
		{av.H264, codec.EngineHardware, false, "", raws},
		{av.H264, codec.EngineSoftware, true, "", raws},
		{av.FWHT, codec.EngineHardware, true, "/dev/video1", raws},
	} {
		p := newEncoderPlan(c.codec, c.engine, &encoderOptions{device: c.device}, 90, nil)
		p.hasHWFor = func(av.Codec) bool { return c.hw }
		if got := p.cameraFormats(); !slices.Equal(got, c.want) {
			t.Errorf("%s %q hw=%v device=%q: %v, want %v", c.codec, c.engine, c.hw, c.device, got, c.want)
		}
	}
}

// fakeCamera delivers one format, whatever it was asked for (as a camera that lacks the
// format asked for delivers its best one instead).
type fakeCamera struct {
	info   camera.Info
	closed bool
}

func (c *fakeCamera) Next(context.Context) (picimage.Frame, error) {
	return picimage.Frame{}, errors.New("fake camera: no frames")
}
func (c *fakeCamera) Info() camera.Info                   { return c.info }
func (c *fakeCamera) Controls() ([]camera.Control, error) { return nil, nil }
func (c *fakeCamera) GetControl(string) (int64, error)    { return 0, camera.ErrNoControl }
func (c *fakeCamera) SetControl(string, int64) error      { return camera.ErrNotSupported }
func (c *fakeCamera) Close() error                        { c.closed = true; return nil }
func fakeSource(offers ...picimage.PixelFormat) func(picimage.PixelFormat) picimage.PixelFormat {
	return func(want picimage.PixelFormat) picimage.PixelFormat {
		if slices.Contains(offers, want) {
			return want
		}
		return offers[0]
	}
}

// A camera opened in the format the encoder wants, and reopened in another when what it
// delivered cannot be encoded; the encoder settings reach the camera only when it encodes.
func TestOpenCameraFormats(t *testing.T) {
	type opened struct {
		asked camera.Options
		cam   *fakeCamera
	}
	for _, c := range []struct {
		name      string
		codec     av.Codec
		hw        bool
		delivers  func(picimage.PixelFormat) picimage.PixelFormat
		wantOpens []picimage.PixelFormat // formats asked for, in order
		wantInput picimage.PixelFormat   // what the encoder got
	}{
		// A USB webcam without H.264 gives MJPEG, which no H.264 encoder takes: reopened in YUYV.
		{"uvc h264", av.H264, false, fakeSource(picimage.MJPEG, picimage.YUYV), []picimage.PixelFormat{picimage.H264, picimage.I420, picimage.NV12, picimage.YUYV}, picimage.YUYV},
		// The legacy Pi camera encodes H.264 itself.
		{"pi camera h264", av.H264, false, fakeSource(picimage.I420, picimage.H264), []picimage.PixelFormat{picimage.H264}, picimage.H264},
		// vivid with vicodec: YU12 straight into the encoder.
		{"vivid fwht", av.FWHT, true, fakeSource(picimage.YUYV, picimage.I420), []picimage.PixelFormat{picimage.I420}, picimage.I420},
		// JPEG from a camera without MJPEG: its YUYV is encoded.
		{"vivid jpeg", av.JPEG, false, fakeSource(picimage.YUYV), []picimage.PixelFormat{picimage.MJPEG}, picimage.YUYV},
	} {
		t.Run(c.name, func(t *testing.T) {
			var opens []opened
			p := newEncoderPlan(c.codec, "", &encoderOptions{bitrate: 2_000_000, keyframe: 15}, 80, slog.New(slog.DiscardHandler))
			p.hasHWFor = func(av.Codec) bool { return c.hw }
			p.open = func(_ context.Context, source string, opts camera.Options, _ *slog.Logger) (camera.Camera, error) {
				cam := &fakeCamera{info: camera.Info{Source: camera.SourceV4L2, Format: c.delivers(opts.Format), Width: opts.Width, Height: opts.Height, Framerate: 25}}
				opens = append(opens, opened{opts, cam})
				return cam, nil
			}
			var got codec.SelectConfig
			p.choose = func(cfg codec.SelectConfig) (codec.Selection, error) {
				if cfg.Input.Compressed() && (cfg.Input != picimage.H264 || c.codec != av.H264) {
					return codec.Selection{}, fmt.Errorf("cannot encode %s from %s", c.codec, cfg.Input)
				}
				got = cfg
				return codec.Selection{Codec: c.codec, Encoder: codec.NewRaw()}, nil
			}
			cam, _, err := p.openCamera(context.Background(), "v4l2:/dev/video0", camera.Options{Width: 640, Height: 480, Framerate: 30})
			if err != nil {
				t.Fatal(err)
			}
			var asked []picimage.PixelFormat
			for i, o := range opens {
				asked = append(asked, o.asked.Format)
				if last := i == len(opens)-1; last && (o.cam.closed || cam != camera.Camera(o.cam)) {
					t.Errorf("the camera returned (open %d, %s) is closed or not the last one opened", i, o.asked.Format)
				} else if !last && !o.cam.closed {
					t.Errorf("open %d (%s) was not used but left open", i, o.asked.Format)
				}
				encodes := o.asked.Format == picimage.H264
				if (o.asked.Bitrate == 2_000_000) != encodes || (o.asked.Intra == 15) != encodes {
					t.Errorf("camera asked for %s got bitrate %d intra %d", o.asked.Format, o.asked.Bitrate, o.asked.Intra)
				}
				if (o.asked.Quality == 80) != (o.asked.Format == picimage.MJPEG) {
					t.Errorf("camera asked for %s got JPEG quality %d", o.asked.Format, o.asked.Quality)
				}
			}
			if !slices.Equal(asked, c.wantOpens) {
				t.Errorf("camera opened in %v, want %v", asked, c.wantOpens)
			}
			if got.Input != c.wantInput || got.Width != 640 || got.Height != 480 || got.FPS != 25 || got.Bitrate != 2_000_000 || got.IFramePeriod != 15 || got.Quality != 80 {
				t.Errorf("encoder configured with %+v", got)
			}
		})
	}
}

// Every format fails: one error with each reason and the fix.
func TestOpenCameraNoEncoder(t *testing.T) {
	p := newEncoderPlan(av.H264, "", &encoderOptions{}, 90, slog.New(slog.DiscardHandler))
	p.hasHWFor = func(av.Codec) bool { return false }
	n := 0
	p.open = func(_ context.Context, _ string, opts camera.Options, _ *slog.Logger) (camera.Camera, error) {
		n++
		return &fakeCamera{info: camera.Info{Source: camera.SourceV4L2, Format: fakeSource(picimage.MJPEG, picimage.YUYV)(opts.Format)}}, nil
	}
	p.choose = func(cfg codec.SelectConfig) (codec.Selection, error) {
		return codec.Selection{}, fmt.Errorf("nothing takes %s", cfg.Input)
	}
	_, _, err := p.openCamera(context.Background(), "v4l2:/dev/video0", camera.Options{})
	if err == nil || n != 4 { // H264 (MJPEG), I420 and NV12 (MJPEG again), YUYV
		t.Fatalf("opened %d times, err %v", n, err)
	}
	for _, want := range []string{"nothing takes MJPEG", "nothing takes YUYV", "-tags openh264", "--codec jpeg"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// --encoder hardware with frames larger than the Pi's encoders take: the error (which run
// turns into exit status 2) names the 1920 limit and the fix.
func TestHardwareSizeLimit(t *testing.T) {
	p := newEncoderPlan(av.JPEG, codec.EngineHardware, &encoderOptions{}, 90, slog.New(slog.DiscardHandler))
	p.choose = func(cfg codec.SelectConfig) (codec.Selection, error) {
		return codec.Selection{}, fmt.Errorf("codec: no encoder can make jpeg: %w",
			&codec.SizeLimitError{Device: "/dev/video31", Width: cfg.Width, Height: cfg.Height, MaxWidth: 1920, MaxHeight: 1920})
	}
	_, err := p.openTestCard(2592, 1944, 30)
	if err == nil || !strings.Contains(err.Error(), "at most 1920") || !strings.Contains(err.Error(), "--resolution 1920x1080 or smaller") {
		t.Errorf("err = %v", err)
	}
}

// --encoder hardware where there is none: the fix says which boards and image have one.
func TestHardwareMissing(t *testing.T) {
	p := newEncoderPlan(av.H264, codec.EngineHardware, &encoderOptions{}, 90, slog.New(slog.DiscardHandler))
	p.choose = func(cfg codec.SelectConfig) (codec.Selection, error) {
		return codec.Selection{}, fmt.Errorf("codec: no encoder can make h264: %w", codec.ErrNoM2MEncoder)
	}
	_, err := p.openTestCard(640, 480, 30)
	if err == nil || !strings.Contains(err.Error(), "Buildroot SD image has it") || !strings.Contains(err.Error(), "Pi 5 has none") {
		t.Errorf("err = %v", err)
	}
}
