package camera

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/picam-project/picam/hw/v4l2"
)

// controlVarName turns a driver's control name into the identifier v4l2-ctl
// prints and accepts ("White Balance, Auto & Preset" becomes
// "white_balance_auto_preset"), so that names in picam's messages and in
// ListControls are the ones users find in v4l2-ctl output and forum posts.
func controlVarName(label string) string {
	var b strings.Builder
	pending := false
	for _, r := range label {
		isAlnum := r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		if !isAlnum {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte('_')
			pending = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// knownNames are v4l2-ctl's names of the controls picam maps, for messages
// about controls a camera does not have (so there is no driver name to
// convert).
var knownNames = map[v4l2.CtrlID]string{
	v4l2.CtrlBrightness:               "brightness",
	v4l2.CtrlContrast:                 "contrast",
	v4l2.CtrlSaturation:               "saturation",
	v4l2.CtrlSharpness:                "sharpness",
	v4l2.CtrlHFlip:                    "horizontal_flip",
	v4l2.CtrlVFlip:                    "vertical_flip",
	v4l2.CtrlRotate:                   "rotate",
	v4l2.CtrlRedBalance:               "red_balance",
	v4l2.CtrlBlueBalance:              "blue_balance",
	v4l2.CtrlAutoWhiteBalance:         "white_balance_automatic",
	v4l2.CtrlWhiteBalanceTemperature:  "white_balance_temperature",
	v4l2.CtrlExposureAuto:             "auto_exposure",
	v4l2.CtrlExposureAbsolute:         "exposure_time_absolute",
	v4l2.CtrlExposureAutoPriority:     "exposure_dynamic_framerate",
	v4l2.CtrlAutoExposureBias:         "auto_exposure_bias",
	v4l2.CtrlWhiteBalanceAutoPreset:   "white_balance_auto_preset",
	v4l2.CtrlISOSensitivity:           "iso_sensitivity",
	v4l2.CtrlISOSensitivityAuto:       "iso_sensitivity_auto",
	v4l2.CtrlExposureMetering:         "exposure_metering_mode",
	v4l2.CtrlSceneMode:                "scene_mode",
	v4l2.CtrlMPEGVideoBitrate:         "video_bitrate",
	v4l2.CtrlMPEGVideoH264IPeriod:     "h264_i_frame_period",
	v4l2.CtrlMPEGVideoRepeatSeqHeader: "repeat_sequence_header",
}

// ctrlName names a control ID for messages.
func ctrlName(id v4l2.CtrlID) string {
	if n, ok := knownNames[id]; ok {
		return n
	}
	return fmt.Sprintf("0x%08x", uint32(id))
}

// ctrlTypeName is the short type name v4l2-ctl prints.
func ctrlTypeName(t v4l2.CtrlType) string {
	return t.String()
}
