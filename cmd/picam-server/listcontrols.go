package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/picam-project/picam/hw/camera"
	picimage "github.com/picam-project/picam/image"
)

// listSource is --list-controls without a device: list the --source camera's controls.
const listSource = "\x00source"

// listControlsFlag is --list-controls with an optional value: alone it lists the --source
// camera's controls, "--list-controls DEVICE" (see joinListControlsArg) or
// "--list-controls=DEVICE" a V4L2 device's.
type listControlsFlag struct{ v *string }

func (l listControlsFlag) String() string {
	if l.v == nil || *l.v == listSource {
		return ""
	}
	return *l.v
}

func (l listControlsFlag) Set(s string) error {
	switch s {
	case "", "true":
		s = listSource
	case "false":
		s = ""
	}
	*l.v = s
	return nil
}

func (l listControlsFlag) IsBoolFlag() bool { return true }

// joinListControlsArg turns "--list-controls DEVICE" into "--list-controls=DEVICE": flag
// treats the optional-value flag as boolean, which cannot take a separate value, and
// picam-server has no positional arguments to confuse it with.
func joinListControlsArg(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if (a == "--list-controls" || a == "-list-controls" || a == "--list_controls") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			out = append(out, a+"="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

// listControlsTo prints the controls of --list-controls' device, or of the --source camera.
func (o *options) listControlsTo(ctx context.Context, w io.Writer, log *slog.Logger) error {
	if o.listControls != listSource {
		return camera.ListControls(w, o.listControls)
	}
	kind, path, err := camera.ParseSource(o.source)
	if strings.EqualFold(o.source, "testcard") {
		kind, err = camera.SourceTestsrc, nil
	}
	if err != nil {
		return err
	}
	switch kind {
	case camera.SourceTestsrc:
		fmt.Fprintf(w, "--source %s (the test pattern) has no controls\n", o.source)
		return nil
	case camera.SourceV4L2:
		return camera.ListControls(w, path)
	}
	// auto and rpicam: open the camera the server would use, and ask it.
	opts := o.cam
	if opts.Width, opts.Height, err = picimage.ParseResolution(o.resolution); err != nil {
		return err
	}
	opts.Framerate = o.framerate
	cam, err := camera.Open(ctx, o.source, opts, log)
	if err != nil {
		return err
	}
	defer cam.Close()
	info := cam.Info()
	fmt.Fprintf(w, "--source %s: %s\n", o.source, info.String())
	if info.Source == camera.SourceTestsrc {
		fmt.Fprintln(w, "  no camera found, so the test pattern, which has no controls")
		return nil
	}
	ctrls, err := cam.Controls()
	if err != nil {
		return err
	}
	return camera.WriteControls(w, ctrls)
}
