package camera

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// ctrlWrite is one control to write when a V4L2 camera opens.
type ctrlWrite struct {
	id    v4l2.CtrlID
	value int32
	// option is the PiGear option the write comes from.
	option string
	// asked is false for a reset to the camera's default (a setting left
	// unset): V4L2 controls keep their values between opens, so every
	// mapped control is written on every open, and a run without hflip is
	// not flipped because an earlier one was.
	asked bool
}

// controlPlan is the list of control writes for a set of options on one
// camera, in the order they must be made, with what could not be mapped.
type controlPlan struct {
	writes []ctrlWrite
	// warnings are settings the camera cannot honour (errors with Strict).
	warnings []string
	// notes are conversions worth logging (iso 320 → ISO 400).
	notes []string
}

// planner builds a controlPlan against the controls a camera offers.
type planner struct {
	o     Options
	ctrls map[v4l2.CtrlID]v4l2.ControlInfo
	plan  controlPlan
}

// planControls maps options onto a camera's controls. It touches no device,
// so the mapping is tested against control lists alone. format is the
// negotiated frame format (encoder controls apply to MJPEG and H264 only).
//
// Order matters on real drivers: auto switches are written before the
// manual values they enable (iso_sensitivity_auto before iso_sensitivity,
// auto_exposure before exposure_time_absolute: UVC refuses a manual value
// while auto is on), and scene_mode goes last, because on bcm2835-v4l2 a
// scene mode overrides exposure and metering while it is set and returning
// to None re-applies them.
func planControls(o Options, infos []v4l2.ControlInfo, format picimage.PixelFormat) controlPlan {
	p := &planner{o: o, ctrls: map[v4l2.CtrlID]v4l2.ControlInfo{}}
	for _, c := range infos {
		if c.Flags&(v4l2.CtrlFlagDisabled|v4l2.CtrlFlagReadOnly) == 0 {
			p.ctrls[c.ID] = c
		}
	}
	p.flip("hflip", v4l2.CtrlHFlip, o.HFlip)
	p.flip("vflip", v4l2.CtrlVFlip, o.VFlip)
	p.rotation()
	p.adjust("brightness", v4l2.CtrlBrightness, o.Brightness, 0, 100)
	p.adjust("contrast", v4l2.CtrlContrast, o.Contrast, -100, 100)
	p.adjust("saturation", v4l2.CtrlSaturation, o.Saturation, -100, 100)
	p.adjust("sharpness", v4l2.CtrlSharpness, o.Sharpness, -100, 100)
	scene := p.exposure()
	p.iso()
	p.exposureBias()
	p.whiteBalance()
	p.metering()
	p.encoder(format)
	if o.SensorMode != 0 {
		p.warn("sensor_mode=%d ignored: a V4L2 camera has no sensor mode control (bcm2835-v4l2 picks the mode from the resolution and framerate)", o.SensorMode)
	}
	if o.Quality != 0 {
		p.warn("quality=%d ignored: it applies to rpicam-vid's MJPEG; bcm2835-v4l2's MJPEG quality follows bitrate", o.Quality)
	}
	if scene >= 0 {
		p.set(v4l2.CtrlSceneMode, scene, "exposure_mode", o.ExposureMode != "" && scene != v4l2.SceneModeNone)
	}
	return p.plan
}

func (p *planner) has(id v4l2.CtrlID) (v4l2.ControlInfo, bool) {
	c, ok := p.ctrls[id]
	return c, ok
}

func (p *planner) set(id v4l2.CtrlID, v int64, option string, asked bool) {
	p.plan.writes = append(p.plan.writes, ctrlWrite{id: id, value: int32(v), option: option, asked: asked})
}

// reset writes a control's default, if the camera has it.
func (p *planner) reset(id v4l2.CtrlID, option string) {
	if c, ok := p.has(id); ok {
		p.set(id, c.Default, option, false)
	}
}

func (p *planner) warn(format string, args ...any) {
	p.plan.warnings = append(p.plan.warnings, fmt.Sprintf(format, args...))
}

func (p *planner) note(format string, args ...any) {
	p.plan.notes = append(p.plan.notes, fmt.Sprintf(format, args...))
}

// missing warns about an option set to something the camera has no control
// for.
func (p *planner) missing(option, value, control string) {
	p.warn("%s=%s ignored: the camera has no %s control", option, value, control)
}

// hasItem reports whether a menu control offers index i.
func hasItem(c v4l2.ControlInfo, i int64) bool {
	if len(c.Menu) == 0 {
		return i >= c.Min && i <= c.Max
	}
	_, ok := c.MenuItem(i)
	return ok
}

// menuNames lists a menu's entries for messages.
func menuNames(c v4l2.ControlInfo) string {
	var names []string
	for _, m := range c.Menu {
		if c.Type == v4l2.CtrlTypeIntegerMenu {
			names = append(names, strconv.FormatInt(m.Value, 10))
		} else {
			names = append(names, m.Name)
		}
	}
	return strings.Join(names, ", ")
}

func (p *planner) flip(option string, id v4l2.CtrlID, on bool) {
	if !on {
		p.reset(id, option)
		return
	}
	if _, ok := p.has(id); !ok {
		p.missing(option, "true", ctrlName(id))
		return
	}
	p.set(id, 1, option, true)
}

func (p *planner) rotation() {
	if p.o.Rotation == 0 {
		p.reset(v4l2.CtrlRotate, "rotation")
		return
	}
	c, ok := p.has(v4l2.CtrlRotate)
	if !ok {
		p.missing("rotation", strconv.Itoa(p.o.Rotation), "rotate")
		return
	}
	if err := c.Validate(int64(p.o.Rotation)); err != nil {
		p.warn("rotation=%d ignored: %v", p.o.Rotation, err)
		return
	}
	p.set(v4l2.CtrlRotate, int64(p.o.Rotation), "rotation", true)
}

// adjust maps a picture adjustment from picamera's range lo..hi onto the
// control's range (identical on bcm2835-v4l2, 0..255 on vivid).
func (p *planner) adjust(option string, id v4l2.CtrlID, v *int, lo, hi int) {
	if v == nil {
		p.reset(id, option)
		return
	}
	c, ok := p.has(id)
	if !ok {
		p.missing(option, strconv.Itoa(*v), ctrlName(id))
		return
	}
	got := scaleToControl(*v, lo, hi, c)
	if got != int64(*v) {
		p.note("%s=%d is %d on the camera's %d..%d scale", option, *v, got, c.Min, c.Max)
	}
	p.set(id, got, option, true)
}

// scaleToControl maps v in lo..hi linearly onto the control's range,
// rounded to its step.
func scaleToControl(v, lo, hi int, c v4l2.ControlInfo) int64 {
	if c.Min == int64(lo) && c.Max == int64(hi) {
		return int64(v)
	}
	f := float64(v-lo) / float64(hi-lo)
	x := float64(c.Min) + f*float64(c.Max-c.Min)
	step := float64(max(c.Step, 1))
	n := int64(math.Round((x-float64(c.Min))/step)*step) + c.Min
	return min(max(n, c.Min), c.Max)
}

// exposure plans auto_exposure, exposure_time_absolute and
// exposure_dynamic_framerate, and returns the scene mode to write last
// (-1: none, the camera has no scene_mode control).
func (p *planner) exposure() int64 {
	o := p.o
	mode := o.ExposureMode
	scene := int64(v4l2.SceneModeNone)
	dynamic := int64(-1) // exposure_dynamic_framerate: -1 leaves the default
	switch mode {
	case "night", "nightpreview", "verylong":
		scene, dynamic = v4l2.SceneModeNight, 1
	case "sports", "antishake":
		scene = v4l2.SceneModeSports
	case "backlight":
		scene = v4l2.SceneModeBacklight
	case "snow", "beach":
		scene = v4l2.SceneModeBeachSnow
	case "fireworks":
		scene = v4l2.SceneModeFireworks
	case "fixedfps":
		dynamic = 0
	case "spotlight":
		p.warn("exposure_mode=spotlight has no V4L2 equivalent: using auto exposure")
	}
	sc, hasScene := p.has(v4l2.CtrlSceneMode)
	if scene != v4l2.SceneModeNone {
		switch {
		case !hasScene:
			p.missing("exposure_mode", mode, "scene_mode")
			scene = v4l2.SceneModeNone
		case !hasItem(sc, scene):
			p.warn("exposure_mode=%s: the camera offers no matching scene mode (it has %s): using auto exposure", mode, menuNames(sc))
			scene = v4l2.SceneModeNone
		}
		if scene != v4l2.SceneModeNone && o.ShutterSpeed > 0 {
			p.warn("shutter_speed=%d is ignored while exposure_mode=%s (a scene mode overrides manual exposure)", o.ShutterSpeed, mode)
		}
	}

	manual := mode == "off" || o.ShutterSpeed > 0
	ae, hasAE := p.has(v4l2.CtrlExposureAuto)
	switch {
	case manual && !hasAE:
		if mode == "off" {
			p.missing("exposure_mode", "off", "auto_exposure")
		} else {
			p.missing("shutter_speed", strconv.Itoa(o.ShutterSpeed), "auto_exposure")
		}
	case manual:
		if !hasItem(ae, v4l2.ExposureManual) {
			p.warn("exposure cannot be set manually: the camera's auto_exposure offers %s", menuNames(ae))
			break
		}
		p.set(v4l2.CtrlExposureAuto, v4l2.ExposureManual, "exposure_mode", true)
	case mode != "" && hasAE:
		// Auto: the Pi camera's "Auto Mode"; UVC cameras often offer only
		// aperture priority (auto exposure time at a fixed iris).
		for _, v := range []int64{v4l2.ExposureAuto, v4l2.ExposureAperturePriority} {
			if hasItem(ae, v) {
				p.set(v4l2.CtrlExposureAuto, v, "exposure_mode", false)
				break
			}
		}
	default:
		p.reset(v4l2.CtrlExposureAuto, "exposure_mode")
	}

	et, hasET := p.has(v4l2.CtrlExposureAbsolute)
	switch {
	case o.ShutterSpeed > 0 && !hasET:
		p.missing("shutter_speed", strconv.Itoa(o.ShutterSpeed), "exposure_time_absolute")
	case o.ShutterSpeed > 0:
		v := int64(math.Round(float64(o.ShutterSpeed) / 100)) // 100 µs units
		if v < et.Min || v > et.Max {
			c := min(max(v, et.Min), et.Max)
			p.warn("shutter_speed=%d is outside the camera's %d..%d µs: using %d µs", o.ShutterSpeed, et.Min*100, et.Max*100, c*100)
			v = c
		}
		p.set(v4l2.CtrlExposureAbsolute, v, "shutter_speed", true)
	case mode == "off" && hasET:
		p.warn("exposure_mode=off without shutter_speed fixes the exposure time at the camera's default (%d µs): set shutter_speed too", et.Default*100)
		p.reset(v4l2.CtrlExposureAbsolute, "shutter_speed")
	default:
		p.reset(v4l2.CtrlExposureAbsolute, "shutter_speed")
	}

	if dynamic >= 0 {
		if _, ok := p.has(v4l2.CtrlExposureAutoPriority); ok {
			p.set(v4l2.CtrlExposureAutoPriority, dynamic, "exposure_mode", false)
		}
	} else {
		p.reset(v4l2.CtrlExposureAutoPriority, "exposure_mode")
	}
	if !hasScene {
		return -1
	}
	return scene
}

// iso plans the ISO switch and value: iso_sensitivity_auto must be Manual
// before iso_sensitivity takes effect (on bcm2835-v4l2 the value is held
// but not applied while auto is on; other drivers refuse it).
func (p *planner) iso() {
	iso := p.o.ISO
	if iso == 0 {
		if _, ok := p.has(v4l2.CtrlISOSensitivityAuto); ok {
			p.set(v4l2.CtrlISOSensitivityAuto, v4l2.ISOSensitivityAuto, "iso", false)
		}
		return
	}
	c, ok := p.has(v4l2.CtrlISOSensitivity)
	if !ok {
		p.missing("iso", strconv.Itoa(iso), "iso_sensitivity")
		return
	}
	if _, ok := p.has(v4l2.CtrlISOSensitivityAuto); ok {
		p.set(v4l2.CtrlISOSensitivityAuto, v4l2.ISOSensitivityManual, "iso", true)
	}
	want := int64(iso) * 1000 // V4L2 ISO values are ISO×1000
	p.setNearest(v4l2.CtrlISOSensitivity, c, "iso", want, true, func(got int64) string {
		return fmt.Sprintf("iso=%d is ISO %d on this camera (it offers %s)", iso, got/1000, menuNames(c))
	}, fmt.Sprintf("iso=%d ignored: the camera's iso_sensitivity menu is empty", iso))
}

// setNearest sets control id (described by c), for option key, to want: on an integer menu the entry closest to
// it (with skipZero, not an entry of value 0), with the note differs gives when that entry is
// not want, or the warning empty when the menu has none; on an integer control, want clamped
// to the control's range.
func (p *planner) setNearest(id v4l2.CtrlID, c v4l2.ControlInfo, key string, want int64, skipZero bool, differs func(got int64) string, empty string) {
	if c.Type == v4l2.CtrlTypeIntegerMenu {
		item, ok := nearestItem(c, want, skipZero)
		if !ok {
			p.warn("%s", empty)
			return
		}
		if item.Value != want {
			p.note("%s", differs(item.Value))
		}
		p.set(id, int64(item.Index), key, true)
		return
	}
	p.set(id, min(max(want, c.Min), c.Max), key, true)
}

// nearestItem returns the integer-menu entry closest to want; with
// skipZero, an entry of value 0 (which means "auto" in the ISO menu) is
// not a candidate.
func nearestItem(c v4l2.ControlInfo, want int64, skipZero bool) (v4l2.MenuItem, bool) {
	var best v4l2.MenuItem
	found := false
	for _, m := range c.Menu {
		if skipZero && m.Value == 0 {
			continue
		}
		if !found || abs64(m.Value-want) < abs64(best.Value-want) {
			best, found = m, true
		}
	}
	return best, found
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// exposureBias maps 1/6-stop steps to auto_exposure_bias: an integer menu
// of milli-EV on bcm2835-v4l2 (1/3 EV steps, so odd values round), or an
// integer in milli-EV elsewhere.
func (p *planner) exposureBias() {
	comp := p.o.ExposureCompensation
	if comp == 0 {
		p.reset(v4l2.CtrlAutoExposureBias, "exposure_compensation")
		return
	}
	c, ok := p.has(v4l2.CtrlAutoExposureBias)
	if !ok {
		p.missing("exposure_compensation", strconv.Itoa(comp), "auto_exposure_bias")
		return
	}
	milli := int64(math.Round(float64(comp) * 1000 / 6))
	p.setNearest(v4l2.CtrlAutoExposureBias, c, "exposure_compensation", milli, false, func(got int64) string {
		return fmt.Sprintf("exposure_compensation=%d (%+d milli-EV) is %+d milli-EV on this camera", comp, milli, got)
	}, fmt.Sprintf("exposure_compensation=%d ignored: the camera's auto_exposure_bias menu is empty", comp))
}

// awbPresets maps picamera's AWB modes to white_balance_auto_preset menu
// indexes (V4L2_WHITE_BALANCE_*). bcm2835-v4l2 maps "Fluorescent H" to
// MMAL's tungsten mode, so tungsten goes there.
var awbPresets = map[string]int64{
	"off":          v4l2.WhiteBalanceManual,
	"auto":         v4l2.WhiteBalanceAuto,
	"incandescent": v4l2.WhiteBalanceIncandescent,
	"fluorescent":  v4l2.WhiteBalanceFluorescent,
	"tungsten":     v4l2.WhiteBalanceFluorescentH,
	"horizon":      v4l2.WhiteBalanceHorizon,
	"sunlight":     v4l2.WhiteBalanceDaylight,
	"flash":        v4l2.WhiteBalanceFlash,
	"cloudy":       v4l2.WhiteBalanceCloudy,
	"shade":        v4l2.WhiteBalanceShade,
}

// awbKelvin approximates each preset's colour temperature, for cameras that
// offer only white_balance_temperature (USB webcams).
var awbKelvin = map[string]int64{
	"incandescent": 2700, "tungsten": 3200, "horizon": 2500, "fluorescent": 4000,
	"sunlight": 5200, "flash": 5500, "cloudy": 6000, "shade": 7000,
}

func (p *planner) whiteBalance() {
	mode := p.o.AWBMode
	gains := p.o.AWBGains != [2]float64{}
	if gains && mode != "off" {
		p.warn("awb_gains are used only with awb_mode=off")
	}
	wb, hasPreset := p.has(v4l2.CtrlWhiteBalanceAutoPreset)
	switch {
	case hasPreset:
		if mode == "" {
			p.reset(v4l2.CtrlWhiteBalanceAutoPreset, "awb_mode")
			return
		}
		idx, ok := awbPresets[mode]
		if mode == "greyworld" {
			idx, ok = menuIndexNamed(wb, "greyworld")
		}
		if !ok || !hasItem(wb, idx) {
			p.warn("awb_mode=%s: the camera's white balance menu has no such entry (it has %s): using auto", mode, menuNames(wb))
			idx = v4l2.WhiteBalanceAuto
		}
		if mode == "off" {
			p.awbGains()
		}
		p.set(v4l2.CtrlWhiteBalanceAutoPreset, idx, "awb_mode", mode != "auto")
	case mode == "" || mode == "auto":
		if mode == "" {
			p.reset(v4l2.CtrlAutoWhiteBalance, "awb_mode")
		} else if _, ok := p.has(v4l2.CtrlAutoWhiteBalance); ok {
			p.set(v4l2.CtrlAutoWhiteBalance, 1, "awb_mode", false)
		}
	default:
		if _, ok := p.has(v4l2.CtrlAutoWhiteBalance); !ok {
			p.missing("awb_mode", mode, "white_balance_auto_preset")
			return
		}
		if mode == "greyworld" {
			p.warn("awb_mode=greyworld: the camera has only automatic or fixed white balance: using auto")
			p.set(v4l2.CtrlAutoWhiteBalance, 1, "awb_mode", false)
			return
		}
		p.set(v4l2.CtrlAutoWhiteBalance, 0, "awb_mode", true)
		if mode == "off" {
			p.awbGains()
			return
		}
		t, ok := p.has(v4l2.CtrlWhiteBalanceTemperature)
		if !ok {
			p.missing("awb_mode", mode, "white_balance_temperature")
			return
		}
		k := min(max(awbKelvin[mode], t.Min), t.Max)
		p.note("awb_mode=%s is white_balance_temperature %d K on this camera", mode, k)
		p.set(v4l2.CtrlWhiteBalanceTemperature, k, "awb_mode", true)
	}
}

// awbGains plans red_balance and blue_balance (gain×1000) for awb_mode off.
func (p *planner) awbGains() {
	g := p.o.AWBGains
	if g == [2]float64{} {
		p.warn("awb_mode=off without awb_gains uses the camera's default gains: set awb_gains=red,blue too")
		p.reset(v4l2.CtrlRedBalance, "awb_gains")
		p.reset(v4l2.CtrlBlueBalance, "awb_gains")
		return
	}
	for i, id := range []v4l2.CtrlID{v4l2.CtrlRedBalance, v4l2.CtrlBlueBalance} {
		c, ok := p.has(id)
		if !ok {
			p.missing("awb_gains", formatFloat(g[i], 3), ctrlName(id))
			continue
		}
		v := min(max(int64(math.Round(g[i]*1000)), c.Min), c.Max)
		p.set(id, v, "awb_gains", true)
	}
}

// menuIndexNamed finds a menu entry by name, ignoring case and spaces.
func menuIndexNamed(c v4l2.ControlInfo, name string) (int64, bool) {
	for _, m := range c.Menu {
		if strings.ReplaceAll(strings.ToLower(m.Name), " ", "") == name {
			return int64(m.Index), true
		}
	}
	return 0, false
}

// meteringModes maps picamera's metering modes to exposure_metering_mode.
// bcm2835-v4l2 implements Center Weighted as MMAL's backlit mode.
var meteringModes = map[string]int64{
	"average": v4l2.ExposureMeteringAverage,
	"backlit": v4l2.ExposureMeteringCenterWeighted,
	"spot":    v4l2.ExposureMeteringSpot,
	"matrix":  v4l2.ExposureMeteringMatrix,
}

func (p *planner) metering() {
	mode := p.o.MeterMode
	if mode == "" {
		p.reset(v4l2.CtrlExposureMetering, "meter_mode")
		return
	}
	c, ok := p.has(v4l2.CtrlExposureMetering)
	if !ok {
		if mode != "average" {
			p.missing("meter_mode", mode, "exposure_metering_mode")
		}
		return
	}
	v := meteringModes[mode]
	if !hasItem(c, v) {
		p.warn("meter_mode=%s: the camera offers %s: using average", mode, menuNames(c))
		v = v4l2.ExposureMeteringAverage
	}
	p.set(v4l2.CtrlExposureMetering, v, "meter_mode", mode != "average")
}

// encoder plans the controls of a camera that encodes itself (the legacy
// Pi camera's MJPG and H264): bit rate, and for H.264 a keyframe period of
// about a second with SPS/PPS repeated before every keyframe, so clients
// that join late can start decoding soon (the driver has no force-keyframe
// control).
func (p *planner) encoder(format picimage.PixelFormat) {
	o := p.o
	if !format.Compressed() {
		if o.Bitrate != 0 {
			p.warn("bitrate=%d ignored: the camera delivers raw %s frames, which it does not encode", o.Bitrate, format)
		}
		if o.Intra != 0 {
			p.warn("intra=%d ignored: the camera does not deliver H.264", o.Intra)
		}
		return
	}
	if o.Bitrate == 0 {
		p.reset(v4l2.CtrlMPEGVideoBitrate, "bitrate")
	} else if c, ok := p.has(v4l2.CtrlMPEGVideoBitrate); !ok {
		p.missing("bitrate", strconv.Itoa(o.Bitrate), "video_bitrate")
	} else {
		v := int64(o.Bitrate)
		if step := int64(c.Step); step > 1 {
			v = c.Min + (v-c.Min+step/2)/step*step
		}
		v = min(max(v, c.Min), c.Max)
		if v != int64(o.Bitrate) {
			p.note("bitrate=%d is %d on this camera (%d..%d)", o.Bitrate, v, c.Min, c.Max)
		}
		p.set(v4l2.CtrlMPEGVideoBitrate, v, "bitrate", true)
	}
	if format != picimage.H264 {
		if o.Intra != 0 {
			p.warn("intra=%d ignored: the camera delivers %s, not H.264", o.Intra, format)
		}
		return
	}
	if c, ok := p.has(v4l2.CtrlMPEGVideoH264IPeriod); ok {
		p.set(v4l2.CtrlMPEGVideoH264IPeriod, min(max(int64(o.intra()), c.Min), c.Max), "intra", o.Intra != 0)
	} else if o.Intra != 0 {
		p.missing("intra", strconv.Itoa(o.Intra), "h264_i_frame_period")
	}
	if _, ok := p.has(v4l2.CtrlMPEGVideoRepeatSeqHeader); ok {
		p.set(v4l2.CtrlMPEGVideoRepeatSeqHeader, 1, "intra", false)
	}
}
