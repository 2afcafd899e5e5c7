package v4l2

// CtrlID identifies a V4L2 control (V4L2_CID_*). The upper bits hold the
// control class (see CtrlClassOf).
type CtrlID uint32

// CtrlClass is the class part of a control ID (V4L2_CTRL_CLASS_*). Extended
// control calls take a class so the driver can check that all controls in
// one call belong together; class 0 means "current values, any class".
type CtrlClass uint32

// Control classes.
const (
	CtrlClassUser        CtrlClass = 0x00980000 // brightness, flips, white balance, …
	CtrlClassCodec       CtrlClass = 0x00990000 // stateful encoder controls (formerly "MPEG")
	CtrlClassCamera      CtrlClass = 0x009a0000 // exposure, ISO, metering, scene mode, …
	CtrlClassJPEG        CtrlClass = 0x009d0000 // JPEG compression quality
	CtrlClassImageSource CtrlClass = 0x009e0000 // raw sensor controls (analogue gain, blanking)
	CtrlClassImageProc   CtrlClass = 0x009f0000 // digital gain, test patterns
)

// CtrlClassOf returns the class a control ID belongs to.
func CtrlClassOf(id CtrlID) CtrlClass { return CtrlClass(uint32(id) & 0x0fff0000) }

const (
	cidBase            = CtrlID(CtrlClassUser) | 0x900
	cidCodecBase       = CtrlID(CtrlClassCodec) | 0x900
	cidCameraBase      = CtrlID(CtrlClassCamera) | 0x900
	cidJPEGBase        = CtrlID(CtrlClassJPEG) | 0x900
	cidImageSourceBase = CtrlID(CtrlClassImageSource) | 0x900
	cidImageProcBase   = CtrlID(CtrlClassImageProc) | 0x900
)

// User-class controls: the picture adjustments PiGear exposes. Ranges are
// driver specific (bcm2835-v4l2: brightness 0..100, the others -100..100);
// query them with QueryControl rather than assuming.
const (
	CtrlBrightness              CtrlID = cidBase + 0
	CtrlContrast                CtrlID = cidBase + 1
	CtrlSaturation              CtrlID = cidBase + 2
	CtrlAutoWhiteBalance        CtrlID = cidBase + 12 // bool, UVC cameras
	CtrlRedBalance              CtrlID = cidBase + 14 // manual AWB gain ×1000 on bcm2835-v4l2
	CtrlBlueBalance             CtrlID = cidBase + 15
	CtrlExposure                CtrlID = cidBase + 17 // raw sensors: exposure in lines
	CtrlGain                    CtrlID = cidBase + 19
	CtrlHFlip                   CtrlID = cidBase + 20
	CtrlVFlip                   CtrlID = cidBase + 21
	CtrlPowerLineFrequency      CtrlID = cidBase + 24 // menu: PowerLineFrequency*
	CtrlWhiteBalanceTemperature CtrlID = cidBase + 26
	CtrlSharpness               CtrlID = cidBase + 27
	CtrlColorFX                 CtrlID = cidBase + 31
	CtrlRotate                  CtrlID = cidBase + 34 // degrees, multiples of 90
)

// Menu values of CtrlPowerLineFrequency (anti-flicker).
const (
	PowerLineFrequencyDisabled = 0
	PowerLineFrequency50Hz     = 1
	PowerLineFrequency60Hz     = 2
	PowerLineFrequencyAuto     = 3
)

// Camera-class controls.
const (
	// CtrlExposureAuto is the exposure mode menu (ExposureAuto, ExposureManual, …).
	CtrlExposureAuto CtrlID = cidCameraBase + 1
	// CtrlExposureAbsolute is the exposure time in units of 100 µs, used
	// when CtrlExposureAuto is ExposureManual.
	CtrlExposureAbsolute CtrlID = cidCameraBase + 2
	// CtrlExposureAutoPriority lets auto exposure lower the frame rate
	// (bcm2835-v4l2 calls it exposure_dynamic_framerate).
	CtrlExposureAutoPriority CtrlID = cidCameraBase + 3
	// CtrlAutoExposureBias is an integer menu of EV compensation steps in
	// milli-EV (bcm2835-v4l2: 25 entries, -4000..+4000, default index 12 = 0 EV).
	CtrlAutoExposureBias CtrlID = cidCameraBase + 19
	// CtrlWhiteBalanceAutoPreset is the AWB mode menu (WhiteBalance* values);
	// the kernel calls it V4L2_CID_AUTO_N_PRESET_WHITE_BALANCE.
	CtrlWhiteBalanceAutoPreset CtrlID = cidCameraBase + 20
	CtrlWideDynamicRange       CtrlID = cidCameraBase + 21
	CtrlImageStabilization     CtrlID = cidCameraBase + 22
	// CtrlISOSensitivity is an integer menu of ISO values (×1000 on
	// bcm2835-v4l2); it takes effect only when CtrlISOSensitivityAuto is
	// ISOSensitivityManual.
	CtrlISOSensitivity     CtrlID = cidCameraBase + 23
	CtrlISOSensitivityAuto CtrlID = cidCameraBase + 24
	// CtrlExposureMetering is the metering mode menu (ExposureMetering* values).
	CtrlExposureMetering CtrlID = cidCameraBase + 25
	// CtrlSceneMode is the scene mode menu (SceneMode* values); anything but
	// SceneModeNone overrides exposure mode and metering on bcm2835-v4l2.
	CtrlSceneMode CtrlID = cidCameraBase + 26
)

// Menu values of CtrlExposureAuto.
const (
	ExposureAuto             = 0
	ExposureManual           = 1
	ExposureShutterPriority  = 2
	ExposureAperturePriority = 3
)

// Menu values of CtrlWhiteBalanceAutoPreset. Raspberry Pi kernels may add
// entries beyond Shade (for example "Greyworld"); enumerate the menu with
// QueryControls to see what a driver offers.
const (
	WhiteBalanceManual       = 0
	WhiteBalanceAuto         = 1
	WhiteBalanceIncandescent = 2
	WhiteBalanceFluorescent  = 3
	WhiteBalanceFluorescentH = 4
	WhiteBalanceHorizon      = 5
	WhiteBalanceDaylight     = 6
	WhiteBalanceFlash        = 7
	WhiteBalanceCloudy       = 8
	WhiteBalanceShade        = 9
)

// Menu values of CtrlISOSensitivityAuto.
const (
	ISOSensitivityManual = 0
	ISOSensitivityAuto   = 1
)

// Menu values of CtrlExposureMetering.
const (
	ExposureMeteringAverage        = 0
	ExposureMeteringCenterWeighted = 1
	ExposureMeteringSpot           = 2
	ExposureMeteringMatrix         = 3
)

// Menu values of CtrlSceneMode.
const (
	SceneModeNone        = 0
	SceneModeBacklight   = 1
	SceneModeBeachSnow   = 2
	SceneModeCandleLight = 3
	SceneModeDawnDusk    = 4
	SceneModeFallColors  = 5
	SceneModeFireworks   = 6
	SceneModeLandscape   = 7
	SceneModeNight       = 8
	SceneModePartyIndoor = 9
	SceneModePortrait    = 10
	SceneModeSports      = 11
	SceneModeSunset      = 12
	SceneModeText        = 13
)

// Codec-class (stateful encoder) controls, as offered by bcm2835-codec
// (/dev/video11) and, partly, by the legacy camera's built-in encoder.
const (
	CtrlMPEGVideoBFrames     CtrlID = cidCodecBase + 202
	CtrlMPEGVideoGOPSize     CtrlID = cidCodecBase + 203
	CtrlMPEGVideoBitrateMode CtrlID = cidCodecBase + 206 // menu: BitrateMode*
	CtrlMPEGVideoBitrate     CtrlID = cidCodecBase + 207 // bits per second
	CtrlMPEGVideoBitratePeak CtrlID = cidCodecBase + 208
	CtrlMPEGVideoHeaderMode  CtrlID = cidCodecBase + 216
	// CtrlMPEGVideoRepeatSeqHeader makes the encoder repeat SPS/PPS before
	// every IDR frame, so clients joining mid-stream can start decoding.
	CtrlMPEGVideoRepeatSeqHeader CtrlID = cidCodecBase + 226
	// CtrlMPEGVideoForceKeyFrame is a button: writing any value asks for an
	// IDR frame next (not offered by the legacy camera driver).
	CtrlMPEGVideoForceKeyFrame CtrlID = cidCodecBase + 229
	CtrlMPEGVideoH264MinQP     CtrlID = cidCodecBase + 353
	CtrlMPEGVideoH264MaxQP     CtrlID = cidCodecBase + 354
	// CtrlMPEGVideoH264IPeriod is the distance between I (on bcm2835 IDR) frames.
	CtrlMPEGVideoH264IPeriod CtrlID = cidCodecBase + 358
	CtrlMPEGVideoH264Level   CtrlID = cidCodecBase + 359 // menu: H264Level*
	CtrlMPEGVideoH264Profile CtrlID = cidCodecBase + 363 // menu: H264Profile*
	// CtrlMPEGVideoPrependSPSPPSToIDR is the newer spelling of
	// RepeatSeqHeader used by some stateful encoders (not bcm2835-codec).
	CtrlMPEGVideoPrependSPSPPSToIDR CtrlID = cidCodecBase + 644
)

// Menu values of CtrlMPEGVideoBitrateMode.
const (
	BitrateModeVBR = 0
	BitrateModeCBR = 1
	BitrateModeCQ  = 2
)

// Menu values of CtrlMPEGVideoH264Profile (the ones Pi encoders offer).
const (
	H264ProfileBaseline            = 0
	H264ProfileConstrainedBaseline = 1
	H264ProfileMain                = 2
	H264ProfileExtended            = 3
	H264ProfileHigh                = 4
)

// Menu values of CtrlMPEGVideoH264Level. 1080p30 needs level 4.0 or more;
// above 1080p30 (or 720p > 60) use 4.2.
const (
	H264Level1_0 = 0
	H264Level1B  = 1
	H264Level1_1 = 2
	H264Level1_2 = 3
	H264Level1_3 = 4
	H264Level2_0 = 5
	H264Level2_1 = 6
	H264Level2_2 = 7
	H264Level3_0 = 8
	H264Level3_1 = 9
	H264Level3_2 = 10
	H264Level4_0 = 11
	H264Level4_1 = 12
	H264Level4_2 = 13
	H264Level5_0 = 14
	H264Level5_1 = 15
)

// JPEG-class and raw-sensor controls.
const (
	// CtrlJPEGCompressionQuality is the JPEG quality 1..100
	// (bcm2835-codec /dev/video31 and the legacy camera's JPEG stills).
	CtrlJPEGCompressionQuality CtrlID = cidJPEGBase + 3
	// CtrlAnalogueGain is the raw sensor gain on libcamera-era sensor subdevices.
	CtrlAnalogueGain CtrlID = cidImageSourceBase + 3
	// CtrlDigitalGain is the digital gain of an image processing block.
	CtrlDigitalGain CtrlID = cidImageProcBase + 5
)
