//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/picam-project/picam/hw/v4l2"
)

// runControls reports a camera's capture format and the current value of
// each of its integer, boolean and menu controls, as controls.LABEL.
// V4L2 keeps both after the last file handle closes, so run after
// picam-server has exited it shows what the server left set: that is how
// the host checks that picam-server's PiGear options (--hflip, --iso,
// --awb-mode ...) reached the device. With -reset it first writes every
// such control back to its default, so a value seen afterwards was set by
// the server and not left over from an earlier step.
func runControls(ctx context.Context, r *reporter, args []string) error {
	fs := flag.NewFlagSet("controls", flag.ContinueOnError)
	dev := fs.String("device", "", "capture node (default: found by name, see find.go)")
	reset := fs.Bool("reset", false, "write every control back to its default first")
	label := fs.String("label", "after", "name of this reading in the step: controls.LABEL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	step := "controls." + *label
	d, path, err := openCamera(*dev)
	if err != nil {
		return err
	}
	defer d.Close()
	infos, err := d.QueryControls()
	if err != nil {
		r.fail(step, fmt.Errorf("listing the controls of %s: %w", path, err))
		return nil
	}
	values := map[string]any{}
	for _, c := range infos {
		switch c.Type {
		case v4l2.CtrlTypeInteger, v4l2.CtrlTypeBoolean, v4l2.CtrlTypeMenu, v4l2.CtrlTypeIntegerMenu:
		default:
			continue
		}
		if c.Flags&(v4l2.CtrlFlagDisabled|v4l2.CtrlFlagWriteOnly) != 0 {
			continue
		}
		if *reset && c.Flags&v4l2.CtrlFlagReadOnly == 0 {
			if err := d.SetControl(c.ID, int32(c.Default)); err != nil {
				r.log.Warn("could not reset a control", "control", c.Name, "err", err)
			}
		}
		v, err := d.GetControl(c.ID)
		if err != nil {
			continue // inactive or volatile controls may refuse; they are not what the host checks
		}
		values[controlKey(c.Name)] = v
	}
	capT, err := d.Capability().CaptureType()
	if err != nil {
		r.fail(step, fmt.Errorf("camera %s: %w", path, err))
		return nil
	}
	f, err := d.GetFormat(capT)
	if err != nil {
		r.fail(step, fmt.Errorf("G_FMT on %s: %w", path, err))
		return nil
	}
	r.ok(step, map[string]any{"device": path, "width": f.Width, "height": f.Height, "fourcc": f.PixelFormat.String(),
		"reset": *reset, "controls": values})
	return ctx.Err()
}

// controlKey turns a driver's control name ("Horizontal Flip") into the
// key the host looks up ("horizontal_flip"), the spelling v4l2-ctl uses.
func controlKey(name string) string {
	var b strings.Builder
	under := false
	for _, ch := range strings.ToLower(name) {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(ch)
		default:
			under = true
		}
	}
	return b.String()
}
