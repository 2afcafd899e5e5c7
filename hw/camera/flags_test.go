package camera

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func TestRegisterFlags(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("resolution", "640x480", "the command's own flag")
	o.RegisterFlags(fs, "resolution", "framerate")
	err := fs.Parse([]string{"--hflip", "--exposure-mode", "night", "--iso=400", "--awb-gains", "1.5,1.2",
		"--awb-mode", "off", "--brightness", "70"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.HFlip || o.ExposureMode != "night" || o.ISO != 400 || o.AWBMode != "off" || o.AWBGains != [2]float64{1.5, 1.2} ||
		o.Brightness == nil || *o.Brightness != 70 {
		t.Errorf("options %+v", o)
	}
	// picam.conf applies keys through fs.Set with dashes.
	if err := fs.Set("meter-mode", "spot"); err != nil || o.MeterMode != "spot" {
		t.Errorf("Set(meter-mode): %v, %q", err, o.MeterMode)
	}
	err = fs.Parse([]string{"--iso", "123"})
	if err == nil || !strings.Contains(err.Error(), "iso 123 is not valid: use 0 (auto), 100, 200, 320, 400, 500, 640 or 800") {
		t.Errorf("--iso 123: %v", err)
	}
	if fs.Lookup("framerate") != nil {
		t.Error("skipped option registered")
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if want := len(OptionTable()) - 2 + 1; n != want {
		t.Errorf("%d flags, want %d", n, want)
	}
}
