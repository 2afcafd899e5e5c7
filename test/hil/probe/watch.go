//go:build linux

package main

import (
	"context"
	"flag"
	"time"
)

// runWatch samples a gpio-sim line every 5 ms until it is stopped (SIGTERM
// from the scenario once picam-server has exited) and reports how often the
// line was high and how often it changed: picam-server's own status LED,
// watched from the outside while it streams.
func runWatch(ctx context.Context, r *reporter, args []string) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	line := fs.String("line", "GPIO17", "name of the simulated line to watch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := findSimLine(*line)
	if err != nil {
		return err
	}
	var samples, high, flips int
	last := -1
	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			r.ok("server.led", map[string]any{"line": *line, "samples": samples, "high": high, "flips": flips,
				"seconds": time.Since(start).Seconds()})
			return nil
		case <-tick.C:
		}
		v, err := s.value()
		if err != nil {
			return err
		}
		samples++
		if v == 1 {
			high++
		}
		if last >= 0 && v != last {
			flips++
		}
		last = v
	}
}
