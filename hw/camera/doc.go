// Package camera is picam's frame source: it opens a camera (or the test
// pattern), negotiates a format, applies PiGear-style settings and hands out
// picimage.Frame values, one fresh buffer per frame.
//
// # Sources
//
// Open takes a source string:
//
//	auto              the first camera found, else the test pattern (the default)
//	v4l2:/dev/video0  a V4L2 capture node: the legacy Raspberry Pi camera driver
//	                  (bcm2835-v4l2, which can itself deliver MJPEG and H.264),
//	                  a USB UVC webcam, or the kernel's vivid test driver
//	rpicam            rpicam-vid (or libcamera-vid) run as a helper process, for
//	                  Camera Module 3 and the Pi 5, which only libcamera drives
//	testsrc           the moving test pattern with a burnt-in frame counter
//
// The legacy driver is the one plain V4L2 device that offers flips, ISO,
// exposure, white balance presets and hardware MJPEG/H.264 at once.
// The libcamera stack gives V4L2 programs raw Bayer
// frames only, and its auto exposure lives in libcamera, which a pure-Go
// program cannot load; running rpicam-vid and reading its stdout is the
// simple way in, at the cost that settings are fixed when it starts.
// Without any camera the test pattern keeps every command usable on a laptop.
//
// # Options
//
// Options carries PiGear's option names and values (VidGear's PiGear, after
// the picamera library): hflip, exposure_mode, iso, awb_mode and so on, so a
// PiGear user's options dictionary works as it is. Every value is validated
// before any device is touched, with an error that lists the valid values.
// OptionTable documents how each option maps to bcm2835-v4l2 controls and to
// rpicam-vid flags. A setting the camera cannot honour (a USB webcam has no
// ISO menu) is a warning, or an error with Options.Strict.
//
// # Testing
//
// The V4L2 source talks to hw/v4l2 through a small interface, so negotiation,
// control mapping, capture and repacking are tested against a fake device.
// The rpicam source is tested against a fake rpicam-vid script in testdata.
// The real-ioctl test (hil_test.go, build tag hil) runs against vivid in the
// QEMU hardware-in-the-loop guest or on a Pi.
package camera
