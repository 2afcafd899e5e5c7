package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// captureBuffers is how many driver buffers a V4L2 camera streams with:
// enough that the driver never waits on the reader, few enough that a slow
// reader gets recent frames (see v4l2.Device.StartCapture).
const captureBuffers = 4

// minStallTimeout is the shortest time Next waits for a frame before
// reporting the camera stalled. The legacy Pi camera takes about 300 ms to
// deliver its first frame (it lets auto exposure settle), and a UVC camera in
// low light may drop to a few frames per second.
const minStallTimeout = 5 * time.Second

// maxPendingH264 bounds the H.264 side data (parameter sets, SEI) held for
// the next picture; a few hundred bytes is normal.
const maxPendingH264 = 64 << 10

// v4l2Camera is a V4L2 capture node.
type v4l2Camera struct {
	dev    device
	cap    capture
	log    *slog.Logger
	info   Info
	layout layout
	sys    system
	stall  time.Duration

	// Next's state, owned by the capture goroutine: the driver's last
	// sequence number, the next Seq to hand out, frames lost since the
	// last one handed out, frames skipped in all, and H.264 parameter sets
	// waiting for their picture.
	started     bool
	lastSeq     uint32
	nextSeq     uint64
	gap         uint64
	dropped     uint64
	pendingH264 []byte

	// mu guards closed against concurrent control calls and Close.
	mu     sync.Mutex
	closed bool
}

// openV4L2 opens a V4L2 camera: negotiate, apply the options, start
// streaming.
func (sys system) openV4L2(ctx context.Context, path string, opts Options, log *slog.Logger) (Camera, error) {
	log = orDiscard(log)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dev, err := sys.openDevice(path)
	if err != nil {
		return nil, fmt.Errorf("opening camera %s: %w", path, err)
	}
	c, err := startV4L2(sys, dev, opts, log)
	if err != nil {
		return nil, errors.Join(err, dev.Close())
	}
	return c, nil
}

// startV4L2 sets up an opened device. On error the caller closes it.
func startV4L2(sys system, dev device, opts Options, log *slog.Logger) (*v4l2Camera, error) {
	caps := dev.Capability()
	if caps.IsM2M() || !caps.IsVideoCapture() {
		return nil, fmt.Errorf("%s (%s, %s) is not a camera: it has no video capture queue", dev.Path(), caps.Card, caps.Driver)
	}
	n, err := negotiate(dev, opts, log)
	if err != nil {
		return nil, err
	}
	c := &v4l2Camera{
		dev: dev, log: log, sys: sys,
		layout: layout{format: n.format, width: int(n.pix.Width), height: int(n.pix.Height), stride: int(n.pix.BytesPerLine)},
		info: Info{
			Source: SourceV4L2, Device: dev.Path(), Driver: caps.Driver, Card: caps.Card,
			Format: n.format, Width: int(n.pix.Width), Height: int(n.pix.Height),
			FourCC: n.fourcc.String(), Framerate: n.fps,
		},
	}
	c.stall = minStallTimeout
	if n.fps > 0 {
		c.stall = max(c.stall, time.Duration(10*float64(time.Second)/n.fps))
	}
	if err := c.applyOptions(opts, n.format); err != nil {
		return nil, err
	}
	cp, err := dev.StartCapture(captureBuffers)
	if err != nil {
		return nil, fmt.Errorf("starting capture on %s: %w", dev.Path(), err)
	}
	c.cap = cp
	log.Info("camera streaming", "camera", c.info.String(), "options", opts.String())
	return c, nil
}

// applyOptions writes the planned controls. Settings the camera cannot
// honour are warnings, or errors with Strict; a write of an unset option's
// default that fails only matters for debugging.
func (c *v4l2Camera) applyOptions(opts Options, format picimage.PixelFormat) error {
	infos, err := c.dev.QueryControls()
	if err != nil {
		c.log.Warn("cannot list the camera's controls; no settings applied", "device", c.dev.Path(), "err", err)
		infos = nil
	}
	plan := planControls(opts, infos, format)
	for _, n := range plan.notes {
		c.log.Info("camera setting converted", "device", c.dev.Path(), "note", n)
	}
	warnings := plan.warnings
	for _, w := range plan.writes {
		err := c.dev.SetControl(w.id, w.value)
		switch {
		case err == nil:
			c.log.Debug("camera control set", "control", ctrlName(w.id), "value", w.value, "option", w.option)
		case w.asked:
			warnings = append(warnings, fmt.Sprintf("%s: setting %s to %d failed: %v", w.option, ctrlName(w.id), w.value, err))
		default:
			c.log.Debug("camera control not reset to its default", "control", ctrlName(w.id), "value", w.value, "err", err)
		}
	}
	c.info.Warnings = warnings
	if len(warnings) == 0 {
		return nil
	}
	if opts.Strict {
		errs := make([]error, len(warnings))
		for i, w := range warnings {
			errs[i] = errors.New(w)
		}
		return fmt.Errorf("%s cannot honour every setting (strict mode): %w", c.dev.Path(), errors.Join(errs...))
	}
	for _, w := range warnings {
		c.log.Warn("camera setting not applied", "device", c.dev.Path(), "warning", w)
	}
	return nil
}

// Info implements Camera.
func (c *v4l2Camera) Info() Info { return c.info }

// Next implements Camera. Frames the driver marked as damaged, empty ones
// and MJPEG frames that are no JPEG are skipped (and show as a gap in Seq).
func (c *v4l2Camera) Next(ctx context.Context) (picimage.Frame, error) {
	for {
		wait, cancel := context.WithTimeout(ctx, c.stall)
		vf, err := c.cap.ReadFrameContext(wait)
		cancel()
		if err != nil {
			return picimage.Frame{}, c.readError(ctx, err)
		}
		f, ok := c.convert(vf)
		if ok {
			return f, nil
		}
	}
}

// readError explains a failed read.
func (c *v4l2Camera) readError(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, v4l2.ErrClosed) || c.isClosed():
		return fmt.Errorf("%s: %w", c.dev.Path(), ErrClosed)
	case errors.Is(err, v4l2.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("camera %s delivered no frame for %v: is it still connected (dmesg may say why)?", c.dev.Path(), c.stall)
	}
	return fmt.Errorf("reading a frame from %s: %w", c.dev.Path(), err)
}

// convert turns a captured buffer into a Frame, or reports that it gives
// none (skipped, or held to be joined to the next buffer).
func (c *v4l2Camera) convert(vf v4l2.Frame) (picimage.Frame, bool) {
	// Sequence numbers from the driver make its drops visible as gaps in
	// Seq; drivers that leave them at 0 count as gapless.
	if c.started {
		if d := vf.Sequence - c.lastSeq; d > 1 {
			c.gap += uint64(d - 1)
		}
	}
	c.started, c.lastSeq = true, vf.Sequence
	f := picimage.Frame{
		Width: c.layout.width, Height: c.layout.height, Format: c.layout.format,
		Captured: c.captured(vf.Timestamp), Keyframe: true,
	}
	if vf.Flags&v4l2.BufFlagError != 0 || len(vf.Data) == 0 {
		c.drop("the driver marked the buffer damaged or empty", vf)
		return f, false
	}
	var err error
	switch c.layout.format {
	case picimage.MJPEG:
		f.Data, err = picimage.NormalizeMJPEG(vf.Data)
	case picimage.H264:
		data := vf.Data
		if h264.Inspect(data).Slices == 0 {
			// Parameter sets (and SEI) in a buffer of their own: the
			// Pi's encoder hands out its SPS/PPS as a separate "config"
			// buffer. Joined to the picture that follows, every Frame is
			// a whole access unit and the IDR carries its parameter sets.
			if len(c.pendingH264)+len(data) > maxPendingH264 {
				c.pendingH264 = nil // no picture ever came: not parameter sets after all
			}
			c.pendingH264 = append(c.pendingH264, data...)
			return f, false
		}
		if len(c.pendingH264) > 0 {
			data = append(c.pendingH264, data...)
			c.pendingH264 = nil
		}
		f.Data = data
		f.Keyframe = vf.Flags&v4l2.BufFlagKeyFrame != 0 || h264.IsIDR(data)
	default:
		f.Data, err = c.layout.tight(vf.Data)
	}
	if err != nil {
		c.drop(err.Error(), vf)
		return f, false
	}
	f.Seq = c.nextSeq + c.gap
	c.nextSeq, c.gap = f.Seq+1, 0
	return f, true
}

// drop logs a skipped frame: the first few at warning level, then every
// hundredth, so a camera that sends garbage all the time does not flood
// the log.
func (c *v4l2Camera) drop(why string, vf v4l2.Frame) {
	c.dropped++
	c.gap++
	if c.dropped <= 3 || c.dropped%100 == 0 {
		c.log.Warn("camera frame skipped", "device", c.dev.Path(), "why", why, "sequence", vf.Sequence,
			"bytes", len(vf.Data), "skipped_total", c.dropped)
	}
}

// captured turns a CLOCK_MONOTONIC buffer timestamp into wall-clock time:
// now minus the buffer's age. A missing or implausible timestamp (drivers
// that stamp the expected end of exposure, slightly in the future) gives
// now.
func (c *v4l2Camera) captured(ts time.Duration) time.Time {
	now := c.sys.now()
	mono := c.sys.monotonic()
	if ts <= 0 || mono <= 0 {
		return now
	}
	age := mono - ts
	if age < 0 || age > time.Minute {
		return now
	}
	return now.Add(-age)
}

func (c *v4l2Camera) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Controls implements Camera.
func (c *v4l2Camera) Controls() ([]Control, error) {
	if c.isClosed() {
		return nil, ErrClosed
	}
	return deviceControls(c.dev)
}

// GetControl implements Camera.
func (c *v4l2Camera) GetControl(name string) (int64, error) {
	if c.isClosed() {
		return 0, ErrClosed
	}
	info, err := findControl(c.dev, name)
	if err != nil {
		return 0, err
	}
	v, err := c.dev.GetControl(info.ID)
	if err != nil {
		return 0, fmt.Errorf("reading %s on %s: %w", name, c.dev.Path(), err)
	}
	return int64(v), nil
}

// SetControl implements Camera.
func (c *v4l2Camera) SetControl(name string, value int64) error {
	if c.isClosed() {
		return ErrClosed
	}
	info, err := findControl(c.dev, name)
	if err != nil {
		return err
	}
	if err := info.Validate(value); err != nil {
		return err
	}
	if err := c.dev.SetControl(info.ID, int32(value)); err != nil {
		return fmt.Errorf("setting %s to %d on %s: %w", name, value, c.dev.Path(), err)
	}
	return nil
}

// Close implements Camera.
func (c *v4l2Camera) Close() error {
	if !firstClose(&c.mu, &c.closed) {
		return nil
	}
	// Closing the device first wakes a Next waiting for a buffer (Stop
	// alone would wait for it) and makes the kernel stop streaming and free
	// the buffers; Stop then only marks the capture stopped.
	errs := []error{c.dev.Close()}
	if c.cap != nil {
		errs = append(errs, c.cap.Stop())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("closing camera %s: %w", c.dev.Path(), err)
	}
	return nil
}
