package status_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/picam-project/picam/hw/status"
)

// How picam-server wires the panel: open it early, report state changes,
// and act on button presses in the main loop. On a machine without LEDs or
// GPIO this runs unchanged, with no indicators.
func Example() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	panel, err := status.Open(ctx, status.Config{
		LEDs:   []string{"auto", "GPIO17"}, // board ACT/PWR plus an external LED
		Button: "GPIO27",
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // names the fix: wrong LED name, permissions, busy line
		return
	}
	defer panel.Close()

	panel.Set(status.Waiting, 0) // pipeline up, no clients yet
	paused := false
	for {
		select {
		case ev := <-panel.Events(): // nil channel without a button: never fires
			switch ev.Kind {
			case status.ShortPress:
				paused = !paused
				if paused {
					panel.Set(status.Paused, 0)
				} else {
					panel.Set(status.Waiting, 0)
				}
			case status.LongPress:
				panel.Set(status.Stopping, 0)
				stop()
			}
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
			stop() // keep the example short
		}
	}
}

// Print the state table, e.g. for --help or the README: one character per
// 50 ms, 3.5 s in all ('#' lit). Streaming is shown with 2 clients.
func ExamplePatterns() {
	for _, p := range status.Patterns() {
		fmt.Printf("%-11s %s\n", p.State, p.Example.Timeline(50*time.Millisecond, 3500*time.Millisecond))
	}
	// Output:
	// starting    ##..##..##..##..##..##..##..##..##..##..##..##..##..##..##..##..##..##
	// waiting     ####################....................####################..........
	// streaming   ########################################....######....################
	// degraded    ###...###.....................###...###.....................###...###.
	// fault       ##..##..##......######..######..######......##..##..##..............##
	// paused      ##......................................##............................
	// stopping    ......................................................................
	// rolled-back ##########.....##########.....##########..............................
}
