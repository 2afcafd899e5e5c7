package camera

import (
	"bytes"
	"strings"
	"testing"

	"github.com/picam-project/picam/hw/v4l2"
)

func TestListDevices(t *testing.T) {
	pi := piCameraDevice()
	viv := vividDevice()
	sys := testSystem(pi, viv, codecNode("/dev/video11", "bcm2835-codec-encode"))
	var b bytes.Buffer
	if err := sys.listDevices(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"/dev/video0: mmal service 16.1 (driver bm2835 mmal, bus platform:bm2835 mmal)\n    camera: --source v4l2:/dev/video0\n",
		"    H264  H264 format  (picam format H264)\n        32x32 to 2592x1944, step 2x2\n",
		"    YVYU  YVYU format  (not used by picam)\n",
		"/dev/video2: vivid (driver vivid",
		"    YUYV  YUYV format  (picam format YUYV)\n        320x180: 30, 15 fps\n        640x360: 30, 15 fps\n        640x480: 30, 15 fps\n",
		"/dev/video11: bcm2835-codec-encode (driver bcm2835-codec, bus )\n    not used: memory-to-memory device (codec or converter)\n",
		"rpicam-vid: not installed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ListDevices output lacks %q:\n%s", want, out)
		}
	}
	if pi.opens != pi.closes || viv.opens != viv.closes {
		t.Errorf("devices left open: pi %d/%d vivid %d/%d", pi.opens, pi.closes, viv.opens, viv.closes)
	}

	b.Reset()
	if err := testSystem().listDevices(&b); err != nil || !strings.Contains(b.String(), "no /dev/video* devices") {
		t.Errorf("no devices: %q, %v", b.String(), err)
	}
}

func TestListControls(t *testing.T) {
	d := piCameraDevice()
	d.values[d.ctrls[5].ID] = 1 // horizontal_flip on
	// vivid's test controls: a button, a bitmask with bit 31 set, a string.
	d.ctrls = append(d.ctrls,
		v4l2.ControlInfo{ID: 0x00980901 + 0x1000, Type: v4l2.CtrlTypeButton, Name: "Button"},
		v4l2.ControlInfo{ID: 0x00980902 + 0x1000, Type: v4l2.CtrlTypeBitmask, Name: "Bitmask", Max: 0x80402010, Default: 0x80002000},
		v4l2.ControlInfo{ID: 0x00980903 + 0x1000, Type: v4l2.CtrlTypeString, Name: "String", Min: 2, Max: 4})
	d.values[0x00980902+0x1000] = -2147475456 // 0x80002000 as the driver's int32
	var b bytes.Buffer
	if err := testSystem(d).listControls(&b, "/dev/video0"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"/dev/video0: mmal service 16.1 (driver bm2835 mmal, bus platform:bm2835 mmal)\n",
		"  brightness                  int      0..100, default 50",
		"= 50\n",
		"  horizontal_flip             bool     0/1, default 0",
		"= 1\n",
		"  white_balance_auto_preset   menu     0..9, default 1",
		"= 1 (Auto)\n",
		"    * 1: Auto\n",
		"      2: Incandescent\n",
		"  iso_sensitivity             intmenu  0..4, default 0",
		"      3: 400000\n",
		"  rotate                      int      0..360 step 90, default 0",
		"= 2147491840\n", // the bitmask, unsigned
		"  button                      button   button\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ListControls output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "-2147475456") || strings.Contains(out, "default 0  = 0\n") {
		t.Errorf("a bitmask shown signed, or a string control shown with a value:\n%s", out)
	}
	if d.opens != 1 || d.closes != 1 {
		t.Errorf("opened %d, closed %d", d.opens, d.closes)
	}
	if err := testSystem().listControls(&b, "/dev/video9"); err == nil || !strings.Contains(err.Error(), "/dev/video9") {
		t.Errorf("missing device: %v", err)
	}
	b.Reset()
	if err := WriteControls(&b, nil); err != nil || b.String() != "  (no controls)\n" {
		t.Errorf("no controls: %q %v", b.String(), err)
	}
}
