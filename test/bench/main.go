// Command bench is picam's transport benchmark (make bench): picam-server → picam-client over
// loopback against the pyzmq/libzmq NetGear stand-ins and against plain TCP writes of the same
// bytes, for raw 640x480 and JPEG 1280x720 frames, 1-8 clients, patterns 1 and 2; then latency at
// 30 fps, CPU per frame, an idle client's CPU and the server's memory. It prints one report and
// PASS/MISS lines for the targets; it never fails on speed, only when a run cannot be made.
//
// It also holds the plain-TCP reference's two roles (tcp-writer, tcp-reader), started as child
// processes of itself.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/cli"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "tcp-writer":
			os.Exit(runTCPWriter(os.Args[2:], os.Stdout, os.Stderr))
		case "tcp-reader":
			os.Exit(runTCPReader(os.Args[2:], os.Stdout, os.Stderr))
		case "codecs":
			os.Exit(runCodecs(os.Args[2:], os.Stdout, os.Stderr))
		case "relay":
			os.Exit(runRelay(os.Args[2:], os.Stdout, os.Stderr)) // relay.go
		}
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usageHead = `bench measures picam's streaming transport over loopback:
  make bench                       # the full run, about 6-8 minutes on 2 cores
  make bench BENCHFLAGS=--quick    # a smoke run of about a minute
  go run ./test/bench --only "raw 640x480 p2 4" --runs 3
  go run ./test/bench codecs [--quick]   # only the software encoders (make bench runs both)
  go run ./test/bench relay [--quick]    # picam's CPU publishing to a relay (make bench runs it; relay --help)
Run it from the repository root after make build (make bench builds first).

Flags:
`

// options are the parsed command line.
type options struct {
	quick      bool
	window     time.Duration
	runs       int
	only       string
	sections   string
	transports string
	bin        string
	python     string
	peer       string
	latWindow  time.Duration
	idle       time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHead)
		cli.PrintFlags(fs, stderr)
	}
	fs.BoolVar(&o.quick, "quick", false, "smoke run of about a minute: one short run per cell, 1 and 4 clients only")
	fs.DurationVar(&o.window, "window", 0, "sending time of each throughput run; 0 means 1.5s (0.5s with --quick)")
	fs.IntVar(&o.runs, "runs", 0, "runs per cell, the median shown; 0 means 2, and 3 for the target cell (1 with --quick)")
	fs.StringVar(&o.only, "only", "", "run only the throughput cells whose name contains this, e.g. \"raw 640x480 p2 4\"")
	fs.StringVar(&o.sections, "sections", "throughput,secure,latency,idle,outputs", "comma-separated sections to run")
	fs.StringVar(&o.transports, "transports", "picam,libzmq,tcp", "comma-separated transports to measure")
	fs.StringVar(&o.bin, "bin", "bin", "directory with picam-server and picam-client (make build)")
	fs.StringVar(&o.python, "python", "/usr/bin/python3", "Python with Debian's python3-zmq and python3-numpy")
	fs.StringVar(&o.peer, "peer", "test/interop/netgear_peer.py", "the NetGear stand-in script")
	fs.DurationVar(&o.latWindow, "latency-window", 0, "length of each 30 fps latency run; 0 means 8s (2s with --quick)")
	fs.DurationVar(&o.idle, "idle", 0, "how long the idle client is watched; 0 means 10s (3s with --quick)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	for _, sec := range strings.Split(o.sections, ",") {
		switch sec {
		case "throughput", "secure", "latency", "idle", "outputs":
		default:
			return nil, fmt.Errorf("unknown section %q in --sections: use throughput, secure, latency, idle and/or outputs", sec)
		}
	}
	for _, t := range strings.Split(o.transports, ",") {
		switch transport(t) {
		case trPicam, trLibzmq, trTCP:
		default:
			return nil, fmt.Errorf("unknown transport %q in --transports: use picam, libzmq and/or tcp", t)
		}
	}
	def := func(d *time.Duration, normal, quick time.Duration) {
		if *d <= 0 {
			*d = normal
			if o.quick {
				*d = quick
			}
		}
	}
	def(&o.window, 1500*time.Millisecond, 500*time.Millisecond)
	def(&o.latWindow, 8*time.Second, 2*time.Second)
	def(&o.idle, 10*time.Second, 3*time.Second)
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	r, cleanup, err := newRunner(o)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	defer cleanup()
	// Ctrl-C or a SIGTERM ends every child process, then the benchmark.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	go func() {
		select {
		case sig := <-sigs:
			fmt.Fprintf(stderr, "bench: %v: stopping every child process\n", sig)
			r.reg.killAll()
			cleanup()
			os.Exit(130)
		case <-stopWatch:
		}
	}()
	rep := &report{m: describeMachine(), o: o, pl: r.pl, w: stdout, log: stderr}
	rep.header()
	if o.section("throughput") {
		rep.throughput = measureThroughput(r, o, plan(o), strings.Split(o.transports, ","), stderr)
		rep.table()
	}
	if o.section("secure") {
		rep.secure = measureSecure(r, o, stderr)
		rep.secureTable()
	}
	if o.section("latency") {
		rep.latency = measureLatency(r, o, stderr)
		rep.latencyTable()
	}
	if o.section("idle") {
		idle := measureIdle(r, o)
		rep.idle = &idle
	}
	if o.section("outputs") { // outputs.go: RTSP sessions vs NetGear clients
		rep.failed += measureOutputs(r, o, stdout, stderr)
	}
	rep.details()
	rep.targets()
	rep.footer()
	if rep.failed > 0 {
		fmt.Fprintf(stderr, "bench: %d run(s) failed; see the messages above\n", rep.failed)
		return 1
	}
	return 0
}

func newRunner(o *options) (*runner, func(), error) {
	for _, f := range []string{o.bin + "/picam-server", o.bin + "/picam-client", o.python, o.peer} {
		if _, err := os.Stat(f); err != nil {
			return nil, nil, fmt.Errorf("%s is missing (run from the repository root after make build; make deps installs the Python packages): %w", f, err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("find this program for the TCP roles: %w", err)
	}
	pl, err := makePayloads()
	if err != nil {
		return nil, nil, err
	}
	return &runner{bin: o.bin, python: o.python, peer: o.peer, self: self, pl: pl, window: o.window, reg: newRegistry()}, pl.remove, nil
}

// section reports whether the named section is to run.
func (o *options) section(name string) bool {
	return slices.Contains(strings.Split(o.sections, ","), name)
}

// plan lists the throughput cells.
func plan(o *options) []cell {
	counts := []int{1, 2, 4, 8}
	if o.quick {
		counts = []int{1, 4}
	}
	var cells []cell
	for _, k := range []frameKind{raw640, jpeg720} {
		for _, p := range []int{1, 2} {
			for _, n := range counts {
				c := cell{Kind: k, Pattern: p, Clients: n}
				if o.only == "" || strings.Contains(c.String(), o.only) {
					cells = append(cells, c)
				}
			}
		}
	}
	// The moving test pattern, converted to BGR per frame: the cost a camera's frames add.
	for _, n := range []int{1, 4} {
		c := cell{Kind: moving640, Pattern: 2, Clients: n}
		if o.only == "" || strings.Contains(c.String(), o.only) {
			cells = append(cells, c)
		}
	}
	return cells
}

// targetCell is the cell the throughput targets are checked on.
var targetCell = cell{Kind: raw640, Pattern: 2, Clients: 4}

// movingCell is where the moving pattern's target (issue 22: conversion included, picam ≥ 0.5×
// plain TCP sending the same BGR bytes) is checked.
var movingCell = cell{Kind: moving640, Pattern: 2, Clients: 4}
