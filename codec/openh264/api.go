package openh264

import "errors"

// ErrUnavailable is returned by NewEncoder and NewDecoder in builds without
// the openh264 tag (or without cgo).
var ErrUnavailable = errors.New("openh264: not compiled in; install libopenh264-dev and build with CGO_ENABLED=1 -tags openh264")

// Config configures an Encoder.
type Config struct {
	// Width and Height of the I420 pictures; both even.
	Width, Height int
	// FPS is the frame rate the rate control plans for (default 30).
	FPS float64
	// Bitrate in bits per second; 0 picks 0.1 bit per pixel per frame
	// (about 0.9 Mbit/s for 640x480 at 30 fps, 2.8 Mbit/s for 720p30).
	Bitrate int
	// IntraPeriod is the number of frames from one IDR to the next;
	// 0 means one second's worth.
	IntraPeriod int
	// Threads is the number of encoding threads; 0 or 1 means one.
	Threads int
}

// Picture is a decoded I420 picture. The planes are copies owned by the
// caller.
type Picture struct {
	Width, Height    int
	YStride, CStride int
	Y, U, V          []byte
}

// I420 returns the picture tightly packed (no row padding).
func (p Picture) I420() []byte {
	out := make([]byte, 0, p.Width*p.Height*3/2)
	for y := 0; y < p.Height; y++ {
		out = append(out, p.Y[y*p.YStride:y*p.YStride+p.Width]...)
	}
	for _, pl := range [][]byte{p.U, p.V} {
		for y := 0; y < p.Height/2; y++ {
			out = append(out, pl[y*p.CStride:y*p.CStride+p.Width/2]...)
		}
	}
	return out
}

// withDefaults fills in the documented defaults and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Width <= 0 || c.Height <= 0 || c.Width%2 != 0 || c.Height%2 != 0 {
		return c, errors.New("openh264: width and height must be positive and even")
	}
	if c.FPS <= 0 {
		c.FPS = 30
	}
	if c.Bitrate <= 0 {
		c.Bitrate = int(0.1 * float64(c.Width*c.Height) * c.FPS)
	}
	if c.IntraPeriod <= 0 {
		c.IntraPeriod = max(1, int(c.FPS+0.5))
	}
	if c.Threads <= 0 {
		c.Threads = 1
	}
	return c, nil
}
