package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	picimage "github.com/picam-project/picam/image"
)

// Camera is an open frame source. Next is called from one goroutine (the
// capture loop); the control methods and Close may be called from any
// goroutine.
//
// Its life is stream.Server's shape (New, Start, Close, Wait) with the steps
// paired: Open is New and Start (a source is negotiated and running or an
// error), Close is Close and Wait (it returns once the helper process and the
// goroutines reading it have ended). The end of the stream reaches the owner
// as Next's error, so there is no separate Wait.
type Camera interface {
	// Next waits for the next frame and returns it. Every frame has its
	// own Data (never reused or written again, so it may be shared with
	// every client), tightly packed for raw formats, one JPEG image for
	// MJPEG and one Annex-B access unit for H264. Seq counts frames from 0;
	// a gap means the camera dropped frames. Captured is when the camera
	// captured the frame, in wall-clock time. Keyframe is true for raw and
	// MJPEG frames and for H.264 IDR access units.
	//
	// Next returns ctx's error when ctx ends, ErrClosed after Close, and an
	// error naming the camera when it stops delivering frames.
	Next(ctx context.Context) (picimage.Frame, error)
	// Info describes what was opened and negotiated.
	Info() Info
	// Controls lists the camera's controls with their current values.
	// Sources without adjustable controls return an empty list.
	Controls() ([]Control, error)
	// GetControl reads one control by name (as Controls names it, which is
	// how v4l2-ctl names it: "horizontal_flip", "iso_sensitivity").
	GetControl(name string) (int64, error)
	// SetControl writes one control by name, after checking the value
	// against the control's range or menu. Sources whose settings are
	// fixed at start (rpicam, testsrc) return ErrNotSupported.
	SetControl(name string, value int64) error
	// Close stops capture and releases the device or helper process.
	// A Next waiting at the time returns ErrClosed. Calling Close again
	// returns nil.
	Close() error
}

// Info describes an open camera.
type Info struct {
	// Source is the kind of source: "v4l2", "rpicam" or "testsrc".
	Source string
	// Device is the device node (v4l2), the helper program (rpicam) or "".
	Device string
	// Driver and Card are what the device reported (v4l2), e.g.
	// "bm2835 mmal" / "mmal service 16.1", "uvcvideo" / "HD Webcam".
	Driver, Card string
	// Format, Width and Height describe the frames Next returns.
	Format        picimage.PixelFormat
	Width, Height int
	// FourCC is the V4L2 pixel format the camera delivers ("" otherwise).
	FourCC string
	// Framerate is the negotiated frame rate (0 when unknown or unpaced).
	Framerate float64
	// Warnings are the settings the camera could not honour.
	Warnings []string
}

// String summarises the info for logs.
func (i Info) String() string {
	s := fmt.Sprintf("%s %dx%d %s", i.Source, i.Width, i.Height, i.Format)
	if i.Framerate > 0 {
		s += fmt.Sprintf(" @%s fps", formatFloat(i.Framerate, 2))
	}
	if i.Device != "" {
		s += " from " + i.Device
	}
	if i.Card != "" {
		s += fmt.Sprintf(" (%s, %s)", i.Card, i.Driver)
	}
	return s
}

// Control is one camera control, as ListControls prints it.
type Control struct {
	// Name is the control's name as v4l2-ctl prints it ("horizontal_flip");
	// Label is the driver's own ("Horizontal Flip").
	Name, Label string
	// ID is the V4L2 control ID.
	ID uint32
	// Type is "int", "bool", "menu", "intmenu", "button", "int64",
	// "bitmask" or the like.
	Type string
	// Min, Max, Step and Default describe the valid values (for menus,
	// the index range).
	Min, Max, Step, Default int64
	// Value is the current value (a menu index for menus).
	Value int64
	// NoValue marks controls whose value is not an integer picam reads
	// (buttons, strings, arrays, 64-bit controls); Value is then 0.
	NoValue bool
	// Menu lists a menu's entries.
	Menu []MenuItem
	// ReadOnly controls cannot be set; Inactive ones can, but have no
	// effect until another control enables them (exposure time while auto
	// exposure is on).
	ReadOnly, Inactive bool
}

// MenuItem is one entry of a menu control: its index (the value to set)
// and its name, or for integer menus its value (ISO 400000).
type MenuItem struct {
	Index int64
	Name  string
}

// Sentinel errors. Errors from this package wrap them.
var (
	// ErrClosed is returned by Next and the control methods after Close.
	ErrClosed = errors.New("camera closed")
	// ErrNotSupported is returned by SetControl on sources whose settings
	// are fixed when they start.
	ErrNotSupported = errors.New("not supported by this camera source")
	// ErrNoControl is returned for a control name the camera does not have.
	ErrNoControl = errors.New("no such control")
	// ErrRpicamNotFound is returned when neither rpicam-vid nor
	// libcamera-vid is installed.
	ErrRpicamNotFound = errors.New("rpicam-vid not found: install rpicam-apps, or open a V4L2 source such as v4l2:/dev/video0")
)

// Source kinds, as Info.Source and the source string name them.
const (
	SourceAuto    = "auto"
	SourceV4L2    = "v4l2"
	SourceRpicam  = "rpicam"
	SourceTestsrc = "testsrc"
)

// Open opens a camera. source is "auto" (or ""), "v4l2:/dev/videoN" (a bare
// "/dev/videoN" works too), "rpicam", "testsrc" or "testsrc:FORMAT" (the test
// pattern in YUYV, NV12 or I420, like a camera that has only that format). opts are validated before
// any device is touched; the frame size, rate and format are then negotiated
// and logged, and the PiGear settings applied. ctx bounds the opening only
// (the rpicam helper lives until Close). log receives what was chosen and
// every warning; nil discards them.
func Open(ctx context.Context, source string, opts Options, log *slog.Logger) (Camera, error) {
	return defaultSystem().open(ctx, source, opts, log)
}

// ParseSource checks a source string and returns its kind and, for v4l2,
// the device path (for "testsrc:FORMAT", the pixel format), so a command can reject a bad --source before it starts
// anything.
func ParseSource(source string) (kind, path string, err error) {
	s := strings.TrimSpace(source)
	switch strings.ToLower(s) {
	case "", SourceAuto:
		return SourceAuto, "", nil
	case SourceTestsrc, "test", "testpattern":
		return SourceTestsrc, "", nil
	case SourceRpicam, "libcamera":
		return SourceRpicam, "", nil
	case SourceV4L2:
		return "", "", fmt.Errorf("source %q names no device: write v4l2:/dev/video0", source)
	}
	if f, ok := cutPrefixFold(s, SourceTestsrc+":"); ok {
		pf, err := picimage.ParsePixelFormat(f)
		if err != nil || !testsrcFormat(pf) {
			return "", "", fmt.Errorf("source %q: the test pattern can deliver BGR24, YUYV, NV12 or I420 (testsrc:YUYV poses as a USB webcam)", source)
		}
		return SourceTestsrc, string(pf), nil
	}
	if p, ok := strings.CutPrefix(s, "v4l2:"); ok {
		if p == "" {
			return "", "", fmt.Errorf("source %q names no device: write v4l2:/dev/video0", source)
		}
		return SourceV4L2, p, nil
	}
	if strings.HasPrefix(s, "/dev/") {
		return SourceV4L2, s, nil
	}
	return "", "", fmt.Errorf("unknown camera source %q: use auto, v4l2:/dev/video0, rpicam or testsrc", source)
}

// open dispatches on the source kind with the system's seams.
func (sys system) open(ctx context.Context, source string, opts Options, log *slog.Logger) (Camera, error) {
	log = orDiscard(log)
	kind, path, err := ParseSource(source)
	if err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	switch kind {
	case SourceTestsrc:
		return openTestsrc(opts, picimage.PixelFormat(path), log)
	case SourceV4L2:
		return sys.openV4L2(ctx, path, opts, log)
	case SourceRpicam:
		return sys.openRpicam(ctx, opts, log)
	}
	return sys.openAuto(ctx, opts, log)
}

// orDiscard returns log, or a logger that discards everything for nil.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// firstClose marks a camera closed (*closed, guarded by mu) and reports whether this call did
// it, so Close runs its teardown once.
func firstClose(mu *sync.Mutex, closed *bool) bool {
	mu.Lock()
	defer mu.Unlock()
	if *closed {
		return false
	}
	*closed = true
	return true
}
