package camera

import (
	"errors"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"

	picimage "github.com/picam-project/picam/image"
)

func TestSetValid(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       Options
	}{
		{"hflip", "true", Options{HFlip: true}},
		{"hflip", "True", Options{HFlip: true}}, // Python spelling
		{"vflip", "1", Options{VFlip: true}},
		{"vflip", "off", Options{}},
		{"rotation", "270", Options{Rotation: 270}},
		{"exposure_mode", "night", Options{ExposureMode: "night"}},
		{"Exposure-Mode", "SPORTS", Options{ExposureMode: "sports"}},
		{"iso", "0", Options{}},
		{"iso", "320", Options{ISO: 320}},
		{"iso", "800", Options{ISO: 800}},
		{"exposure_compensation", "-25", Options{ExposureCompensation: -25}},
		{"exposure_compensation", "25", Options{ExposureCompensation: 25}},
		{"awb_mode", "horizon", Options{AWBMode: "horizon"}},
		{"awb_mode", "greyworld", Options{AWBMode: "greyworld"}},
		{"awb_gains", "1.5,1.2", Options{AWBGains: [2]float64{1.5, 1.2}}},
		{"awb_gains", "(2, 0.5)", Options{AWBGains: [2]float64{2, 0.5}}},
		{"meter_mode", "backlit", Options{MeterMode: "backlit"}},
		{"shutter_speed", "20000", Options{ShutterSpeed: 20000}},
		{"sensor_mode", "7", Options{SensorMode: 7}},
		{"resolution", "1280x720", Options{Width: 1280, Height: 720}},
		{"resolution", "(1920, 1080)", Options{Width: 1920, Height: 1080}},
		{"resolution", " [320,240] ", Options{Width: 320, Height: 240}},
		{"framerate", "29.97", Options{Framerate: 29.97}},
		{"brightness", "0", Options{Brightness: IntPtr(0)}},
		{"brightness", "100", Options{Brightness: IntPtr(100)}},
		{"contrast", "-100", Options{Contrast: IntPtr(-100)}},
		{"saturation", "100", Options{Saturation: IntPtr(100)}},
		{"sharpness", "-5", Options{Sharpness: IntPtr(-5)}},
		{"bitrate", "5000000", Options{Bitrate: 5000000}},
		{"intra", "15", Options{Intra: 15}},
		{"quality", "85", Options{Quality: 85}},
	} {
		var o Options
		if err := o.Set(tc.key, tc.value); err != nil {
			t.Errorf("Set(%q, %q): %v", tc.key, tc.value, err)
			continue
		}
		if !reflect.DeepEqual(o, tc.want) {
			t.Errorf("Set(%q, %q) = %+v, want %+v", tc.key, tc.value, o, tc.want)
		}
		if err := o.Validate(); err != nil {
			t.Errorf("Validate after Set(%q, %q): %v", tc.key, tc.value, err)
		}
	}
}

func TestSetInvalid(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       string // the whole message, or a part of it after "..."
	}{
		// The two messages the brief pins down.
		{"iso", "123", "iso 123 is not valid: use 0 (auto), 100, 200, 320, 400, 500, 640 or 800"},
		{"awb_mode", "purple", "awb_mode purple is not valid: use off, auto, sunlight, cloudy, shade, tungsten, " +
			"fluorescent, incandescent, flash, horizon or greyworld"},
		{"exposure_mode", "moonlight", "exposure_mode moonlight is not valid: use off, auto, night, nightpreview, " +
			"backlight, spotlight, sports, snow, beach, verylong, fixedfps, antishake or fireworks"},
		{"meter_mode", "centre", "meter_mode centre is not valid: use average, spot, backlit or matrix"},
		{"iso", "1600", "...use 0 (auto)"},
		{"iso", "auto", "iso auto is not valid"},
		{"hflip", "maybe", "hflip maybe is not valid: use true or false"},
		{"rotation", "45", "rotation 45 is not valid: use 0, 90, 180 or 270"},
		{"exposure_compensation", "26", "exposure_compensation 26 is not valid: use a whole number from -25 to 25"},
		{"exposure_compensation", "1.5", "exposure_compensation 1.5 is not valid"},
		{"brightness", "101", "brightness 101 is not valid: use a whole number from 0 to 100"},
		{"brightness", "-1", "brightness -1 is not valid"},
		{"contrast", "-101", "contrast -101 is not valid: use a whole number from -100 to 100"},
		{"sharpness", "x", "sharpness x is not valid"},
		{"sensor_mode", "8", "sensor_mode 8 is not valid: use a whole number from 0 (automatic) to 7"},
		{"shutter_speed", "-1", "shutter_speed -1 is not valid"},
		{"resolution", "640", "resolution 640 is not valid: use WIDTHxHEIGHT"},
		{"resolution", "0x480", "resolution 0x480 is not valid"},
		{"resolution", "99999x480", "resolution 99999x480 is not valid"},
		{"framerate", "-1", "framerate -1 is not valid"},
		{"framerate", "1000", "framerate 1000 is not valid"},
		{"awb_gains", "9,1", "awb_gains 9,1 is not valid: use red,blue gains above 0 and at most 8"},
		{"awb_gains", "1.5", "awb_gains 1.5 is not valid"},
		{"bitrate", "100", "bitrate 100 is not valid"},
		{"intra", "-3", "intra -3 is not valid"},
		{"quality", "101", "quality 101 is not valid"},
	} {
		var o Options
		err := o.Set(tc.key, tc.value)
		if err == nil {
			t.Errorf("Set(%q, %q) accepted, want an error", tc.key, tc.value)
			continue
		}
		if !errors.Is(err, ErrInvalidOption) {
			t.Errorf("Set(%q, %q): %v does not wrap ErrInvalidOption", tc.key, tc.value, err)
		}
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Key != tc.key || oe.Value != tc.value {
			t.Errorf("Set(%q, %q): %#v is not an OptionError naming the key and value", tc.key, tc.value, err)
		}
		if want, part := strings.CutPrefix(tc.want, "..."); part {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Set(%q, %q) = %q, want it to contain %q", tc.key, tc.value, err, want)
			}
		} else if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Set(%q, %q) = %q, want %q", tc.key, tc.value, err, tc.want)
		}
		if !reflect.DeepEqual(o, Options{}) {
			t.Errorf("Set(%q, %q) failed but changed the options: %+v", tc.key, tc.value, o)
		}
	}
}

func TestSetUnknownKey(t *testing.T) {
	var o Options
	err := o.Set("exposure_mod", "night")
	if !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("unknown key: %v", err)
	}
	for _, want := range []string{`unknown camera option "exposure_mod"`, "did you mean exposure_mode?", "hflip", "awb_mode"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	err = o.Set("colour", "red")
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("far-off key: %v (want no suggestion)", err)
	}
}

func TestSetPairAndFlag(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(o.Flag(), "option", "")
	if err := fs.Parse([]string{"--option", "iso=400", "--option", "awb_mode = sunlight", "--option", "hflip=1"}); err != nil {
		t.Fatal(err)
	}
	if o.ISO != 400 || o.AWBMode != "sunlight" || !o.HFlip {
		t.Errorf("after flags: %+v", o)
	}
	if got := o.String(); got != "hflip=true iso=400 awb_mode=sunlight" {
		t.Errorf("String() = %q", got)
	}
	if err := fs.Parse([]string{"--option", "iso"}); err == nil || !strings.Contains(err.Error(), "not key=value") {
		t.Errorf("--option iso: %v", err)
	}
	if err := o.SetPair("iso=123"); err == nil || !strings.Contains(err.Error(), "iso 123 is not valid") {
		t.Errorf("SetPair(iso=123): %v", err)
	}
}

func TestValidateDirectFields(t *testing.T) {
	bad := Options{ISO: 123, AWBMode: "purple", Rotation: 45, Brightness: IntPtr(200), Width: 640, Format: "XYZ"}
	err := bad.Validate()
	if err == nil {
		t.Fatal("Validate accepted bad fields")
	}
	for _, want := range []string{"iso 123", "awb_mode purple", "rotation 45", "brightness 200", "resolution 640x0", "format XYZ"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %q lacks %q", err, want)
		}
	}
	if !errors.Is(err, ErrInvalidOption) {
		t.Errorf("Validate error does not wrap ErrInvalidOption")
	}
	good := Options{Width: 1280, Height: 720, Framerate: 30, HFlip: true, ExposureMode: "night", ISO: 400,
		AWBMode: "off", AWBGains: [2]float64{1.5, 1.2}, Contrast: IntPtr(-20), Format: picimage.MJPEG}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(%+v): %v", good, err)
	}
	if err := (Options{}).Validate(); err != nil {
		t.Errorf("zero Options: %v", err)
	}
}

// sampleValues are valid non-default values for every option, used to
// check that each table entry drives a field of Options and vice versa.
var sampleValues = map[string]string{
	"resolution": "320x240", "framerate": "15", "hflip": "true", "vflip": "true", "rotation": "180",
	"exposure_mode": "night", "iso": "400", "exposure_compensation": "6", "awb_mode": "off",
	"awb_gains": "1.5,1.2", "meter_mode": "spot", "shutter_speed": "10000", "sensor_mode": "2",
	"brightness": "60", "contrast": "10", "saturation": "-10", "sharpness": "20",
	"bitrate": "2000000", "intra": "30", "quality": "80",
}

func TestOptionTableCoversEveryOption(t *testing.T) {
	table := OptionTable()
	covered := map[string]string{} // field -> key
	seen := map[string]bool{}
	for _, row := range table {
		if seen[row.Key] {
			t.Errorf("%s appears twice in the table", row.Key)
		}
		seen[row.Key] = true
		if row.Values == "" || row.V4L2 == "" || row.Rpicam == "" || (row.Origin != "picamera" && row.Origin != "picam") {
			t.Errorf("incomplete table row %+v", row)
		}
		v, ok := sampleValues[row.Key]
		if !ok {
			t.Errorf("no sample value for %s", row.Key)
			continue
		}
		var o Options
		if err := o.Set(row.Key, v); err != nil {
			t.Errorf("Set(%s, %s): %v", row.Key, v, err)
			continue
		}
		if row.Default != "" {
			var d Options
			if err := d.Set(row.Key, row.Default); err != nil {
				t.Errorf("the table's default %q for %s is refused: %v", row.Default, row.Key, err)
			}
		}
		changed := changedFields(Options{}, o)
		if len(changed) == 0 {
			t.Errorf("Set(%s, %s) changed no field", row.Key, v)
		}
		for _, f := range changed {
			covered[f] = row.Key
		}
	}
	ot := reflect.TypeOf(Options{})
	for i := 0; i < ot.NumField(); i++ {
		name := ot.Field(i).Name
		if name == "Format" || name == "Strict" {
			continue // set by the program, not by users' option names
		}
		if covered[name] == "" {
			t.Errorf("field Options.%s has no entry in OptionTable", name)
		}
	}
	if len(sampleValues) != len(table) {
		t.Errorf("%d sample values for %d table rows", len(sampleValues), len(table))
	}
}

func changedFields(a, b Options) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := 0; i < va.NumField(); i++ {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, va.Type().Field(i).Name)
		}
	}
	return out
}
