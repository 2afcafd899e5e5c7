package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picam-project/picam/hw/v4l2"
	"github.com/picam-project/picam/internal/testkit"
)

// fakeDevice is a V4L2 device in memory. It records every format, interval
// and control write, and serves frames queued with push.
type fakeDevice struct {
	path      string
	caps      v4l2.Capability
	formats   []v4l2.FormatDesc
	sizes     map[v4l2.PixelFormat][]v4l2.FrameSize
	intervals []v4l2.FrameInterval
	// adjust turns a requested format into what the driver sets (stride,
	// size); nil sets it as asked with a tight stride.
	adjust func(v4l2.PixFormat) v4l2.PixFormat
	ctrls  []v4l2.ControlInfo
	// failSet makes writes of a control fail.
	failSet map[v4l2.CtrlID]error

	mu        sync.Mutex
	values    map[v4l2.CtrlID]int32
	writes    []ctrlWrite // id and value of every SetControl, in order
	setFormat []v4l2.PixFormat
	setIval   []v4l2.Fract
	frames    []v4l2.Frame
	more      chan struct{} // signalled by push and Close
	streaming bool
	closed    bool
	// opens and closes count Open and Close calls (a scan opens every
	// node once, then the camera is opened again).
	opens, closes int
}

func newFakeDevice(path string, caps v4l2.Capability, formats ...v4l2.PixelFormat) *fakeDevice {
	d := &fakeDevice{path: path, caps: caps, sizes: map[v4l2.PixelFormat][]v4l2.FrameSize{},
		values: map[v4l2.CtrlID]int32{}, more: make(chan struct{}, 1)}
	for i, f := range formats {
		d.formats = append(d.formats, v4l2.FormatDesc{Index: uint32(i), PixelFormat: f, Description: f.String() + " format"})
	}
	return d
}

// cameraCaps are the capabilities of a single-planar streaming camera.
func cameraCaps(driver, card string) v4l2.Capability {
	c := v4l2.CapVideoCapture | v4l2.CapStreaming
	return v4l2.Capability{Driver: driver, Card: card, BusInfo: "platform:" + driver, Capabilities: c | v4l2.CapDeviceCaps, DeviceCaps: c}
}

func (d *fakeDevice) withControls(ctrls []v4l2.ControlInfo) *fakeDevice {
	d.ctrls = ctrls
	for _, c := range ctrls {
		d.values[c.ID] = int32(c.Default)
	}
	return d
}

func (d *fakeDevice) Path() string                { return d.path }
func (d *fakeDevice) Capability() v4l2.Capability { return d.caps }

func (d *fakeDevice) EnumFormats(t v4l2.BufType) ([]v4l2.FormatDesc, error) {
	if t != v4l2.BufTypeVideoCapture {
		return nil, fmt.Errorf("fake: queue %v", t)
	}
	return d.formats, nil
}

func (d *fakeDevice) EnumFrameSizes(pf v4l2.PixelFormat) ([]v4l2.FrameSize, error) {
	s, ok := d.sizes[pf]
	if !ok {
		return nil, errors.New("fake: no sizes listed")
	}
	return s, nil
}

func (d *fakeDevice) EnumFrameIntervals(pf v4l2.PixelFormat, w, h uint32) ([]v4l2.FrameInterval, error) {
	if d.intervals == nil {
		return nil, errors.New("fake: no intervals listed")
	}
	return d.intervals, nil
}

func (d *fakeDevice) SetFormat(t v4l2.BufType, f v4l2.PixFormat) (v4l2.PixFormat, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setFormat = append(d.setFormat, f)
	if d.adjust != nil {
		return d.adjust(f), nil
	}
	bpp := map[v4l2.PixelFormat]uint32{v4l2.PixFmtYUYV: 2, v4l2.PixFmtBGR24: 3, v4l2.PixFmtRGB24: 3}[f.PixelFormat]
	if bpp == 0 {
		bpp = 1
	}
	f.BytesPerLine = f.Width * bpp
	f.SizeImage = f.BytesPerLine * f.Height
	return f, nil
}

func (d *fakeDevice) SetFrameInterval(t v4l2.BufType, iv v4l2.Fract) (v4l2.Fract, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setIval = append(d.setIval, iv)
	return iv, nil
}

func (d *fakeDevice) QueryControls() ([]v4l2.ControlInfo, error) { return d.ctrls, nil }

func (d *fakeDevice) info(id v4l2.CtrlID) (v4l2.ControlInfo, bool) {
	for _, c := range d.ctrls {
		if c.ID == id {
			return c, true
		}
	}
	return v4l2.ControlInfo{}, false
}

func (d *fakeDevice) GetControl(id v4l2.CtrlID) (int32, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.info(id); !ok {
		return 0, errors.New("fake: EINVAL")
	}
	return d.values[id], nil
}

// SetControl validates like the real package (v4l2.Device.SetControl does).
func (d *fakeDevice) SetControl(id v4l2.CtrlID, v int32) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.info(id)
	if !ok {
		return errors.New("fake: EINVAL")
	}
	if err := c.Validate(int64(v)); err != nil {
		return err
	}
	if err := d.failSet[id]; err != nil {
		return err
	}
	d.writes = append(d.writes, ctrlWrite{id: id, value: v})
	d.values[id] = v
	return nil
}

func (d *fakeDevice) StartCapture(n int) (capture, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.streaming = true
	return &fakeCapture{d: d}, nil
}

func (d *fakeDevice) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		d.closes++
		close(d.more)
	}
	return nil
}

// reopen models opening the node again after a Close.
func (d *fakeDevice) reopen() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opens++
	if d.closed {
		d.closed = false
		d.more = make(chan struct{}, 1)
	}
}

// push queues frames for the capture.
func (d *fakeDevice) push(fs ...v4l2.Frame) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.frames = append(d.frames, fs...)
	select {
	case d.more <- struct{}{}:
	default:
	}
}

func (d *fakeDevice) written() []ctrlWrite {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]ctrlWrite(nil), d.writes...)
}

type fakeCapture struct{ d *fakeDevice }

// ReadFrameContext returns the next queued frame, waiting like the real
// one: ErrTimeout at ctx's deadline, ErrClosed after Close.
func (c *fakeCapture) ReadFrameContext(ctx context.Context) (v4l2.Frame, error) {
	d := c.d
	for {
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return v4l2.Frame{}, fmt.Errorf("fake: %w", v4l2.ErrClosed)
		}
		if len(d.frames) > 0 {
			f := d.frames[0]
			d.frames = d.frames[1:]
			d.mu.Unlock()
			return f, nil
		}
		d.mu.Unlock()
		select {
		case <-d.more:
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return v4l2.Frame{}, fmt.Errorf("fake: %w", v4l2.ErrTimeout)
			}
			return v4l2.Frame{}, ctx.Err()
		}
	}
}

func (c *fakeCapture) Stop() error { return nil }

// Control sets modelled on real drivers.

func intCtrl(id v4l2.CtrlID, name string, lo, hi int64, step uint64, def int64) v4l2.ControlInfo {
	return v4l2.ControlInfo{ID: id, Type: v4l2.CtrlTypeInteger, Name: name, Min: lo, Max: hi, Step: step, Default: def}
}

func boolCtrl(id v4l2.CtrlID, name string, def int64) v4l2.ControlInfo {
	return v4l2.ControlInfo{ID: id, Type: v4l2.CtrlTypeBoolean, Name: name, Min: 0, Max: 1, Step: 1, Default: def}
}

// menuCtrl takes entries as "index:name".
func menuCtrl(id v4l2.CtrlID, name string, lo, hi, def int64, items ...string) v4l2.ControlInfo {
	c := v4l2.ControlInfo{ID: id, Type: v4l2.CtrlTypeMenu, Name: name, Min: lo, Max: hi, Step: 1, Default: def}
	for _, it := range items {
		var i uint32
		idx, name, _ := strings.Cut(it, ":")
		fmt.Sscan(idx, &i)
		c.Menu = append(c.Menu, v4l2.MenuItem{Index: i, Name: name})
	}
	return c
}

func intMenuCtrl(id v4l2.CtrlID, name string, def int64, values ...int64) v4l2.ControlInfo {
	c := v4l2.ControlInfo{ID: id, Type: v4l2.CtrlTypeIntegerMenu, Name: name, Min: 0, Max: int64(len(values) - 1), Step: 1, Default: def}
	for i, v := range values {
		c.Menu = append(c.Menu, v4l2.MenuItem{Index: uint32(i), Value: v})
	}
	return c
}

// bcm2835Controls are the legacy Pi camera's controls as bcm2835-v4l2's
// controls.c declares them (names as the driver reports them).
func bcm2835Controls() []v4l2.ControlInfo {
	// ev_bias_qmenu: thirds of an EV in milli-EV, index 12 is 0 EV.
	ev := []int64{-4000, -3667, -3333, -3000, -2667, -2333, -2000, -1667, -1333, -1000, -667, -333,
		0, 333, 667, 1000, 1333, 1667, 2000, 2333, 2667, 3000, 3333, 3667, 4000}
	return []v4l2.ControlInfo{
		intCtrl(v4l2.CtrlBrightness, "Brightness", 0, 100, 1, 50),
		intCtrl(v4l2.CtrlContrast, "Contrast", -100, 100, 1, 0),
		intCtrl(v4l2.CtrlSaturation, "Saturation", -100, 100, 1, 0),
		intCtrl(v4l2.CtrlRedBalance, "Red Balance", 1, 7999, 1, 1000),
		intCtrl(v4l2.CtrlBlueBalance, "Blue Balance", 1, 7999, 1, 1000),
		boolCtrl(v4l2.CtrlHFlip, "Horizontal Flip", 0),
		boolCtrl(v4l2.CtrlVFlip, "Vertical Flip", 0),
		menuCtrl(v4l2.CtrlPowerLineFrequency, "Power Line Frequency", 0, 3, 1, "0:Disabled", "1:50 Hz", "2:60 Hz", "3:Auto"),
		intCtrl(v4l2.CtrlSharpness, "Sharpness", -100, 100, 1, 0),
		intCtrl(v4l2.CtrlRotate, "Rotate", 0, 360, 90, 0),
		menuCtrl(v4l2.CtrlExposureAuto, "Auto Exposure", 0, 3, 0, "0:Auto Mode", "1:Manual Mode"),
		intCtrl(v4l2.CtrlExposureAbsolute, "Exposure Time, Absolute", 1, 10000, 1, 1000),
		boolCtrl(v4l2.CtrlExposureAutoPriority, "Exposure, Dynamic Framerate", 0),
		intMenuCtrl(v4l2.CtrlAutoExposureBias, "Auto Exposure, Bias", 12, ev...),
		menuCtrl(v4l2.CtrlWhiteBalanceAutoPreset, "White Balance, Auto & Preset", 0, 9, 1,
			"0:Manual", "1:Auto", "2:Incandescent", "3:Fluorescent", "4:Fluorescent H", "5:Horizon",
			"6:Daylight", "7:Flash", "8:Cloudy", "9:Shade"),
		boolCtrl(v4l2.CtrlImageStabilization, "Image Stabilization", 0),
		intMenuCtrl(v4l2.CtrlISOSensitivity, "ISO Sensitivity", 0, 0, 100000, 200000, 400000, 800000),
		menuCtrl(v4l2.CtrlISOSensitivityAuto, "ISO Sensitivity, Auto", 0, 1, 1, "0:Manual", "1:Auto"),
		menuCtrl(v4l2.CtrlExposureMetering, "Exposure, Metering Mode", 0, 2, 0, "0:Average", "1:Center Weighted", "2:Spot"),
		menuCtrl(v4l2.CtrlSceneMode, "Scene Mode", 0, 13, 0, "0:None", "8:Night", "11:Sports"),
		intCtrl(v4l2.CtrlMPEGVideoBitrate, "Video Bitrate", 25000, 25000000, 25000, 10000000),
		boolCtrl(v4l2.CtrlMPEGVideoRepeatSeqHeader, "Repeat Sequence Header", 0),
		intCtrl(v4l2.CtrlMPEGVideoH264IPeriod, "H264 I-Frame Period", 0, 2147483647, 1, 60),
	}
}

// vividControls are the picture controls of vivid's capture node.
func vividControls() []v4l2.ControlInfo {
	return []v4l2.ControlInfo{
		intCtrl(v4l2.CtrlBrightness, "Brightness", 0, 255, 1, 128),
		intCtrl(v4l2.CtrlContrast, "Contrast", 0, 255, 1, 128),
		intCtrl(v4l2.CtrlSaturation, "Saturation", 0, 255, 1, 128),
		intCtrl(v4l2.CtrlBrightness+3, "Hue", -128, 128, 1, 0),
		boolCtrl(v4l2.CtrlHFlip, "Horizontal Flip", 0),
		boolCtrl(v4l2.CtrlVFlip, "Vertical Flip", 0),
	}
}

// uvcControls are a typical USB webcam's.
func uvcControls() []v4l2.ControlInfo {
	return []v4l2.ControlInfo{
		intCtrl(v4l2.CtrlBrightness, "Brightness", -64, 64, 1, 0),
		intCtrl(v4l2.CtrlContrast, "Contrast", 0, 64, 1, 32),
		boolCtrl(v4l2.CtrlAutoWhiteBalance, "White Balance, Automatic", 1),
		intCtrl(v4l2.CtrlWhiteBalanceTemperature, "White Balance Temperature", 2800, 6500, 10, 4600),
		menuCtrl(v4l2.CtrlExposureAuto, "Auto Exposure", 0, 3, 3, "1:Manual Mode", "3:Aperture Priority Mode"),
		intCtrl(v4l2.CtrlExposureAbsolute, "Exposure Time, Absolute", 1, 5000, 1, 156),
		boolCtrl(v4l2.CtrlExposureAutoPriority, "Exposure, Dynamic Framerate", 0),
	}
}

// testSystem is a system of fake devices, found by path.
func testSystem(devs ...*fakeDevice) system {
	byPath := map[string]*fakeDevice{}
	var paths []string
	for _, d := range devs {
		byPath[d.path] = d
		paths = append(paths, d.path)
	}
	return system{
		glob: func(string) ([]string, error) { return paths, nil },
		openDevice: func(p string) (device, error) {
			d, ok := byPath[p]
			if !ok {
				return nil, fmt.Errorf("open %s: no such file or directory", p)
			}
			d.reopen()
			return d, nil
		},
		lookPath:  func(string) (string, error) { return "", errors.New("not found") },
		now:       func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		monotonic: func() time.Duration { return 1000 * time.Second },
		readFile:  func(string) ([]byte, error) { return nil, errors.New("fake: no sysfs") },
	}
}

func testLogger(t *testing.T) (*slog.Logger, *testkit.Buffer) {
	t.Helper()
	b := &testkit.Buffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}
