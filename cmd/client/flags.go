package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/internal/record"
)

const usageHead = `picam-client receives a picam-server or VidGear NetGear stream (Multi-Clients mode), or
several servers at once (NetGear's Multi-Servers mode), and shows, records or pipes it.
It binds --port on --address and waits for the server to connect, as a NetGear client does:
  picam-client --address 127.0.0.1 --port 5577 --pattern 2 --view
  picam-client --port 5577 --pattern 1 --return "frame {n} ok"
  picam-client --ports 5566,5567 --view               (two cameras side by side)
  picam-client --port 5577 --record cam.mp4           (fragmented MP4; .mjpeg and .h264 too)
  picam-client --port 5577 --output - | ffplay -fflags nobuffer -f mjpeg -
  picam-client --port 5577 --return-stdin             (each line typed goes back to the server)

Exit status: 0 after the server's terminate (every server's, with --ports), --frames, Ctrl-C or
the player closing --output's pipe; 3 when the server went away (no message for --timeout);
2 on bad usage; 1 on other failures (a recording that cannot be written).

Flags:
`

// DefaultViewAddr is where --view serves the page when no address is given: loopback, because
// browsers let WebCodecs (the H.264 decoder) run only in a secure context, which plain
// http://127.0.0.1 is, and because the page needs no audience beyond this machine.
const DefaultViewAddr = "127.0.0.1:8080"

type options struct {
	address       string
	port          int
	ports         []int
	pattern       int
	bidirectional bool
	multiClient   bool
	// multiClientSet records an explicit --multiclient, which NetGear refuses with --ports.
	multiClientSet bool
	showVersion    bool // --version
	ret            string
	retStdin       bool
	frames         uint64
	timeout        time.Duration
	waitLimit      time.Duration
	jsonOut        bool
	statsEvery     time.Duration
	logLevel       string
	view           string
	record         string
	output         string
	jpegQuality    int
	sec            secureOptions
}

// multiServer reports NetGear's Multi-Servers mode: several ports, one server on each.
func (o *options) multiServer() bool { return len(o.ports) > 0 }

// cameraPorts are the ports frames can arrive on.
func (o *options) cameraPorts() []int {
	if o.multiServer() {
		return o.ports
	}
	return []int{o.port}
}

// viewFlag is --view with an optional value: "--view" alone serves on DefaultViewAddr,
// "--view=ADDR" (or "--view ADDR", see joinViewArg) elsewhere.
type viewFlag struct{ addr *string }

func (v viewFlag) String() string {
	if v.addr == nil {
		return ""
	}
	return *v.addr
}

func (v viewFlag) Set(s string) error {
	if s == "true" || s == "" {
		s = DefaultViewAddr
	}
	if s == "false" {
		s = ""
	}
	*v.addr = s
	return nil
}

func (v viewFlag) IsBoolFlag() bool { return true }

// portsFlag is --ports 5566,5567.
type portsFlag struct{ ports *[]int }

func (p portsFlag) String() string {
	if p.ports == nil {
		return ""
	}
	return strings.Trim(strings.Join(strings.Fields(fmt.Sprint(*p.ports)), ","), "[]")
}

func (p portsFlag) Set(s string) error {
	ports, err := cli.ParsePorts(s)
	if err != nil {
		return err
	}
	*p.ports = ports
	return nil
}

// joinViewArg turns "--view ADDR" into "--view=ADDR": flag treats --view as a boolean, which
// cannot take a separate value, and picam-client has no positional arguments to confuse it with.
func joinViewArg(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if (a == "--view" || a == "-view") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			out = append(out, a+"="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := cli.NewFlagSet("picam-client", usageHead, stderr)
	fs.StringVar(&o.address, "address", "*", "local address to bind (* = all interfaces); the server's --address must reach it")
	fs.IntVar(&o.port, "port", 0, "port to bind; each client of one server needs its own (required, unless --ports)")
	fs.Var(portsFlag{&o.ports}, "ports", "NetGear Multi-Servers mode: bind `PORTS` (e.g. 5566,5567) and receive from one server on each at once; not with --port or --multiclient")
	fs.IntVar(&o.pattern, "pattern", 1, "NetGear pattern: 1 (REQ/REP) or 2 (PUB/SUB); must match the server")
	fs.BoolVar(&o.bidirectional, "bidirectional", false, "NetGear bidirectional mode: print the server's message (pattern 1 only)")
	fs.BoolVar(&o.multiClient, "multiclient", true, "NetGear multi-client mode (picam-client speaks it unless --ports; the flag exists for NetGear's mode checks)")
	fs.StringVar(&o.ret, "return", "", "pattern 1: data sent back with each reply; {n} is replaced by the frame count (JSON values are sent as JSON, other text as a string)")
	fs.BoolVar(&o.retStdin, "return-stdin", false, "pattern 1: read lines from standard input; each line becomes the data sent back (like --return, until the next line)")
	fs.Uint64Var(&o.frames, "frames", 0, "exit 0 after N frames (0 = until the server stops)")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Second, "exit 3 when a server, once heard, sends nothing for this long")
	fs.DurationVar(&o.waitLimit, "wait-limit", 0, "exit 3 if no server connects within this time (0 = wait for ever)")
	fs.BoolVar(&o.jsonOut, "json", false, "print a JSON summary line at exit: on stdout, or on stderr when --output - has stdout")
	fs.DurationVar(&o.statsEvery, "stats", time.Second, "status: on a terminal a line redrawn in place, otherwise a log line this often (0 = never)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.Var(viewFlag{&o.view}, "view", "serve a live viewer page for a browser on "+DefaultViewAddr+", or on ADDR with --view=ADDR")
	fs.StringVar(&o.record, "record", "", "record to `FILE`: .mp4 (fragmented, H.264 or Motion-JPEG), .mjpeg or .h264; with --ports one file per camera, FILE-PORT.ext")
	fs.StringVar(&o.output, "output", "", "write the bare video stream (JPEG frames or H.264 Annex-B) to `FILE`, or to stdout with -, for a player: ffplay -fflags nobuffer -f mjpeg -")
	fs.IntVar(&o.jpegQuality, "jpeg-quality", 90, "JPEG quality 1-100 for raw (uncompressed) frames converted for --view, --record and --output")
	o.sec.register(fs)
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit")
	if err := fs.Parse(cli.Underscores(fs, joinViewArg(args))); err != nil {
		return nil, err
	}
	if o.showVersion {
		return o, nil
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: every option is a --flag (see --help)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "multiclient" {
			o.multiClientSet = true
		}
	})
	if o.multiServer() {
		// Multi-client mode is picam-client's default, so only an explicit --multiclient
		// collides with --ports (NetGear's error comes from stream.Listen).
		o.multiClient = o.multiClientSet && o.multiClient
	}
	if (o.ret != "" || o.retStdin) && o.pattern != 1 {
		return nil, errors.New("--return and --return-stdin need pattern 1: clients cannot send data back in pattern 2 (PUB/SUB)")
	}
	if o.record != "" {
		if _, err := record.FormatOf(o.record); err != nil {
			return nil, err
		}
	}
	if o.output != "" && len(o.ports) > 1 {
		return nil, errors.New("--output carries one camera's stream: use --port, or --record to write each camera of --ports to its own file")
	}
	if o.jpegQuality < 1 || o.jpegQuality > 100 {
		return nil, fmt.Errorf("--jpeg-quality %d: use 1-100", o.jpegQuality)
	}
	if err := o.sec.check(); err != nil {
		return nil, err
	}
	return o, nil
}
