//go:build linux

// Command probe runs inside the HIL guest (or on a Pi over SSH) and reports,
// as fact lines on stdout (see test/hil/internal/fact), what the kernel's
// V4L2 and GPIO interfaces did when driven through picam's own packages:
//
//	probe camera   QUERYCAP, S_FMT, hflip S_CTRL/G_CTRL, one MMAP frame (hw/v4l2)
//	probe encode   one camera frame through a multi-planar M2M encoder (hw/v4l2)
//	probe gpio     a gpio-sim chip through the GPIO character device v2 (raw ioctls)
//	probe status   the status LED and button through hw/status, read back from the simulator
//	probe find camera|encoder   print the node path, for scripts (no fact)
//	probe watch -line GPIO17    sample a simulated LED line until SIGTERM (picam-server's LED)
//	probe panel -server BIN     picam-server's LED through waiting, streaming, degraded, paused (button)
//	probe controls -device DEV  the camera's format and control values (-reset first: defaults, hflip 0)
//
// The probe judges nothing: the host runner holds the expectations. It exits
// non-zero only when a step could not be carried out at all, so a shell can
// tell "the probe ran" from "the probe crashed".
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/picam-project/picam/test/hil/internal/fact"
)

// commands maps each sub-command to its implementation.
var commands = map[string]func(ctx context.Context, r *reporter, args []string) error{
	"camera":   runCamera,
	"encode":   runEncode,
	"gpio":     runGPIO,
	"status":   runStatus,
	"find":     runFind,
	"watch":    runWatch,
	"panel":    runPanel,
	"controls": runControls,
}

// limits bounds each command; watch lasts as long as the server it watches.
var limits = map[string]time.Duration{"watch": 10 * time.Minute, "panel": 3 * time.Minute}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: probe camera|encode|gpio|status|panel|controls|find|watch [flags]  (probe CMD -h for flags)")
		os.Exit(2)
	}
	// Every step is bounded: a wedged driver must not hang the guest until
	// the host's boot deadline, which would hide which step wedged.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	name := os.Args[1]
	limit := limits[name]
	if limit == 0 {
		limit = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	r := &reporter{w: os.Stdout, log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	if err := commands[name](ctx, r, os.Args[2:]); err != nil {
		if name == "find" { // its stdout is a path for a script, never a fact
			fmt.Fprintln(os.Stderr, "probe find:", err)
		} else {
			r.fail(name, err)
		}
		os.Exit(1)
	}
}

// reporter writes facts; a write failure is logged, since the console is the
// only channel there is.
type reporter struct {
	w   io.Writer
	log *slog.Logger
}

// ok reports a step that was carried out, with what was observed.
func (r *reporter) ok(step string, v map[string]any) {
	r.emit(fact.Fact{Step: step, V: v})
}

// fail reports a step that could not be carried out.
func (r *reporter) fail(step string, err error) {
	r.emit(fact.Fact{Step: step, Err: err.Error()})
}

// skip reports a step that does not apply on this target.
func (r *reporter) skip(step, why string) {
	r.emit(fact.Fact{Step: step, Skip: why})
}

func (r *reporter) emit(f fact.Fact) {
	if err := fact.Emit(r.w, f); err != nil {
		r.log.Error("cannot write fact", "step", f.Step, "err", err)
	}
}
