package camera

import (
	"flag"
	"slices"
	"strings"
)

// RegisterFlags adds one flag per option to fs, named as the option with
// "-" for "_" (--exposure-mode, --awb-gains, --iso, --hflip ...), each
// calling Set, so the command line and picam.conf (whose keys are flag
// names, "_" allowed) take PiGear's names and values and are validated the
// same way. hflip and vflip are boolean flags (--hflip alone means true).
// Options named in skip are left out: a command that has its own
// --resolution, --framerate or --bitrate passes those to the typed fields
// itself.
func (o *Options) RegisterFlags(fs *flag.FlagSet, skip ...string) {
	for _, row := range OptionTable() {
		key := row.Key
		if slices.Contains(skip, key) {
			continue
		}
		name := strings.ReplaceAll(key, "_", "-")
		usage := "camera " + key + ": " + row.Values
		set := func(v string) error { return o.Set(key, v) }
		if key == "hflip" || key == "vflip" {
			fs.BoolFunc(name, "camera "+key+": mirror the picture", set)
			continue
		}
		fs.Func(name, usage, set)
	}
}
