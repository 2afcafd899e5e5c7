package camera

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/picam-project/picam/av/h264"
	picimage "github.com/picam-project/picam/image"
)

// rpicamPrograms are the names rpicam-vid has had: rpicam-apps renamed
// libcamera-vid in late 2023, and older systems have only the old name.
var rpicamPrograms = []string{"rpicam-vid", "libcamera-vid"}

// rpicamStartTimeout bounds the wait for the first frame: libcamera takes a
// second or two to start the camera and settle auto exposure.
const rpicamStartTimeout = 15 * time.Second

// rpicamStopGrace is how long Close waits for rpicam-vid to exit on SIGTERM
// (it releases the camera cleanly) before killing it.
const rpicamStopGrace = 2 * time.Second

// stderrLines is how many of rpicam-vid's last stderr lines an error quotes.
const stderrLines = 8

// rpicamPath finds rpicam-vid or libcamera-vid on PATH.
func (sys system) rpicamPath() (string, error) {
	for _, p := range rpicamPrograms {
		if path, err := sys.lookPath(p); err == nil {
			return path, nil
		}
	}
	return "", ErrRpicamNotFound
}

// rpicamCamera reads frames from an rpicam-vid process it owns.
type rpicamCamera struct {
	cmd  *exec.Cmd
	info Info
	log  *slog.Logger

	frames chan picimage.Frame // newest frames; the reader drops the oldest when full
	ready  chan struct{}       // closed when the first frame has been read
	head   chan picimage.Frame // the first frame, kept for the first Next (with --inline, an IDR)
	done   chan struct{}       // closed when the reader has exited and the process is reaped
	err    error               // why the stream ended; written before done is closed
	tail   *lineTail
	first  bool // Next has returned a frame (then the stall timeout applies)
	// startWait bounds the wait for the first frame, stall for later ones.
	startWait, stall time.Duration

	mu     sync.Mutex
	closed bool
}

// openRpicam starts rpicam-vid with the options as flags and reads frames
// from its stdout.
func (sys system) openRpicam(ctx context.Context, opts Options, log *slog.Logger) (Camera, error) {
	log = orDiscard(log)
	bin, err := sys.rpicamPath()
	if err != nil {
		return nil, err
	}
	modeFlag := ""
	if opts.SensorMode != 0 {
		modeFlag = sys.rpicamMode(ctx, bin, opts.SensorMode, log)
	}
	libav := false
	if rpicamCodec(opts.Format) == picimage.H264 {
		platform := sys.rpicamPlatform()
		libav = platform != platformVC4
		encoder := "VideoCore hardware"
		if libav {
			encoder = "libx264 (CPU, via libav)"
		}
		log.Info("rpicam-vid H.264 encoder", "platform", platform, "encoder", encoder)
	}
	plan, err := rpicamArgs(opts, modeFlag, libav)
	if err != nil {
		return nil, err
	}
	for _, n := range plan.notes {
		log.Info("camera setting converted", "program", bin, "note", n)
	}
	if len(plan.warnings) > 0 {
		if opts.Strict {
			errs := make([]error, len(plan.warnings))
			for i, w := range plan.warnings {
				errs[i] = errors.New(w)
			}
			return nil, fmt.Errorf("rpicam-vid cannot honour every setting (strict mode): %w", errors.Join(errs...))
		}
		for _, w := range plan.warnings {
			log.Warn("camera setting not applied", "program", bin, "warning", w)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w, h := opts.size()
	c := &rpicamCamera{
		log:       log,
		frames:    make(chan picimage.Frame, 2),
		ready:     make(chan struct{}),
		head:      make(chan picimage.Frame, 1),
		done:      make(chan struct{}),
		tail:      &lineTail{max: stderrLines},
		startWait: rpicamStartTimeout,
		stall:     max(minStallTimeout, time.Duration(10*float64(time.Second)/opts.fps())),
		info: Info{Source: SourceRpicam, Device: bin, Format: plan.format, Width: w, Height: h,
			Framerate: opts.fps(), Warnings: plan.warnings},
	}
	if sys.rpicamStart > 0 {
		c.startWait = sys.rpicamStart
	}
	if err := c.start(bin, plan, sys.now); err != nil {
		return nil, err
	}
	command := bin + " " + strings.Join(plan.args, " ")
	if err := c.waitFirst(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w (command: %s)%s", err, command, rpicamHint(c.tail.String()))
	}
	c.first = true
	log.Info("camera streaming", "camera", c.info.String(), "command", command)
	return c, nil
}

// waitFirst waits until rpicam-vid has delivered its first frame, so that
// a helper that exits at start (a flag it does not know, no camera, no
// container for "-") fails Open rather than the first Next.
func (c *rpicamCamera) waitFirst(ctx context.Context) error {
	t := time.NewTimer(c.startWait)
	defer t.Stop()
	select {
	case <-c.ready:
		return nil
	case <-c.done:
		select {
		case <-c.ready:
			return nil // it delivered frames, then ended: Next reports that
		default:
		}
		return fmt.Errorf("rpicam-vid failed at start: %w", c.err)
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("%s delivered no frame for %v: %s", c.info.Device, c.startWait, c.tail.orNothing())
	}
}

// rpicamHint adds the fix for rpicam-vid start failures whose cause is
// known from what it printed.
func rpicamHint(stderr string) string {
	switch {
	case strings.Contains(stderr, "low-latency") && strings.Contains(stderr, "unrecognised option"):
		return "; this rpicam-vid is older than rpicam-apps 1.6, which added --low-latency, needed for H.264 on a Pi 5: " +
			"update it (apt-get install --only-upgrade rpicam-apps) or use --codec jpeg"
	case strings.Contains(stderr, "--libav-format"):
		return "; rpicam-vid encodes H.264 through libav on this board and needs --libav-format h264 for -o -, " +
			"which picam passes when it finds no bcm2835-isp (a Pi 0-4's VideoCore): check that /dev/video* can be opened"
	}
	return ""
}

// platformVC4 and friends name the camera platform as rpicam-apps detects
// it (core/options.cpp get_platform): the card name of a /dev/video* node.
const (
	platformVC4     = "vc4"     // Pi 0-4: bcm2835-isp; H.264 on the VideoCore encoder
	platformPiSP    = "pisp"    // Pi 5: pispbe; H.264 in software (libx264)
	platformUnknown = "unknown" // neither found
)

// rpicamPlatform finds which encoder rpicam-vid will use for H.264: the
// VideoCore's where a bcm2835-isp node exists, libav's libx264 elsewhere
// (rpicam-apps' h264_codec_select).
func (sys system) rpicamPlatform() string {
	paths, err := sys.videoNodes()
	if err != nil {
		return platformUnknown
	}
	for _, p := range paths {
		dev, err := sys.openDevice(p)
		if err != nil {
			continue
		}
		c := dev.Capability()
		dev.Close()
		switch c.Card {
		case "bcm2835-isp":
			return platformVC4
		case "pispbe":
			return platformPiSP
		}
	}
	return platformUnknown
}

// rpicamMode asks rpicam-vid for its sensor modes and returns the --mode
// value of the n-th (1-based), or "" with a warning.
func (sys system) rpicamMode(ctx context.Context, bin string, n int, log *slog.Logger) string {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--list-cameras").Output()
	if err != nil {
		log.Warn("cannot list the camera's sensor modes", "program", bin, "err", err)
		return ""
	}
	modes := parseSensorModes(out)
	if n > len(modes) {
		log.Warn("the camera has fewer sensor modes", "sensor_mode", n, "modes", len(modes))
		return ""
	}
	return modes[n-1].flag()
}

// start runs the process and the goroutines that read its output. The
// reader goroutine owns the process: it reads stdout to the end, waits for
// the stderr reader, reaps the process and closes done.
func (c *rpicamCamera) start(bin string, plan rpicamPlan, now func() time.Time) error {
	c.cmd = exec.Command(bin, plan.args...)
	setProcessGroup(c.cmd)
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	var sp splitter = &jpegSplitter{}
	if plan.format == picimage.H264 {
		sp = &annexBSplitter{}
	}
	stderrDone := make(chan struct{})
	go func() {
		defer close(stderrDone)
		c.logStderr(stderr)
	}()
	go func() {
		readErr := c.read(stdout, sp, plan.format, now)
		<-stderrDone
		waitErr := c.cmd.Wait()
		c.err = c.exitError(readErr, waitErr)
		close(c.done)
	}()
	return nil
}

// read splits stdout into frames until it ends.
func (c *rpicamCamera) read(r io.Reader, sp splitter, format picimage.PixelFormat, now func() time.Time) error {
	var seq uint64
	emit := func(data []byte, arrived time.Time) {
		f := picimage.Frame{Width: c.info.Width, Height: c.info.Height, Format: format, Data: data,
			Seq: seq, Captured: arrived, Keyframe: format != picimage.H264 || h264.IsIDR(data)}
		seq++
		if seq == 1 {
			// Open waits for this frame, and frames queued meanwhile may be
			// dropped; the first one, where an H.264 stream starts, is kept.
			c.head <- f
			close(c.ready)
			return
		}
		c.offer(f)
	}
	buf := make([]byte, 256<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if serr := sp.write(buf[:n], now(), emit); serr != nil {
				c.log.Warn("rpicam-vid output damaged; resynchronising", "err", serr)
			}
		}
		if errors.Is(err, io.EOF) {
			sp.end(emit)
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// offer queues a frame for Next, dropping the oldest queued frame when Next
// falls behind: a live camera must not be slowed down by its reader, and a
// dropped frame shows as a gap in Seq (which H.264 consumers need to see).
func (c *rpicamCamera) offer(f picimage.Frame) {
	for {
		select {
		case c.frames <- f:
			return
		default:
		}
		select {
		case <-c.frames:
		default:
		}
	}
}

// logStderr logs rpicam-vid's stderr: errors as warnings, the rest (libcamera
// chatter) at debug level, keeping the last lines for error messages.
func (c *rpicamCamera) logStderr(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		c.tail.add(line)
		if strings.Contains(line, "ERROR") || strings.Contains(strings.ToLower(line), "error:") {
			c.log.Warn("rpicam-vid", "stderr", line)
		} else {
			c.log.Debug("rpicam-vid", "stderr", line)
		}
	}
}

// exitError explains why the stream ended.
func (c *rpicamCamera) exitError(readErr, waitErr error) error {
	if c.isClosed() {
		return ErrClosed
	}
	msg := fmt.Sprintf("%s exited", c.info.Device)
	if waitErr != nil {
		msg += " (" + waitErr.Error() + ")"
	}
	if readErr != nil {
		msg += "; reading its output: " + readErr.Error()
	}
	if t := c.tail.String(); t != "" {
		msg += ": " + t
	} else {
		msg += " without saying why"
	}
	return errors.New(msg)
}

// Info implements Camera.
func (c *rpicamCamera) Info() Info { return c.info }

// Next implements Camera.
func (c *rpicamCamera) Next(ctx context.Context) (picimage.Frame, error) {
	timeout := c.stall
	if !c.first {
		timeout = c.startWait
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case f := <-c.head:
		c.first = true
		return f, nil
	default:
	}
	select {
	case f := <-c.frames:
		c.first = true
		return f, nil
	default:
	}
	select {
	case f := <-c.frames:
		c.first = true
		return f, nil
	case <-c.done:
		// Frames read before the exit are still delivered.
		select {
		case f := <-c.frames:
			return f, nil
		default:
		}
		return picimage.Frame{}, c.err
	case <-ctx.Done():
		return picimage.Frame{}, ctx.Err()
	case <-t.C:
		return picimage.Frame{}, fmt.Errorf("%s delivered no frame for %v: %s", c.info.Device, timeout, c.tail.orNothing())
	}
}

func (c *rpicamCamera) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Controls implements Camera: rpicam-vid takes its settings as flags when
// it starts and offers no controls while it runs.
func (c *rpicamCamera) Controls() ([]Control, error) { return nil, nil }

// GetControl implements Camera.
func (c *rpicamCamera) GetControl(name string) (int64, error) {
	return 0, fmt.Errorf("rpicam-vid has no control %q: its settings are fixed when it starts: %w", name, ErrNoControl)
}

// SetControl implements Camera.
func (c *rpicamCamera) SetControl(name string, _ int64) error {
	return fmt.Errorf("cannot set %q: rpicam-vid takes its settings when it starts (give it among the options the camera is opened with): %w", name, ErrNotSupported)
}

// Close implements Camera: it stops rpicam-vid (SIGTERM, then SIGKILL
// after a grace period) and waits until it has been reaped.
func (c *rpicamCamera) Close() error {
	if !firstClose(&c.mu, &c.closed) {
		return nil
	}
	select {
	case <-c.done:
		return nil // it exited on its own and has been reaped: nothing to signal
	default:
	}
	terminate(c.cmd)
	t := time.NewTimer(rpicamStopGrace)
	defer t.Stop()
	select {
	case <-c.done:
		return nil
	case <-t.C:
	}
	kill(c.cmd)
	<-c.done
	return nil
}

// lineTail keeps the last lines of a helper's stderr.
type lineTail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *lineTail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

// String joins the kept lines with " | ".
func (t *lineTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, " | ")
}

func (t *lineTail) orNothing() string {
	if s := t.String(); s != "" {
		return "it said: " + s
	}
	return "it printed nothing (is a camera connected and enabled?)"
}
