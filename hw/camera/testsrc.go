package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	picimage "github.com/picam-project/picam/image"
)

// testsrcCamera is the test pattern (picimage.TestSource) behind the Camera
// interface, so a machine without a camera streams something recognisable.
type testsrcCamera struct {
	src  *picimage.TestSource
	info Info
}

// openTestsrc starts the test pattern. Its size must be even and at least
// 16x16; the options a real camera would take are accepted and ignored,
// with a note in the log.
// format is the format to deliver ("" for BGR24, whatever opts.Format asks:
// the pattern poses as a camera that has only that one format).
func openTestsrc(opts Options, format picimage.PixelFormat, log *slog.Logger) (Camera, error) {
	w, h := opts.size()
	if format == "" {
		format = picimage.BGR24
	}
	src, err := picimage.NewTestSourceFormat(w, h, opts.Framerate, format)
	if err != nil {
		return nil, fmt.Errorf("test pattern: %w", err)
	}
	if s := opts.String(); s != "" {
		log.Info("the test pattern ignores camera settings", "options", s)
	}
	info := Info{Source: SourceTestsrc, Format: format, Width: w, Height: h, Framerate: opts.Framerate}
	log.Info("camera streaming", "camera", info.String())
	return &testsrcCamera{src: src, info: info}, nil
}

// Next implements Camera.
func (c *testsrcCamera) Next(ctx context.Context) (picimage.Frame, error) {
	f, err := c.src.Next(ctx)
	if errors.Is(err, picimage.ErrClosed) {
		return f, fmt.Errorf("test pattern: %w", ErrClosed)
	}
	return f, err
}

// Info implements Camera.
func (c *testsrcCamera) Info() Info { return c.info }

// Controls implements Camera: the test pattern has none.
func (c *testsrcCamera) Controls() ([]Control, error) { return nil, nil }

// GetControl implements Camera: the test pattern has no controls.
func (c *testsrcCamera) GetControl(name string) (int64, error) {
	return 0, fmt.Errorf("the test pattern has no control %q: %w", name, ErrNoControl)
}

// SetControl implements Camera: the test pattern has no controls.
func (c *testsrcCamera) SetControl(name string, _ int64) error {
	return fmt.Errorf("the test pattern has no control %q: %w", name, ErrNotSupported)
}

// Close implements Camera.
func (c *testsrcCamera) Close() error { return c.src.Close() }

// testsrcFormat reports whether the test pattern can deliver frames in f.
func testsrcFormat(f picimage.PixelFormat) bool {
	switch f {
	case picimage.BGR24, picimage.YUYV, picimage.NV12, picimage.I420:
		return true
	}
	return false
}
