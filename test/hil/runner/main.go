// Command runner is the host side of picam's hardware-in-the-loop test
// (`make hil`). It builds the target binaries, starts the clients on the host,
// runs the guest scenario on the target (a QEMU arm64 guest, or a real Pi over
// SSH), collects what the guest reports and judges it, printing one line per
// check and a closing "N passed, N failed" line. It exits 1 when a check
// failed and 2 when the run could not be set up at all.
//
// See test/hil/README.md for the whole picture.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// config is one run's settings; make passes the HIL_* variables as flags.
type config struct {
	target     string // "qemu" or "ssh://user@host[:port]"
	repo       string // repository root (for go build and the NetGear peer)
	cache      string // HIL_CACHE: kernel, modules, busybox (prepare.sh)
	artifacts  string // serial log, client output, summary
	hostAddr   string // address the clients bind, as the target reaches it (ssh only)
	breaks     []string
	frames     int
	resolution string
	codec      string
	serverArgs string
	led        string
	watchLED   string        // gpio-sim line picam-server drives as its status LED (QEMU)
	bootLimit  time.Duration // bound on one guest run
	goTests    bool          // also run the packages' own -tags hil tests on the target
}

func main() {
	os.Exit(run())
}

func run() int {
	var c config
	var breaks string
	fs := flag.NewFlagSet("runner", flag.ContinueOnError)
	fs.StringVar(&c.target, "target", "qemu", "qemu, or ssh://user@host[:port] for a real Pi")
	fs.StringVar(&c.repo, "repo", ".", "repository root")
	fs.StringVar(&c.cache, "cache", "", "HIL cache directory made by prepare.sh (qemu target)")
	fs.StringVar(&c.artifacts, "artifacts", "test/hil/artifacts", "where logs of the run are kept")
	fs.StringVar(&c.hostAddr, "host-addr", "", "this machine's address as the Pi reaches it; the clients bind it (ssh target)")
	fs.StringVar(&breaks, "break", "", "deliberately break steps, to see the test fail: hflip, modules, server, boot (comma or space separated)")
	fs.IntVar(&c.frames, "frames", 60, "frames picam-server sends before terminating the clients")
	fs.StringVar(&c.resolution, "resolution", "640x480", "stream frame size WxH (one vivid offers: 640x360, 640x480, 1280x720)")
	fs.StringVar(&c.codec, "codec", "jpeg", "stream payload: jpeg or raw")
	fs.StringVar(&c.serverArgs, "server-args", "", "picam-server's source and LED flags; empty: the camera (vivid) and a gpio-sim status LED if this picam-server has them, else the test pattern")
	fs.StringVar(&c.led, "led", "", `status LED the probe drives through hw/status (default GPIO17 on gpio-sim in QEMU, ACT on a Pi)`)
	fs.StringVar(&c.watchLED, "watch-led", "", `gpio-sim line to watch as picam-server's status LED when -server-args sets the LED itself, e.g. GPIO17`)
	fs.BoolVar(&c.goTests, "gotests", true, "build the packages' `go test -tags hil` binaries and run them on the target")
	fs.DurationVar(&c.bootLimit, "timeout", 240*time.Second, "bound on the guest run, from QEMU start (or SSH start) to power-off")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	c.breaks = strings.FieldsFunc(breaks, func(r rune) bool { return r == ',' || r == ' ' })
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if err := c.absPaths(); err != nil {
		fmt.Fprintf(os.Stderr, "hil: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	obs, err := execute(ctx, c, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hil: %v\n", err)
		if obs != nil && obs.consoleLog != "" {
			printTail(os.Stderr, obs.consoleLog, 40)
		}
		return 2
	}
	res := evaluate(c, obs)
	failed := report(os.Stdout, c, obs, res)
	if failed > 0 {
		return 1
	}
	return 0
}

// execute sets the run up, runs it and returns everything observed.
func execute(ctx context.Context, c config, log *slog.Logger) (*observations, error) {
	if err := os.MkdirAll(c.artifacts, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", c.artifacts, err)
	}
	// Only the files a run writes are cleared: HIL_ARTIFACTS may point
	// anywhere, even at a directory with other files in it.
	for _, f := range artifactFiles {
		if err := os.Remove(filepath.Join(c.artifacts, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("clearing the last run's %s: %w", f, err)
		}
	}
	switch {
	case c.target == "qemu":
		return runQEMU(ctx, c, log)
	case strings.HasPrefix(c.target, "ssh://"):
		return runSSH(ctx, c, log)
	}
	return nil, fmt.Errorf("unknown HIL_TARGET %q: use qemu, or ssh://user@host for a Pi", c.target)
}

// absPaths makes the directories absolute, so that messages name them fully
// and builds can run in any directory. A relative -artifacts is under -repo.
func (c *config) absPaths() error {
	var err error
	if c.repo, err = filepath.Abs(c.repo); err != nil {
		return err
	}
	if c.cache != "" {
		if c.cache, err = filepath.Abs(c.cache); err != nil {
			return err
		}
	}
	if !filepath.IsAbs(c.artifacts) {
		c.artifacts = filepath.Join(c.repo, c.artifacts)
	}
	return nil
}

// artifactFiles are the logs a run leaves in the artifacts directory.
var artifactFiles = []string{"serial.log", "target.log", picamClient + ".log", netgearPeer + ".log", encoderClient + ".log", "summary.txt"}

// broken reports whether step is one of the deliberately broken ones.
func (c config) broken(step string) bool {
	for _, b := range c.breaks {
		if b == step {
			return true
		}
	}
	return false
}
