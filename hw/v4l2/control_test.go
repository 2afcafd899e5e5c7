package v4l2

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	brightness := ControlInfo{ID: CtrlBrightness, Type: CtrlTypeInteger, Name: "Brightness", Min: 0, Max: 100, Step: 1, Default: 50}
	bitrate := ControlInfo{ID: CtrlMPEGVideoBitrate, Type: CtrlTypeInteger, Name: "Video Bitrate", Min: 25000, Max: 25000000, Step: 25000}
	hflip := ControlInfo{ID: CtrlHFlip, Type: CtrlTypeBoolean, Name: "Horizontal Flip", Min: 0, Max: 1, Step: 1}
	awb := ControlInfo{ID: CtrlWhiteBalanceAutoPreset, Type: CtrlTypeMenu, Name: "White Balance, Auto & Preset", Min: 0, Max: 9,
		Menu: []MenuItem{{Index: 0, Name: "Manual"}, {Index: 1, Name: "Auto"}, {Index: 5, Name: "Horizon"}, {Index: 9, Name: "Shade"}}}
	iso := ControlInfo{ID: CtrlISOSensitivity, Type: CtrlTypeIntegerMenu, Name: "ISO Sensitivity", Min: 0, Max: 4,
		Menu: []MenuItem{{Index: 0, Value: 0}, {Index: 1, Value: 100000}, {Index: 4, Value: 800000}}}
	readOnly := ControlInfo{ID: 0x00980920, Type: CtrlTypeInteger, Name: "Min Buffers", Max: 32, Step: 1, Flags: CtrlFlagReadOnly}
	disabled := ControlInfo{ID: CtrlGain, Type: CtrlTypeInteger, Name: "Gain", Max: 10, Step: 1, Flags: CtrlFlagDisabled}
	inactive := ControlInfo{ID: CtrlExposureAbsolute, Type: CtrlTypeInteger, Name: "Exposure Time, Absolute", Min: 1, Max: 10000, Step: 1, Flags: CtrlFlagInactive}
	button := ControlInfo{ID: CtrlMPEGVideoForceKeyFrame, Type: CtrlTypeButton, Name: "Force Key Frame"}
	mask := ControlInfo{ID: 0x009a0920, Type: CtrlTypeBitmask, Name: "Mask", Max: 0x0f}
	big := ControlInfo{ID: 0x00980999, Type: CtrlTypeInteger64, Name: "Pixel Rate", Min: 0, Max: 1 << 40, Step: 1}
	str := ControlInfo{ID: 0x00980998, Type: CtrlTypeString, Name: "Label", Max: 32}

	for _, tc := range []struct {
		c       ControlInfo
		v       int64
		wantErr string // "" means valid
	}{
		{brightness, 0, ""}, {brightness, 100, ""}, {brightness, 50, ""},
		{brightness, -1, "out of range 0..100"}, {brightness, 101, "out of range 0..100"},
		{bitrate, 5000000, ""}, {bitrate, 5000001, "multiple of step 25000"}, {bitrate, 0, "out of range"},
		{hflip, 1, ""}, {hflip, 2, "boolean takes 0 or 1"},
		{awb, 5, ""}, {awb, 9, ""}, {awb, 2, "not offered by this driver"}, {awb, 10, "out of range 0..9"},
		{iso, 4, ""}, {iso, 3, "not offered"},
		{readOnly, 3, "read-only"}, {disabled, 1, "disabled"},
		{inactive, 100, ""}, // writable; takes effect once auto exposure is off
		{button, 12345, ""},
		{mask, 0x05, ""}, {mask, 0x10, "bits outside"}, {mask, -1, "bits outside"},
		{big, 1 << 39, ""}, {brightness, 1 << 33, "does not fit in 32 bits"},
		{str, 1, "cannot be set as an integer"},
	} {
		err := tc.c.Validate(tc.v)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s = %d: unexpected error %v", tc.c.Name, tc.v, err)
		case tc.wantErr != "" && err == nil:
			t.Errorf("%s = %d: accepted, want error containing %q", tc.c.Name, tc.v, tc.wantErr)
		case tc.wantErr != "":
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s = %d: error %q does not contain %q", tc.c.Name, tc.v, err, tc.wantErr)
			}
			if !errors.Is(err, ErrInvalidValue) {
				t.Errorf("%s = %d: error does not wrap ErrInvalidValue", tc.c.Name, tc.v)
			}
			if !strings.Contains(err.Error(), tc.c.Name) {
				t.Errorf("%s = %d: error %q does not name the control", tc.c.Name, tc.v, err)
			}
		}
	}
}

func TestValidateMenuErrorListsChoices(t *testing.T) {
	awb := ControlInfo{ID: CtrlWhiteBalanceAutoPreset, Type: CtrlTypeMenu, Name: "White Balance", Min: 0, Max: 9,
		Menu: []MenuItem{{Index: 1, Name: "Auto"}, {Index: 5, Name: "Horizon"}}}
	err := awb.Validate(3)
	if err == nil || !strings.Contains(err.Error(), "1=Auto, 5=Horizon") {
		t.Errorf("error %v does not list the valid entries", err)
	}
	iso := ControlInfo{ID: CtrlISOSensitivity, Type: CtrlTypeIntegerMenu, Name: "ISO", Min: 0, Max: 4,
		Menu: []MenuItem{{Index: 0, Value: 0}, {Index: 1, Value: 100000}}}
	err = iso.Validate(7)
	if err == nil || !strings.Contains(err.Error(), "0=0, 1=100000") {
		t.Errorf("error %v does not list the integer menu values", err)
	}
}

func TestMenuItemLookup(t *testing.T) {
	c := ControlInfo{Type: CtrlTypeMenu, Menu: []MenuItem{{Index: 2, Name: "Incandescent"}, {Index: 5, Name: "Horizon"}}}
	if m, ok := c.MenuItem(5); !ok || m.Name != "Horizon" {
		t.Errorf("MenuItem(5) = %+v, %v", m, ok)
	}
	if _, ok := c.MenuItem(3); ok {
		t.Error("MenuItem(3) found an entry in a gap")
	}
	if !c.IsMenu() || (ControlInfo{Type: CtrlTypeInteger}).IsMenu() {
		t.Error("IsMenu wrong")
	}
}

func TestCtrlClassOf(t *testing.T) {
	for id, want := range map[CtrlID]CtrlClass{
		CtrlHFlip: CtrlClassUser, CtrlISOSensitivity: CtrlClassCamera, CtrlMPEGVideoBitrate: CtrlClassCodec,
		CtrlJPEGCompressionQuality: CtrlClassJPEG, CtrlID(0x80000000) | CtrlBrightness: CtrlClassUser,
	} {
		if got := CtrlClassOf(id); got != want {
			t.Errorf("CtrlClassOf(%#x) = %#x, want %#x", uint32(id), uint32(got), uint32(want))
		}
	}
}

func TestCtrlTypeString(t *testing.T) {
	if CtrlTypeIntegerMenu.String() != "intmenu" || CtrlType(0x9999).String() != "type(0x9999)" {
		t.Errorf("CtrlType.String: %q, %q", CtrlTypeIntegerMenu, CtrlType(0x9999))
	}
}
