package openh264

import (
	"bytes"
	"testing"
)

// The defaults are documented; check them where every build runs.
func TestConfigDefaults(t *testing.T) {
	c, err := Config{Width: 640, Height: 480}.withDefaults()
	if err != nil || c.FPS != 30 || c.Bitrate != 921600 || c.IntraPeriod != 30 || c.Threads != 1 {
		t.Errorf("%+v, %v", c, err)
	}
	if _, err := (Config{Width: 641, Height: 480}).withDefaults(); err == nil {
		t.Error("odd width accepted")
	}
	p := Picture{Width: 2, Height: 2, YStride: 4, CStride: 3, Y: []byte{1, 2, 0, 0, 3, 4, 0, 0}, U: []byte{5, 0, 0}, V: []byte{6, 0, 0}}
	if got := p.I420(); !bytes.Equal(got, []byte{1, 2, 3, 4, 5, 6}) {
		t.Errorf("I420() = %v", got)
	}
}
