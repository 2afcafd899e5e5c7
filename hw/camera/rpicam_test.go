package camera

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/av/h264"
	picimage "github.com/picam-project/picam/image"
)

func TestRpicamArgsDefaults(t *testing.T) {
	p, err := rpicamArgs(Options{}, "", false)
	if err != nil {
		t.Fatal(err)
	}
	want := "--nopreview -t 0 -o - --codec mjpeg --inline --flush --width 640 --height 480 --framerate 30 --quality 90"
	if got := strings.Join(p.args, " "); got != want || p.format != picimage.MJPEG {
		t.Errorf("args %q (%s), want %q", got, p.format, want)
	}
	p, _ = rpicamArgs(Options{Format: picimage.H264, Width: 1280, Height: 720, Framerate: 25, Bitrate: 3_000_000}, "", false)
	want = "--nopreview -t 0 -o - --codec h264 --inline --flush --width 1280 --height 720 --framerate 25 --intra 25 --bitrate 3000000"
	if got := strings.Join(p.args, " "); got != want || p.format != picimage.H264 {
		t.Errorf("args %q (%s), want %q", got, p.format, want)
	}
	if len(p.warnings) != 0 {
		t.Errorf("warnings %q", p.warnings)
	}
}

func TestRpicamArgsPiGearOptions(t *testing.T) {
	for _, tc := range []struct {
		opts  Options
		flags string // expected after the fixed part
		warn  string
	}{
		{Options{HFlip: true, VFlip: true}, "--hflip --vflip", ""},
		{Options{Rotation: 180}, "--rotation 180", ""},
		{Options{ExposureMode: "sports"}, "--exposure sport", ""},
		{Options{ExposureMode: "antishake"}, "--exposure sport", ""},
		{Options{ExposureMode: "night"}, "--exposure long", ""},
		{Options{ExposureMode: "verylong"}, "--exposure long", ""},
		{Options{ExposureMode: "auto"}, "", ""},
		{Options{ExposureMode: "fixedfps"}, "", ""},
		{Options{ExposureMode: "beach"}, "", "exposure_mode=beach has no rpicam-vid equivalent"},
		{Options{ExposureMode: "off"}, "", "set shutter_speed and iso"},
		{Options{ExposureMode: "off", ISO: 200, ShutterSpeed: 10000}, "--gain 2 --shutter 10000", ""},
		{Options{ISO: 320}, "--gain 3.2", ""},
		{Options{ExposureCompensation: 6}, "--ev 1", ""},
		{Options{ExposureCompensation: -25}, "--ev -4.167", ""},
		{Options{AWBMode: "sunlight"}, "--awb daylight", ""},
		{Options{AWBMode: "shade"}, "--awb cloudy", ""},
		{Options{AWBMode: "horizon"}, "--awb incandescent", ""},
		{Options{AWBMode: "tungsten"}, "--awb tungsten", ""},
		{Options{AWBMode: "greyworld"}, "", "greyworld has no rpicam-vid equivalent"},
		{Options{AWBMode: "off", AWBGains: [2]float64{1.5, 1.25}}, "--awbgains 1.5,1.25", ""},
		{Options{AWBMode: "off"}, "", "awb_mode=off without awb_gains"},
		{Options{AWBGains: [2]float64{1.5, 1.25}}, "", "awb_gains are used only with awb_mode=off"},
		{Options{MeterMode: "backlit"}, "--metering centre", ""},
		{Options{MeterMode: "average"}, "--metering average", ""},
		{Options{MeterMode: "matrix"}, "--metering matrix", ""},
		{Options{ShutterSpeed: 8000}, "--shutter 8000", ""},
		{Options{Brightness: IntPtr(75)}, "--brightness 0.5", ""},
		{Options{Brightness: IntPtr(0)}, "--brightness -1", ""},
		{Options{Contrast: IntPtr(-100), Saturation: IntPtr(50), Sharpness: IntPtr(0)}, "--contrast 0 --saturation 1.5 --sharpness 1", ""},
		{Options{SensorMode: 2}, "--mode 1640:1232:10:P", ""},
		{Options{Bitrate: 1_000_000}, "", "bitrate=1000000 ignored"},
		{Options{Quality: 70}, "", ""},
	} {
		p, err := rpicamArgs(tc.opts, "1640:1232:10:P", false)
		if err != nil {
			t.Errorf("%+v: %v", tc.opts, err)
			continue
		}
		got := strings.Join(p.args, " ")
		_, flags, _ := strings.Cut(got, "--quality ")
		if i := strings.IndexByte(flags, ' '); i >= 0 {
			flags = flags[i+1:]
		} else {
			flags = ""
		}
		if flags != tc.flags {
			t.Errorf("%+v: flags %q, want %q (all: %q)", tc.opts, flags, tc.flags, got)
		}
		w := strings.Join(p.warnings, "; ")
		if (tc.warn == "") != (w == "") || !strings.Contains(w, tc.warn) {
			t.Errorf("%+v: warnings %q, want %q", tc.opts, w, tc.warn)
		}
	}
	p, _ := rpicamArgs(Options{Quality: 70}, "", false)
	if !strings.Contains(strings.Join(p.args, " "), "--quality 70") {
		t.Errorf("quality not passed: %q", p.args)
	}
	for _, r := range []int{90, 270} {
		_, err := rpicamArgs(Options{Rotation: r}, "", false)
		if !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), "use 0 or 180") {
			t.Errorf("rotation %d: %v", r, err)
		}
	}
	// Every picamera mode maps to something (a flag, nothing, or a warning).
	for _, m := range exposureModes {
		if _, err := rpicamArgs(Options{ExposureMode: m}, "", false); err != nil {
			t.Errorf("exposure_mode %s: %v", m, err)
		}
	}
	for _, m := range awbModes {
		p, _ := rpicamArgs(Options{AWBMode: m, AWBGains: [2]float64{1, 1}}, "", false)
		hasAWB := strings.Contains(strings.Join(p.args, " "), "--awb")
		if !hasAWB && len(p.warnings) == 0 {
			t.Errorf("awb_mode %s: neither a flag nor a warning", m)
		}
	}
}

func TestParseSensorModes(t *testing.T) {
	out, err := os.ReadFile("testdata/rpicam-vid")
	if err != nil {
		t.Fatal(err)
	}
	// The fake script's --list-cameras answer is a heredoc inside it.
	_, list, _ := strings.Cut(string(out), "<<'LIST'\n")
	list, _, _ = strings.Cut(list, "LIST\n")
	modes := parseSensorModes([]byte(list))
	var got []string
	for _, m := range modes {
		got = append(got, m.flag())
	}
	want := "640:480:10:P 1640:1232:10:P 1920:1080:10:P 3280:2464:10:P 640:480:8:U 1640:1232:8:U"
	if strings.Join(got, " ") != want {
		t.Errorf("modes %q, want %q (the second camera's must not be included)", got, want)
	}
	if m := parseSensorModes([]byte("No cameras available!\n")); len(m) != 0 {
		t.Errorf("no cameras: %v", m)
	}
}

// fakeRpicam is a system whose rpicam-vid is testdata/rpicam-vid, with the
// fake's behaviour and argument file set through the environment.
func fakeRpicam(t *testing.T, mode string) (system, string) {
	t.Helper()
	abs, err := filepath.Abs("testdata/rpicam-vid")
	if err != nil {
		t.Fatal(err)
	}
	argsFile := filepath.Join(t.TempDir(), "args")
	t.Setenv("FAKE_RPICAM", mode)
	t.Setenv("FAKE_RPICAM_ARGS", argsFile)
	sys := testSystem()
	sys.now = time.Now
	sys.lookPath = func(name string) (string, error) {
		if name == "rpicam-vid" {
			return abs, nil
		}
		return "", errors.New("not found")
	}
	return sys, argsFile
}

func TestRpicamStreamsMJPEG(t *testing.T) {
	sys, argsFile := fakeRpicam(t, "")
	log, buf := testLogger(t)
	c, err := sys.open(context.Background(), "rpicam", Options{Width: 64, Height: 48, HFlip: true, ISO: 400, SensorMode: 2}, log)
	if err != nil {
		t.Fatal(err)
	}
	info := c.Info()
	if info.Source != SourceRpicam || info.Format != picimage.MJPEG || info.Width != 64 || !strings.HasSuffix(info.Device, "rpicam-vid") {
		t.Errorf("Info = %+v", info)
	}
	// The stream arrives in one burst and the reader never waits for Next,
	// so older frames may be dropped (a gap in Seq); the newest, frame 7,
	// always arrives.
	for prev := -1; ; {
		f, err := c.Next(context.Background())
		if err != nil {
			t.Fatalf("after frame %d: %v", prev, err)
		}
		if f.Format != picimage.MJPEG || !f.Keyframe || f.Width != 64 || f.Captured.IsZero() || int(f.Seq) <= prev {
			t.Errorf("frame after %d: %+v", prev, f)
		}
		if _, err := picimage.ToBGR(nil, f); err != nil {
			t.Errorf("frame %d does not decode: %v", f.Seq, err)
		}
		if prev = int(f.Seq); prev == 7 {
			break
		}
	}
	// The fake keeps running, as rpicam-vid -t 0 does; Close stops it.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	args, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(string(args)), " ")
	for _, want := range []string{"--codec mjpeg", "-o -", "-t 0", "--nopreview", "--inline", "--width 64 --height 48",
		"--hflip", "--gain 4", "--mode 1640:1232:10:P"} {
		if !strings.Contains(got, want) {
			t.Errorf("rpicam-vid got %q, lacks %q", got, want)
		}
	}
	if !strings.Contains(buf.String(), "libcamera v0.3.0") {
		t.Errorf("stderr not logged:\n%s", buf)
	}
}

func TestRpicamStreamsH264(t *testing.T) {
	sys, _ := fakeRpicam(t, "exit")
	c, err := sys.open(context.Background(), "rpicam", Options{Width: 64, Height: 48, Format: picimage.H264}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var keys []bool
	for {
		f, err := c.Next(context.Background())
		if err != nil {
			// The fake exits after its stream: the error says so.
			if !strings.Contains(err.Error(), "exited") {
				t.Errorf("end of stream: %v", err)
			}
			break
		}
		if f.Format != picimage.H264 || f.Keyframe != h264.IsRandomAccess(f.Data) {
			t.Errorf("unit %d: %s keyframe %v", f.Seq, f.Format, f.Keyframe)
		}
		keys = append(keys, f.Keyframe)
	}
	// The reader never waits for Next, so frames may be dropped (gaps in
	// Seq) when this goroutine is slow; the first IDR always survives.
	if len(keys) == 0 || !keys[0] {
		t.Errorf("units %v: want at least one, starting with an IDR", keys)
	}
}

func TestRpicamFailureQuotesStderr(t *testing.T) {
	sys, _ := fakeRpicam(t, "fail")
	// rpicam-vid exits at start: Open fails, not the first Next.
	_, err := sys.open(context.Background(), "rpicam", Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "no cameras available") || !strings.Contains(err.Error(), "exit status 1") ||
		!strings.Contains(err.Error(), "failed at start") {
		t.Errorf("err = %v", err)
	}
}

func TestRpicamSilentTimesOut(t *testing.T) {
	sys, _ := fakeRpicam(t, "silent")
	sys.rpicamStart = 50 * time.Millisecond // the logic, not the real 15 s
	_, err := sys.open(context.Background(), "rpicam", Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "delivered no frame for 50ms") {
		t.Errorf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sys.rpicamStart = time.Hour
	if _, err := sys.open(ctx, "rpicam", Options{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// isBSlice reports an H.264 B slice: slice_type (after first_mb_in_slice,
// both Exp-Golomb) is 1 or 6.
func isBSlice(nal []byte) bool {
	if len(nal) < 2 || h264.TypeOf(nal) != 1 {
		return false
	}
	bits, pos := nal[1:], 0
	ue := func() int {
		zeros := 0
		for pos < 8*len(bits) && bits[pos/8]>>(7-pos%8)&1 == 0 {
			zeros++
			pos++
		}
		pos++ // the 1
		v := 0
		for i := 0; i < zeros && pos < 8*len(bits); i++ {
			v = v<<1 | int(bits[pos/8]>>(7-pos%8)&1)
			pos++
		}
		return 1<<zeros - 1 + v
	}
	ue() // first_mb_in_slice
	return ue()%5 == 1
}

// On a Pi 5 rpicam-vid encodes H.264 with libx264 through libav: picam
// passes --libav-format h264 (without it, -o - makes rpicam-vid exit at
// start) and --low-latency (without it, the stream has B-frames).
func TestRpicamPi5(t *testing.T) {
	// The fake does what rpicam-vid does there: B-frames without
	// --low-latency, so the test below can fail.
	raw, err := os.ReadFile("testdata/stream-bframes.h264")
	if err != nil {
		t.Fatal(err)
	}
	bs := 0
	for nal := range h264.NALUnits(raw) {
		if isBSlice(nal) {
			bs++
		}
	}
	if bs == 0 {
		t.Fatal("stream-bframes.h264 has no B slices; the check below would test nothing")
	}

	pi5 := newFakeDevice("/dev/video20", cameraCaps("pispbe", "pispbe"))
	pi4 := newFakeDevice("/dev/video13", cameraCaps("bcm2835-isp", "bcm2835-isp"))
	for _, tc := range []struct {
		name  string
		mode  string
		board *fakeDevice
		want  string // in Open's error; "" for success
	}{
		{"pi5", "pi5", pi5, ""},
		// The same rpicam-vid, with picam thinking it is on a Pi 4: no
		// --libav-format, so it exits at start, and Open says so.
		{"pi5 taken for a pi4", "pi5", pi4, "--libav-format h264"},
		{"pi5, rpicam-apps before 1.6", "pi5-old", pi5, "older than rpicam-apps 1.6"},
	} {
		sys, argsFile := fakeRpicam(t, tc.mode)
		real := sys
		sys = testSystem(tc.board)
		sys.now, sys.lookPath = real.now, real.lookPath
		log, buf := testLogger(t)
		c, err := sys.open(context.Background(), "rpicam", Options{Width: 64, Height: 48, Format: picimage.H264}, log)
		if tc.want != "" {
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "failed at start") {
				t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
			}
			if c != nil {
				c.Close()
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		args, _ := os.ReadFile(argsFile)
		got := strings.Join(strings.Fields(string(args)), " ")
		if !strings.Contains(got, "--libav-format h264 --low-latency") || !strings.Contains(buf.String(), "libx264") {
			t.Errorf("%s: rpicam-vid got %q; log:\n%s", tc.name, got, buf)
		}
		// The fake writes its stream at once and keeps running, so the
		// reader keeps the first unit and the newest; the last stays in
		// the splitter until more comes.
		units := 0
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			f, err := c.Next(ctx)
			cancel()
			if err != nil {
				break
			}
			if units == 0 && !f.Keyframe {
				t.Errorf("%s: the first unit is not an IDR", tc.name)
			}
			for nal := range h264.NALUnits(f.Data) {
				if isBSlice(nal) {
					t.Errorf("%s: unit %d has a B slice", tc.name, f.Seq)
				}
			}
			units++
		}
		if units < 2 {
			t.Errorf("%s: %d units", tc.name, units)
		}
		c.Close()
	}
	// On a Pi 0-4 the VideoCore encodes: no libav flags.
	sys, argsFile := fakeRpicam(t, "")
	real := sys
	sys = testSystem(pi4)
	sys.now, sys.lookPath = real.now, real.lookPath
	c, err := sys.open(context.Background(), "rpicam", Options{Width: 64, Height: 48, Format: picimage.H264}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if args, _ := os.ReadFile(argsFile); strings.Contains(string(args), "libav") || strings.Contains(string(args), "low-latency") {
		t.Errorf("pi4: rpicam-vid got %q", args)
	}
}

func TestRpicamStrictAndRotation(t *testing.T) {
	sys, argsFile := fakeRpicam(t, "")
	_, err := sys.open(context.Background(), "rpicam", Options{AWBMode: "greyworld", Strict: true}, nil)
	if err == nil || !strings.Contains(err.Error(), "strict mode") {
		t.Errorf("strict: %v", err)
	}
	_, err = sys.open(context.Background(), "rpicam", Options{Rotation: 90}, nil)
	if !errors.Is(err, ErrInvalidOption) {
		t.Errorf("rotation 90: %v", err)
	}
	if _, err := os.Stat(argsFile); err == nil {
		t.Error("rpicam-vid was started although the options were refused")
	}
}

func TestRpicamNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Open(context.Background(), "rpicam", Options{}, nil)
	if !errors.Is(err, ErrRpicamNotFound) || err.Error() != "rpicam-vid not found: install rpicam-apps, or open a V4L2 source such as v4l2:/dev/video0" {
		t.Errorf("err = %v", err)
	}
	// The old name is found too.
	sys := testSystem()
	sys.lookPath = func(name string) (string, error) {
		if name == "libcamera-vid" {
			return "/usr/bin/libcamera-vid", nil
		}
		return "", errors.New("not found")
	}
	if p, err := sys.rpicamPath(); err != nil || p != "/usr/bin/libcamera-vid" {
		t.Errorf("rpicamPath = %q, %v", p, err)
	}
}

func TestRpicamOnPATH(t *testing.T) {
	// The real lookup: testdata first on PATH.
	abs, _ := filepath.Abs("testdata")
	t.Setenv("PATH", abs+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_RPICAM", "")
	t.Setenv("FAKE_RPICAM_ARGS", "")
	c, err := Open(context.Background(), "rpicam", Options{Width: 64, Height: 48}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if f, err := c.Next(context.Background()); err != nil || f.Format != picimage.MJPEG {
		t.Errorf("frame %+v, %v", f.Format, err)
	}
}
