package camera

import (
	"strings"
	"testing"

	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// written returns the value a plan writes to id, and where in the order.
func planned(p controlPlan, id v4l2.CtrlID) (ctrlWrite, int, bool) {
	for i, w := range p.writes {
		if w.id == id {
			return w, i, true
		}
	}
	return ctrlWrite{}, -1, false
}

func expectWrite(t *testing.T, p controlPlan, id v4l2.CtrlID, value int32, asked bool) int {
	t.Helper()
	w, i, ok := planned(p, id)
	if !ok {
		t.Errorf("no write of %s; plan %v", ctrlName(id), p.writes)
		return -1
	}
	if w.value != value || w.asked != asked {
		t.Errorf("%s = %d (asked %v), want %d (asked %v)", ctrlName(id), w.value, w.asked, value, asked)
	}
	return i
}

func expectNoWrite(t *testing.T, p controlPlan, id v4l2.CtrlID) {
	t.Helper()
	if w, _, ok := planned(p, id); ok {
		t.Errorf("unexpected write of %s = %d", ctrlName(id), w.value)
	}
}

func expectWarning(t *testing.T, p controlPlan, parts ...string) {
	t.Helper()
	for _, w := range p.warnings {
		ok := true
		for _, part := range parts {
			ok = ok && strings.Contains(w, part)
		}
		if ok {
			return
		}
	}
	t.Errorf("no warning with %q among %q", parts, p.warnings)
}

func TestPlanBcm2835Full(t *testing.T) {
	o := Options{HFlip: true, VFlip: true, Rotation: 180, ISO: 400, ExposureMode: "night", ExposureCompensation: 6,
		AWBMode: "horizon", MeterMode: "spot", Brightness: IntPtr(60), Contrast: IntPtr(-20),
		Saturation: IntPtr(10), Sharpness: IntPtr(-100)}
	p := planControls(o, bcm2835Controls(), picimage.YUYV)
	if len(p.warnings) != 0 {
		t.Errorf("warnings on the Pi camera: %q", p.warnings)
	}
	expectWrite(t, p, v4l2.CtrlHFlip, 1, true)
	expectWrite(t, p, v4l2.CtrlVFlip, 1, true)
	expectWrite(t, p, v4l2.CtrlRotate, 180, true)
	// bcm2835-v4l2 has picamera's ranges: values go through unscaled.
	expectWrite(t, p, v4l2.CtrlBrightness, 60, true)
	expectWrite(t, p, v4l2.CtrlContrast, -20, true)
	expectWrite(t, p, v4l2.CtrlSaturation, 10, true)
	expectWrite(t, p, v4l2.CtrlSharpness, -100, true)
	auto := expectWrite(t, p, v4l2.CtrlISOSensitivityAuto, v4l2.ISOSensitivityManual, true)
	iso := expectWrite(t, p, v4l2.CtrlISOSensitivity, 3, true) // {0, 100, 200, 400, 800}: index 3 is ISO 400
	if auto < 0 || iso < 0 || auto > iso {
		t.Errorf("iso_sensitivity_auto written at %d, iso_sensitivity at %d: the switch must come first", auto, iso)
	}
	expectWrite(t, p, v4l2.CtrlAutoExposureBias, 15, true) // +6/6 EV = +1000 milli-EV, index 15
	expectWrite(t, p, v4l2.CtrlWhiteBalanceAutoPreset, v4l2.WhiteBalanceHorizon, true)
	expectWrite(t, p, v4l2.CtrlExposureMetering, v4l2.ExposureMeteringSpot, true)
	expectWrite(t, p, v4l2.CtrlExposureAuto, v4l2.ExposureAuto, false)
	expectWrite(t, p, v4l2.CtrlExposureAutoPriority, 1, false) // night may lower the frame rate
	scene := expectWrite(t, p, v4l2.CtrlSceneMode, v4l2.SceneModeNight, true)
	if scene != len(p.writes)-1 {
		t.Errorf("scene_mode written at %d of %d: it must be last", scene, len(p.writes))
	}
	// Raw frames: the encoder controls stay alone.
	expectNoWrite(t, p, v4l2.CtrlMPEGVideoBitrate)
	expectNoWrite(t, p, v4l2.CtrlMPEGVideoH264IPeriod)
}

func TestPlanDefaultsResetEveryMappedControl(t *testing.T) {
	// V4L2 controls keep their values between opens: a run without
	// options must undo an earlier run's hflip and ISO.
	p := planControls(Options{}, bcm2835Controls(), picimage.MJPEG)
	if len(p.warnings) != 0 || len(p.notes) != 0 {
		t.Errorf("default options: warnings %q notes %q", p.warnings, p.notes)
	}
	for _, w := range p.writes {
		if w.asked {
			t.Errorf("default options asked for %s = %d", ctrlName(w.id), w.value)
		}
	}
	expectWrite(t, p, v4l2.CtrlHFlip, 0, false)
	expectWrite(t, p, v4l2.CtrlBrightness, 50, false)
	expectWrite(t, p, v4l2.CtrlISOSensitivityAuto, v4l2.ISOSensitivityAuto, false)
	expectNoWrite(t, p, v4l2.CtrlISOSensitivity)
	expectWrite(t, p, v4l2.CtrlAutoExposureBias, 12, false)
	expectWrite(t, p, v4l2.CtrlWhiteBalanceAutoPreset, v4l2.WhiteBalanceAuto, false)
	expectWrite(t, p, v4l2.CtrlExposureAuto, v4l2.ExposureAuto, false)
	expectWrite(t, p, v4l2.CtrlExposureAbsolute, 1000, false)
	expectWrite(t, p, v4l2.CtrlSceneMode, v4l2.SceneModeNone, false)
	expectWrite(t, p, v4l2.CtrlMPEGVideoBitrate, 10000000, false)
	expectNoWrite(t, p, v4l2.CtrlMPEGVideoH264IPeriod) // MJPEG has no I-period
}

func TestPlanISOBetweenMenuEntries(t *testing.T) {
	for _, tc := range []struct {
		iso   int
		index int32
		note  string
	}{
		{100, 1, ""}, {200, 2, ""}, {320, 3, "iso=320 is ISO 400"}, {500, 3, "iso=500 is ISO 400"},
		{640, 4, "iso=640 is ISO 800"}, {800, 4, ""},
	} {
		p := planControls(Options{ISO: tc.iso}, bcm2835Controls(), picimage.YUYV)
		expectWrite(t, p, v4l2.CtrlISOSensitivity, tc.index, true)
		got := strings.Join(p.notes, "; ")
		if (tc.note == "") != (got == "") || !strings.Contains(got, tc.note) {
			t.Errorf("iso %d: notes %q, want %q", tc.iso, got, tc.note)
		}
		if len(p.warnings) != 0 {
			t.Errorf("iso %d: warnings %q", tc.iso, p.warnings)
		}
	}
}

func TestPlanShutterSpeed(t *testing.T) {
	p := planControls(Options{ShutterSpeed: 20000}, bcm2835Controls(), picimage.YUYV)
	ae := expectWrite(t, p, v4l2.CtrlExposureAuto, v4l2.ExposureManual, true)
	et := expectWrite(t, p, v4l2.CtrlExposureAbsolute, 200, true) // 100 µs units
	if ae > et {
		t.Errorf("exposure_time_absolute before auto_exposure=manual")
	}
	expectWrite(t, p, v4l2.CtrlSceneMode, v4l2.SceneModeNone, false)

	p = planControls(Options{ShutterSpeed: 5_000_000}, bcm2835Controls(), picimage.YUYV)
	expectWrite(t, p, v4l2.CtrlExposureAbsolute, 10000, true)
	expectWarning(t, p, "shutter_speed=5000000", "100..1000000")

	p = planControls(Options{ShutterSpeed: 20000, ExposureMode: "sports"}, bcm2835Controls(), picimage.YUYV)
	expectWarning(t, p, "shutter_speed=20000 is ignored while exposure_mode=sports")

	p = planControls(Options{ExposureMode: "off"}, bcm2835Controls(), picimage.YUYV)
	expectWrite(t, p, v4l2.CtrlExposureAuto, v4l2.ExposureManual, true)
	expectWarning(t, p, "exposure_mode=off without shutter_speed", "100000 µs")
}

func TestPlanExposureModesOnBcm2835(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		scene   int32
		dynamic int32 // -1: reset to the default
		warn    string
	}{
		{"auto", v4l2.SceneModeNone, -1, ""},
		{"night", v4l2.SceneModeNight, 1, ""},
		{"nightpreview", v4l2.SceneModeNight, 1, ""},
		{"verylong", v4l2.SceneModeNight, 1, ""},
		{"sports", v4l2.SceneModeSports, -1, ""},
		{"antishake", v4l2.SceneModeSports, -1, ""},
		{"fixedfps", v4l2.SceneModeNone, 0, ""},
		// The driver offers only None, Night and Sports.
		{"backlight", v4l2.SceneModeNone, -1, "no matching scene mode (it has None, Night, Sports)"},
		{"snow", v4l2.SceneModeNone, -1, "no matching scene mode"},
		{"beach", v4l2.SceneModeNone, -1, "no matching scene mode"},
		{"fireworks", v4l2.SceneModeNone, -1, "no matching scene mode"},
		{"spotlight", v4l2.SceneModeNone, -1, "spotlight has no V4L2 equivalent"},
		{"off", v4l2.SceneModeNone, -1, "exposure_mode=off without shutter_speed"},
	} {
		p := planControls(Options{ExposureMode: tc.mode}, bcm2835Controls(), picimage.YUYV)
		w, _, _ := planned(p, v4l2.CtrlSceneMode)
		if w.value != tc.scene {
			t.Errorf("%s: scene_mode %d, want %d", tc.mode, w.value, tc.scene)
		}
		d, _, _ := planned(p, v4l2.CtrlExposureAutoPriority)
		if tc.dynamic >= 0 && (d.value != tc.dynamic) || tc.dynamic < 0 && d.value != 0 {
			t.Errorf("%s: exposure_dynamic_framerate %d, want %d", tc.mode, d.value, tc.dynamic)
		}
		if tc.warn == "" && len(p.warnings) > 0 {
			t.Errorf("%s: warnings %q", tc.mode, p.warnings)
		}
		if tc.warn != "" {
			expectWarning(t, p, "exposure_mode", tc.warn)
		}
	}
	// Each picamera mode is handled (none falls through unmapped).
	for _, m := range exposureModes {
		planControls(Options{ExposureMode: m}, bcm2835Controls(), picimage.YUYV)
	}
}

func TestPlanExposureCompensation(t *testing.T) {
	for _, tc := range []struct {
		comp  int
		index int32
	}{
		{6, 15}, {-6, 9}, {2, 13}, {-2, 11}, {1, 13} /* +167 is nearest +333 */, {25, 24}, {-25, 0}, {12, 18},
	} {
		p := planControls(Options{ExposureCompensation: tc.comp}, bcm2835Controls(), picimage.YUYV)
		expectWrite(t, p, v4l2.CtrlAutoExposureBias, tc.index, true)
	}
}

func TestPlanWhiteBalance(t *testing.T) {
	want := map[string]int32{"off": 0, "auto": 1, "incandescent": 2, "fluorescent": 3, "tungsten": 4,
		"horizon": 5, "sunlight": 6, "flash": 7, "cloudy": 8, "shade": 9}
	for mode, idx := range want {
		p := planControls(Options{AWBMode: mode, AWBGains: [2]float64{1.5, 1.25}}, bcm2835Controls(), picimage.YUYV)
		expectWrite(t, p, v4l2.CtrlWhiteBalanceAutoPreset, idx, mode != "auto")
		if mode == "off" {
			r := expectWrite(t, p, v4l2.CtrlRedBalance, 1500, true)
			b := expectWrite(t, p, v4l2.CtrlBlueBalance, 1250, true)
			_, wb, _ := planned(p, v4l2.CtrlWhiteBalanceAutoPreset)
			if r > wb || b > wb {
				t.Errorf("gains written after the AWB mode")
			}
			if len(p.warnings) != 0 {
				t.Errorf("off with gains: %q", p.warnings)
			}
		} else {
			expectWarning(t, p, "awb_gains are used only with awb_mode=off")
		}
	}
	// greyworld: only on kernels whose menu has it.
	p := planControls(Options{AWBMode: "greyworld"}, bcm2835Controls(), picimage.YUYV)
	expectWrite(t, p, v4l2.CtrlWhiteBalanceAutoPreset, v4l2.WhiteBalanceAuto, true)
	expectWarning(t, p, "awb_mode=greyworld", "Shade")
	ctrls := bcm2835Controls()
	for i := range ctrls {
		if ctrls[i].ID == v4l2.CtrlWhiteBalanceAutoPreset {
			ctrls[i].Max = 10
			ctrls[i].Menu = append(ctrls[i].Menu, v4l2.MenuItem{Index: 10, Name: "Greyworld"})
		}
	}
	p = planControls(Options{AWBMode: "greyworld"}, ctrls, picimage.YUYV)
	expectWrite(t, p, v4l2.CtrlWhiteBalanceAutoPreset, 10, true)
	if len(p.warnings) != 0 {
		t.Errorf("greyworld offered: %q", p.warnings)
	}
	// off without gains.
	p = planControls(Options{AWBMode: "off"}, bcm2835Controls(), picimage.YUYV)
	expectWarning(t, p, "awb_mode=off without awb_gains")
	expectWrite(t, p, v4l2.CtrlRedBalance, 1000, false)
}

func TestPlanMetering(t *testing.T) {
	for mode, v := range map[string]int32{"average": 0, "backlit": 1, "spot": 2} {
		p := planControls(Options{MeterMode: mode}, bcm2835Controls(), picimage.YUYV)
		expectWrite(t, p, v4l2.CtrlExposureMetering, v, mode != "average")
		if len(p.warnings) != 0 {
			t.Errorf("%s: %q", mode, p.warnings)
		}
	}
	p := planControls(Options{MeterMode: "matrix"}, bcm2835Controls(), picimage.YUYV)
	expectWrite(t, p, v4l2.CtrlExposureMetering, v4l2.ExposureMeteringAverage, true)
	expectWarning(t, p, "meter_mode=matrix", "Average, Center Weighted, Spot")
}

func TestPlanEncoderControls(t *testing.T) {
	p := planControls(Options{Framerate: 25, Bitrate: 5_010_000}, bcm2835Controls(), picimage.H264)
	expectWrite(t, p, v4l2.CtrlMPEGVideoBitrate, 5_000_000, true) // rounded to the 25 kbit/s step
	expectWrite(t, p, v4l2.CtrlMPEGVideoH264IPeriod, 25, false)   // one second
	expectWrite(t, p, v4l2.CtrlMPEGVideoRepeatSeqHeader, 1, false)
	p = planControls(Options{Intra: 10}, bcm2835Controls(), picimage.H264)
	expectWrite(t, p, v4l2.CtrlMPEGVideoH264IPeriod, 10, true)
	p = planControls(Options{Bitrate: 1_000_000, Intra: 10}, bcm2835Controls(), picimage.YUYV)
	expectWarning(t, p, "bitrate=1000000 ignored", "raw YUYV")
	expectWarning(t, p, "intra=10 ignored")
	p = planControls(Options{Intra: 10}, bcm2835Controls(), picimage.MJPEG)
	expectWarning(t, p, "intra=10 ignored", "MJPEG")
}

func TestPlanVivid(t *testing.T) {
	o := Options{HFlip: true, Brightness: IntPtr(50), Contrast: IntPtr(100), Saturation: IntPtr(-100),
		ISO: 400, ExposureMode: "night", AWBMode: "sunlight", SensorMode: 3}
	p := planControls(o, vividControls(), picimage.YUYV)
	expectWrite(t, p, v4l2.CtrlHFlip, 1, true)
	expectWrite(t, p, v4l2.CtrlVFlip, 0, false)
	// picamera's ranges scaled onto vivid's 0..255.
	expectWrite(t, p, v4l2.CtrlBrightness, 128, true)
	expectWrite(t, p, v4l2.CtrlContrast, 255, true)
	expectWrite(t, p, v4l2.CtrlSaturation, 0, true)
	expectWarning(t, p, "iso=400 ignored", "iso_sensitivity")
	expectWarning(t, p, "exposure_mode=night ignored", "scene_mode")
	expectWarning(t, p, "awb_mode=sunlight ignored")
	expectWarning(t, p, "sensor_mode=3 ignored")
	if len(p.warnings) != 4 {
		t.Errorf("warnings %q, want 4", p.warnings)
	}
	// Defaults on vivid: nothing asked, nothing missing, no warnings.
	p = planControls(Options{ExposureMode: "auto", AWBMode: "auto", MeterMode: "average"}, vividControls(), picimage.YUYV)
	if len(p.warnings) != 0 {
		t.Errorf("defaults on vivid: %q", p.warnings)
	}
}

func TestPlanUVC(t *testing.T) {
	p := planControls(Options{AWBMode: "sunlight", ExposureMode: "auto", Brightness: IntPtr(100)}, uvcControls(), picimage.MJPEG)
	expectWrite(t, p, v4l2.CtrlAutoWhiteBalance, 0, true)
	expectWrite(t, p, v4l2.CtrlWhiteBalanceTemperature, 5200, true)
	// The camera has no "Auto Mode", only aperture priority.
	expectWrite(t, p, v4l2.CtrlExposureAuto, v4l2.ExposureAperturePriority, false)
	expectWrite(t, p, v4l2.CtrlBrightness, 64, true)
	if len(p.warnings) != 0 {
		t.Errorf("warnings %q", p.warnings)
	}
	p = planControls(Options{ShutterSpeed: 10000, AWBMode: "auto"}, uvcControls(), picimage.MJPEG)
	ae := expectWrite(t, p, v4l2.CtrlExposureAuto, v4l2.ExposureManual, true)
	et := expectWrite(t, p, v4l2.CtrlExposureAbsolute, 100, true)
	if ae > et {
		t.Error("UVC refuses a manual exposure time while auto exposure is on: auto_exposure must come first")
	}
	expectWrite(t, p, v4l2.CtrlAutoWhiteBalance, 1, false)
}

func TestControlVarName(t *testing.T) {
	for in, want := range map[string]string{
		"White Balance, Auto & Preset": "white_balance_auto_preset",
		"Horizontal Flip":              "horizontal_flip",
		"ISO Sensitivity, Auto":        "iso_sensitivity_auto",
		"Exposure Time, Absolute":      "exposure_time_absolute",
		"H264 I-Frame Period":          "h264_i_frame_period",
		"  Brightness ":                "brightness",
	} {
		if got := controlVarName(in); got != want {
			t.Errorf("controlVarName(%q) = %q, want %q", in, got, want)
		}
	}
	// Every name picam uses in messages is what the driver's label gives.
	for _, c := range append(bcm2835Controls(), uvcControls()...) {
		if n, ok := knownNames[c.ID]; ok && n != controlVarName(c.Name) {
			t.Errorf("knownNames[%s] = %q, but the driver label gives %q", c.Name, n, controlVarName(c.Name))
		}
	}
}
