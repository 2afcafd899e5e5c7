package v4l2

import (
	"errors"
	"fmt"
)

// CtrlType is the type of a control (enum v4l2_ctrl_type).
type CtrlType uint32

// Control types. Compound types (≥ 0x100) carry a payload and cannot be
// read or written through the integer API of this package.
const (
	CtrlTypeInteger     CtrlType = 1
	CtrlTypeBoolean     CtrlType = 2
	CtrlTypeMenu        CtrlType = 3
	CtrlTypeButton      CtrlType = 4
	CtrlTypeInteger64   CtrlType = 5
	CtrlTypeCtrlClass   CtrlType = 6
	CtrlTypeString      CtrlType = 7
	CtrlTypeBitmask     CtrlType = 8
	CtrlTypeIntegerMenu CtrlType = 9
	CtrlTypeU8          CtrlType = 0x0100
	CtrlTypeU16         CtrlType = 0x0101
	CtrlTypeU32         CtrlType = 0x0102
	CtrlTypeArea        CtrlType = 0x0106
)

// String returns a short lower-case name for the type, as v4l2-ctl prints it.
func (t CtrlType) String() string { return enumName(ctrlTypeNames, t, "type(0x%x)") }

var ctrlTypeNames = map[CtrlType]string{
	CtrlTypeInteger: "int", CtrlTypeBoolean: "bool", CtrlTypeMenu: "menu", CtrlTypeButton: "button",
	CtrlTypeInteger64: "int64", CtrlTypeCtrlClass: "class", CtrlTypeString: "str", CtrlTypeBitmask: "bitmask",
	CtrlTypeIntegerMenu: "intmenu", CtrlTypeU8: "u8", CtrlTypeU16: "u16", CtrlTypeU32: "u32", CtrlTypeArea: "area",
}

// CtrlFlag is a set of V4L2_CTRL_FLAG_* bits describing a control's state.
type CtrlFlag uint32

// Control flags. Inactive controls can be written but have no effect until
// another control enables them (e.g. exposure time while auto exposure is
// on); Disabled controls do not exist on this device.
const (
	CtrlFlagDisabled       CtrlFlag = 0x0001
	CtrlFlagGrabbed        CtrlFlag = 0x0002
	CtrlFlagReadOnly       CtrlFlag = 0x0004
	CtrlFlagUpdate         CtrlFlag = 0x0008
	CtrlFlagInactive       CtrlFlag = 0x0010
	CtrlFlagSlider         CtrlFlag = 0x0020
	CtrlFlagWriteOnly      CtrlFlag = 0x0040
	CtrlFlagVolatile       CtrlFlag = 0x0080
	CtrlFlagHasPayload     CtrlFlag = 0x0100
	CtrlFlagExecuteOnWrite CtrlFlag = 0x0200
	CtrlFlagModifyLayout   CtrlFlag = 0x0400
	CtrlFlagDynamicArray   CtrlFlag = 0x0800
	ctrlFlagNextCtrl       uint32   = 0x80000000
	ctrlFlagNextCompound   uint32   = 0x40000000
	ctrlWhichCurVal        uint32   = 0
	ctrlWhichDefVal        uint32   = 0x0f000000
	ctrlIDMask             uint32   = 0x0fffffff
	ctrlMaxMenuEntries     int64    = 1024
)

// MenuItem is one entry of a menu or integer-menu control. Index is the
// value written to the control; Name is set for menus, Value for integer
// menus (for example ISO 100000 or an EV bias of -333 milli-EV).
type MenuItem struct {
	Index uint32
	Name  string
	Value int64
}

// ControlInfo describes a control as reported by VIDIOC_QUERY_EXT_CTRL (or
// VIDIOC_QUERYCTRL on drivers without it), with its menu entries filled in.
type ControlInfo struct {
	ID      CtrlID
	Type    CtrlType
	Name    string
	Min     int64
	Max     int64
	Step    uint64
	Default int64
	Flags   CtrlFlag
	// ElemSize, Elems and Dims describe array and compound controls.
	ElemSize uint32
	Elems    uint32
	Dims     []uint32
	// Menu lists the valid entries of a menu or integer-menu control.
	// Drivers may leave gaps (skipped indexes), so look entries up by Index.
	Menu []MenuItem
}

// IsMenu reports whether the control is a menu or an integer menu.
func (c ControlInfo) IsMenu() bool {
	return c.Type == CtrlTypeMenu || c.Type == CtrlTypeIntegerMenu
}

// MenuItem returns the menu entry with the given index.
func (c ControlInfo) MenuItem(index int64) (MenuItem, bool) {
	for _, m := range c.Menu {
		if int64(m.Index) == index {
			return m, true
		}
	}
	return MenuItem{}, false
}

// ErrInvalidValue is wrapped by errors from ControlInfo.Validate and from the
// Set* calls that validate first, so callers can tell bad configuration from
// device failures.
var ErrInvalidValue = errors.New("invalid control value")

// Validate checks value against the control's type, range, step and menu
// before it is sent to the driver, so that the user gets an error naming the
// control and its valid values instead of a bare EINVAL (or, worse, a value
// silently clamped by the driver).
func (c ControlInfo) Validate(value int64) error {
	if c.Flags&CtrlFlagDisabled != 0 {
		return fmt.Errorf("control %s is disabled on this device: %w", c.label(), ErrInvalidValue)
	}
	if c.Flags&CtrlFlagReadOnly != 0 {
		return fmt.Errorf("control %s is read-only: %w", c.label(), ErrInvalidValue)
	}
	switch c.Type {
	case CtrlTypeButton:
		return nil // the value of a button is ignored
	case CtrlTypeBoolean:
		if value != 0 && value != 1 {
			return fmt.Errorf("control %s: value %d: a boolean takes 0 or 1: %w", c.label(), value, ErrInvalidValue)
		}
		return nil
	case CtrlTypeInteger, CtrlTypeInteger64, CtrlTypeU8, CtrlTypeU16, CtrlTypeU32:
		if c.Type != CtrlTypeInteger64 && (value < -1<<31 || value > 1<<32-1) {
			return fmt.Errorf("control %s: value %d does not fit in 32 bits: %w", c.label(), value, ErrInvalidValue)
		}
		if value < c.Min || value > c.Max {
			return fmt.Errorf("control %s: value %d out of range %d..%d: %w", c.label(), value, c.Min, c.Max, ErrInvalidValue)
		}
		if c.Step > 1 && uint64(value-c.Min)%c.Step != 0 {
			return fmt.Errorf("control %s: value %d is not min %d plus a multiple of step %d: %w",
				c.label(), value, c.Min, c.Step, ErrInvalidValue)
		}
		return nil
	case CtrlTypeMenu, CtrlTypeIntegerMenu:
		if value < c.Min || value > c.Max {
			return fmt.Errorf("control %s: menu index %d out of range %d..%d (valid: %s): %w",
				c.label(), value, c.Min, c.Max, c.menuSummary(), ErrInvalidValue)
		}
		if len(c.Menu) > 0 {
			if _, ok := c.MenuItem(value); !ok {
				return fmt.Errorf("control %s: menu index %d is not offered by this driver (valid: %s): %w",
					c.label(), value, c.menuSummary(), ErrInvalidValue)
			}
		}
		return nil
	case CtrlTypeBitmask:
		if value < 0 || uint64(value)&^uint64(c.Max) != 0 {
			return fmt.Errorf("control %s: bitmask 0x%x has bits outside 0x%x: %w", c.label(), value, c.Max, ErrInvalidValue)
		}
		return nil
	}
	return fmt.Errorf("control %s: type %s cannot be set as an integer: %w", c.label(), c.Type, ErrInvalidValue)
}

// label names the control in messages: its name when known, and its ID.
func (c ControlInfo) label() string {
	if c.Name == "" {
		return fmt.Sprintf("0x%08x", uint32(c.ID))
	}
	return fmt.Sprintf("%q (0x%08x)", c.Name, uint32(c.ID))
}

// menuSummary lists the menu entries as "0=Auto, 1=Manual" for messages.
func (c ControlInfo) menuSummary() string {
	if len(c.Menu) == 0 {
		return "menu not enumerated"
	}
	s := ""
	for i, m := range c.Menu {
		if i > 0 {
			s += ", "
		}
		if c.Type == CtrlTypeIntegerMenu {
			s += fmt.Sprintf("%d=%d", m.Index, m.Value)
		} else {
			s += fmt.Sprintf("%d=%s", m.Index, m.Name)
		}
	}
	return s
}

// ExtControl is one control value for GetExtControls/SetExtControls.
// Value holds the value for every integer-like type; 64-bit controls use
// all of it, the others its low 32 bits (sign-extended when read back).
type ExtControl struct {
	ID    CtrlID
	Value int64
}
