package camera

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/picam-project/picam/hw/v4l2"
)

// deviceControls lists a device's controls with their current values.
func deviceControls(dev device) ([]Control, error) {
	infos, err := dev.QueryControls()
	if err != nil {
		return nil, fmt.Errorf("listing the controls of %s: %w", dev.Path(), err)
	}
	out := make([]Control, 0, len(infos))
	for _, in := range infos {
		c := toControl(in)
		switch {
		case !readable(in):
			c.NoValue = true
		case in.Type == v4l2.CtrlTypeBitmask:
			v, err := dev.GetControl(in.ID)
			c.Value, c.NoValue = int64(uint32(v)), err != nil
		default:
			v, err := dev.GetControl(in.ID)
			c.Value, c.NoValue = int64(v), err != nil
		}
		out = append(out, c)
	}
	return out, nil
}

// readable reports whether a control has a value to read through the
// 32-bit control API (not buttons, write-only or compound controls).
func readable(in v4l2.ControlInfo) bool {
	if in.Flags&v4l2.CtrlFlagWriteOnly != 0 {
		return false
	}
	switch in.Type {
	case v4l2.CtrlTypeInteger, v4l2.CtrlTypeBoolean, v4l2.CtrlTypeMenu, v4l2.CtrlTypeIntegerMenu, v4l2.CtrlTypeBitmask:
		return true
	}
	return false
}

func toControl(in v4l2.ControlInfo) Control {
	c := Control{
		Name: controlVarName(in.Name), Label: in.Name, ID: uint32(in.ID), Type: ctrlTypeName(in.Type),
		Min: in.Min, Max: in.Max, Step: int64(in.Step), Default: in.Default,
		ReadOnly: in.Flags&v4l2.CtrlFlagReadOnly != 0, Inactive: in.Flags&v4l2.CtrlFlagInactive != 0,
	}
	for _, m := range in.Menu {
		name := m.Name
		if in.Type == v4l2.CtrlTypeIntegerMenu {
			name = strconv.FormatInt(m.Value, 10)
		}
		c.Menu = append(c.Menu, MenuItem{Index: int64(m.Index), Name: name})
	}
	return c
}

// findControl finds a control by its v4l2-ctl name (or the driver's label,
// ignoring case).
func findControl(dev device, name string) (v4l2.ControlInfo, error) {
	infos, err := dev.QueryControls()
	if err != nil {
		return v4l2.ControlInfo{}, fmt.Errorf("listing the controls of %s: %w", dev.Path(), err)
	}
	want := strings.ToLower(strings.TrimSpace(name))
	var names []string
	for _, in := range infos {
		n := controlVarName(in.Name)
		if n == want || strings.ToLower(in.Name) == want {
			return in, nil
		}
		names = append(names, n)
	}
	return v4l2.ControlInfo{}, fmt.Errorf("%s has no control %q (it has %s): %w", dev.Path(), name, strings.Join(names, ", "), ErrNoControl)
}
