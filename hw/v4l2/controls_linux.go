//go:build linux && (amd64 || arm64 || arm)

package v4l2

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// QueryControls lists every control of the device, with menus, in driver
// order. It walks the list with V4L2_CTRL_FLAG_NEXT_CTRL (and
// NEXT_COMPOUND) using VIDIOC_QUERY_EXT_CTRL, falling back to
// VIDIOC_QUERYCTRL on drivers without it. Disabled controls and the
// class-title pseudo controls are left out.
func (d *Device) QueryControls() ([]ControlInfo, error) {
	if err := d.acquire(); err != nil {
		return nil, err
	}
	defer d.use.RUnlock()
	var out []ControlInfo
	ext := true
	id := uint32(0)
	for i := 0; i < maxEnum; i++ {
		var (
			c   ControlInfo
			err error
		)
		if ext {
			c, err = d.queryExtCtrl(id | ctrlFlagNextCtrl | ctrlFlagNextCompound)
			if errors.Is(err, unix.ENOTTY) && i == 0 {
				ext = false
				c, err = d.queryCtrl(id | ctrlFlagNextCtrl)
			}
		} else {
			c, err = d.queryCtrl(id | ctrlFlagNextCtrl)
		}
		if errors.Is(err, unix.EINVAL) {
			return out, nil // past the last control
		}
		if err != nil {
			return out, err
		}
		id = uint32(c.ID)
		if c.Flags&CtrlFlagDisabled != 0 || c.Type == CtrlTypeCtrlClass {
			continue
		}
		if c.IsMenu() {
			if c.Menu, err = d.queryMenu(c); err != nil {
				return out, err
			}
		}
		out = append(out, c)
	}
	return out, d.errorf("QueryControls", "driver listed more than %d controls; giving up", maxEnum)
}

// QueryControl describes one control, with its menu entries.
func (d *Device) QueryControl(id CtrlID) (ControlInfo, error) {
	if err := d.acquire(); err != nil {
		return ControlInfo{}, err
	}
	defer d.use.RUnlock()
	return d.queryControlLocked(id)
}

func (d *Device) queryControlLocked(id CtrlID) (ControlInfo, error) {
	c, err := d.queryExtCtrl(uint32(id) & ctrlIDMask)
	if errors.Is(err, unix.ENOTTY) {
		c, err = d.queryCtrl(uint32(id) & ctrlIDMask)
	}
	if err != nil {
		return ControlInfo{}, fmt.Errorf("control 0x%08x: %w", uint32(id), err)
	}
	if c.IsMenu() {
		if c.Menu, err = d.queryMenu(c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// queryExtCtrl runs VIDIOC_QUERY_EXT_CTRL (Linux 3.17+).
func (d *Device) queryExtCtrl(id uint32) (ControlInfo, error) {
	r := rawQueryExtCtrl{ID: id}
	if err := d.ioctl(vidiocQueryExtCtrl, unsafe.Pointer(&r)); err != nil {
		return ControlInfo{}, err
	}
	return controlFromExt(&r), nil
}

// queryCtrl runs the older VIDIOC_QUERYCTRL (32-bit ranges only).
func (d *Device) queryCtrl(id uint32) (ControlInfo, error) {
	r := rawQueryCtrl{ID: id}
	if err := d.ioctl(vidiocQueryCtrl, unsafe.Pointer(&r)); err != nil {
		return ControlInfo{}, err
	}
	return controlFromQuery(&r), nil
}

func controlFromExt(r *rawQueryExtCtrl) ControlInfo {
	c := ControlInfo{
		ID: CtrlID(r.ID), Type: CtrlType(r.Type), Name: cString(r.Name[:]),
		Min: r.Minimum, Max: r.Maximum, Step: r.Step, Default: r.DefaultValue,
		Flags: CtrlFlag(r.Flags), ElemSize: r.ElemSize, Elems: r.Elems,
	}
	if n := min(r.NrOfDims, uint32(len(r.Dims))); n > 0 {
		c.Dims = append([]uint32(nil), r.Dims[:n]...)
	}
	return c
}

func controlFromQuery(r *rawQueryCtrl) ControlInfo {
	return ControlInfo{
		ID: CtrlID(r.ID), Type: CtrlType(r.Type), Name: cString(r.Name[:]),
		Min: int64(r.Minimum), Max: int64(r.Maximum), Step: uint64(uint32(r.Step)),
		Default: int64(r.DefaultValue), Flags: CtrlFlag(r.Flags), Elems: 1,
	}
}

// queryMenu enumerates the entries of a menu control with VIDIOC_QUERYMENU.
// Indexes the driver skips (EINVAL) are gaps, not errors.
func (d *Device) queryMenu(c ControlInfo) ([]MenuItem, error) {
	if c.Min < 0 || c.Max < c.Min || c.Max-c.Min >= ctrlMaxMenuEntries {
		return nil, d.errorf("VIDIOC_QUERYMENU", "control %s: implausible menu range %d..%d", c.label(), c.Min, c.Max)
	}
	var items []MenuItem
	for i := c.Min; i <= c.Max; i++ {
		r := rawQueryMenu{ID: uint32(c.ID), Index: uint32(i)}
		if err := d.ioctl(vidiocQueryMenu, unsafe.Pointer(&r)); err != nil {
			if errors.Is(err, unix.EINVAL) {
				continue
			}
			return items, err
		}
		items = append(items, menuItemFromRaw(&r, c.Type == CtrlTypeIntegerMenu))
	}
	return items, nil
}

// menuItemFromRaw decodes the name/value union of struct v4l2_querymenu.
func menuItemFromRaw(r *rawQueryMenu, intMenu bool) MenuItem {
	m := MenuItem{Index: r.Index}
	if intMenu {
		b := r.Name[:8]
		m.Value = int64(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
		m.Name = fmt.Sprint(m.Value)
		return m
	}
	m.Name = cString(r.Name[:])
	return m
}

// GetControl reads a 32-bit control (VIDIOC_G_CTRL). Use GetExtControls for
// 64-bit controls.
func (d *Device) GetControl(id CtrlID) (int32, error) {
	if err := d.acquire(); err != nil {
		return 0, err
	}
	defer d.use.RUnlock()
	r := rawControl{ID: uint32(id)}
	if err := d.ioctl(vidiocGCtrl, unsafe.Pointer(&r)); err != nil {
		return 0, fmt.Errorf("control 0x%08x: %w", uint32(id), err)
	}
	return r.Value, nil
}

// SetControl writes a 32-bit control (VIDIOC_S_CTRL) after checking the
// value against the control's range, step and menu (see
// ControlInfo.Validate), so a bad setting is reported by name instead of
// being clamped by the driver.
func (d *Device) SetControl(id CtrlID, value int32) error {
	if err := d.acquire(); err != nil {
		return err
	}
	defer d.use.RUnlock()
	info, err := d.queryControlLocked(id)
	if err != nil {
		return err
	}
	if err := info.Validate(int64(value)); err != nil {
		return &Error{Op: "VIDIOC_S_CTRL", Path: d.path, Err: err}
	}
	r := rawControl{ID: uint32(id), Value: value}
	if err := d.ioctl(vidiocSCtrl, unsafe.Pointer(&r)); err != nil {
		return fmt.Errorf("control %s = %d: %w", info.label(), value, err)
	}
	return nil
}

// GetExtControls reads several controls in one call (VIDIOC_G_EXT_CTRLS).
// class may be 0 to mix classes, or the class all ids belong to (older
// drivers require it). Values of 32-bit controls are sign-extended.
func (d *Device) GetExtControls(class CtrlClass, ids ...CtrlID) ([]ExtControl, error) {
	if err := d.acquire(); err != nil {
		return nil, err
	}
	defer d.use.RUnlock()
	if len(ids) == 0 {
		return nil, nil
	}
	infos := make([]ControlInfo, len(ids))
	raw := make([]rawExtControl, len(ids))
	for i, id := range ids {
		info, err := d.queryControlLocked(id)
		if err != nil {
			return nil, err
		}
		if err := checkExtType(info); err != nil {
			return nil, &Error{Op: "VIDIOC_G_EXT_CTRLS", Path: d.path, Err: err}
		}
		infos[i] = info
		raw[i] = rawExtControl{ID: uint32(id)}
	}
	if err := d.extCtrls(vidiocGExtCtrls, class, raw, infos); err != nil {
		return nil, err
	}
	out := make([]ExtControl, len(ids))
	for i := range raw {
		out[i] = ExtControl{ID: ids[i], Value: extValue(raw[i], infos[i].Type)}
	}
	return out, nil
}

// SetExtControls writes several controls atomically (VIDIOC_S_EXT_CTRLS):
// the driver applies all or none. Each value is validated first. Encoder
// settings (bitrate, I-period, profile, level) belong to CtrlClassCodec.
func (d *Device) SetExtControls(class CtrlClass, ctrls ...ExtControl) error {
	if err := d.acquire(); err != nil {
		return err
	}
	defer d.use.RUnlock()
	if len(ctrls) == 0 {
		return nil
	}
	infos := make([]ControlInfo, len(ctrls))
	raw := make([]rawExtControl, len(ctrls))
	for i, c := range ctrls {
		info, err := d.queryControlLocked(c.ID)
		if err != nil {
			return err
		}
		if err := checkExtType(info); err != nil {
			return &Error{Op: "VIDIOC_S_EXT_CTRLS", Path: d.path, Err: err}
		}
		if err := info.Validate(c.Value); err != nil {
			return &Error{Op: "VIDIOC_S_EXT_CTRLS", Path: d.path, Err: err}
		}
		infos[i] = info
		raw[i] = rawExtControl{ID: uint32(c.ID), Value: encodeExtValue(c.Value, info.Type)}
	}
	return d.extCtrls(vidiocSExtCtrls, class, raw, infos)
}

// checkExtType rejects controls whose value is not a plain integer.
func checkExtType(c ControlInfo) error {
	switch c.Type {
	case CtrlTypeInteger, CtrlTypeBoolean, CtrlTypeMenu, CtrlTypeButton,
		CtrlTypeInteger64, CtrlTypeBitmask, CtrlTypeIntegerMenu:
		return nil
	}
	return fmt.Errorf("control %s has type %s, which this package cannot read or write: %w", c.label(), c.Type, ErrInvalidValue)
}

// encodeExtValue fills the value union: value64 for 64-bit controls, the
// low word (value) for the rest, with the high word zeroed.
func encodeExtValue(v int64, t CtrlType) [2]uint32 {
	if t == CtrlTypeInteger64 {
		return [2]uint32{uint32(v), uint32(uint64(v) >> 32)}
	}
	return [2]uint32{uint32(v), 0}
}

// extValue decodes the value union for a control type.
func extValue(r rawExtControl, t CtrlType) int64 {
	if t == CtrlTypeInteger64 {
		return int64(uint64(r.Value[0]) | uint64(r.Value[1])<<32)
	}
	return int64(int32(r.Value[0]))
}

// extCtrls runs one of the extended-control ioctls on raw. The controls
// array is pinned for the duration of the call because the kernel reads it
// through a pointer stored inside the argument struct.
func (d *Device) extCtrls(req uint32, class CtrlClass, raw []rawExtControl, infos []ControlInfo) error {
	var pin runtime.Pinner
	pin.Pin(&raw[0])
	defer pin.Unpin()
	r := rawExtControls{
		Which:    uint32(class),
		Count:    uint32(len(raw)),
		Controls: uintptr(unsafe.Pointer(&raw[0])),
	}
	err := d.ioctl(req, unsafe.Pointer(&r))
	runtime.KeepAlive(raw)
	if err == nil {
		return nil
	}
	if int(r.ErrorIdx) < len(raw) {
		return fmt.Errorf("control %s: %w", infos[r.ErrorIdx].label(), err)
	}
	return err
}
