package main

import (
	"fmt"
	"strings"

	"github.com/picam-project/picam/test/hil/internal/fact"
)

// cameraOptions judges whether picam-server's PiGear options reached the
// camera: the scenario resets the controls to their defaults, runs the
// server with --hflip --iso 800 --awb_mode tungsten --brightness 70, and
// reads the controls and the format back after it exits (V4L2 keeps both).
// A control the device lacks (vivid has no ISO or white-balance preset)
// must instead appear among the server's "camera setting not applied"
// warnings: silently dropping a setting is the failure this catches.
func (j *judge) cameraOptions() {
	cams := j.o.all("server.camera")
	if len(cams) == 0 {
		if j.o.target.kind == "qemu" {
			j.fail("picam-server applies the PiGear options", "no server.camera report: the scenario did not get that far")
		}
		return
	}
	args := cams[len(cams)-1].Str("args")
	if !strings.Contains(args, "--source v4l2:") {
		j.skip("picam-server applies the PiGear options", "picam-server did not stream from a camera: "+args)
		return
	}
	warnings := cams[len(cams)-1].Str("warnings")
	const reset = "camera controls reset before picam-server"
	before, ok := j.step(reset, "controls.before")
	if !ok {
		return
	}
	bc := controlValues(before)
	j.expect(bc["horizontal_flip"] == 0, reset, fmt.Sprintf("horizontal_flip 0, brightness %d", bc["brightness"]),
		fmt.Sprintf("horizontal_flip reads %d after the reset to its default 0", bc["horizontal_flip"]))

	const name = "picam-server applies the PiGear options"
	after, ok := j.step(name, "controls.after")
	if !ok {
		return
	}
	ac := controlValues(after)
	var problems, good []string
	want := func(asked string, ok bool, what string) {
		if !strings.Contains(args, asked) {
			return
		}
		if ok {
			good = append(good, what)
		} else {
			problems = append(problems, what)
		}
	}
	want("--hflip", ac["horizontal_flip"] == 1, fmt.Sprintf("--hflip: horizontal_flip %d", ac["horizontal_flip"]))
	want("--brightness", ac["brightness"] > bc["brightness"],
		fmt.Sprintf("--brightness 70 (above neutral 50): brightness %d -> %d", bc["brightness"], ac["brightness"]))
	// Controls vivid does not have: set and read back, or warned about.
	for _, c := range []struct{ flag, option, control string }{
		{"--iso", "iso", "iso_sensitivity"},
		{"--awb_mode", "awb_mode", "white_balance_auto_preset"},
	} {
		if _, has := ac[c.control]; has {
			want(c.flag, ac[c.control] != bc[c.control], fmt.Sprintf("%s: %s %d -> %d", c.flag, c.control, bc[c.control], ac[c.control]))
		} else {
			want(c.flag, strings.Contains(warnings, c.option+"="), fmt.Sprintf("%s: no %s control, so a warning (%s)", c.flag, c.control,
				map[bool]string{true: "logged", false: "missing"}[strings.Contains(warnings, c.option+"=")]))
		}
	}
	h, w := j.streamSize()
	aw, _ := after.Int("width")
	ah, _ := after.Int("height")
	want("--source", int(aw) == w && int(ah) == h, fmt.Sprintf("format %dx%d %s (asked %s)", aw, ah, after.Str("fourcc"), j.c.resolution))
	if len(problems) > 0 {
		j.fail(name, strings.Join(problems, "; ")+" (server: "+args+")")
	} else {
		j.pass(name, strings.Join(good, "; "))
	}
}

// controlValues returns a controls fact's values by name.
func controlValues(f fact.Fact) map[string]int64 {
	out := map[string]int64{}
	m, _ := f.V["controls"].(map[string]any)
	for k, v := range m {
		if n, ok := v.(float64); ok {
			out[k] = int64(n)
		}
	}
	return out
}
