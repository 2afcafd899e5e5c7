package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/picam-project/picam/cmd/picam-client/record"
	"github.com/picam-project/picam/internal/cli"
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
  picam-client --pattern 0                            (NetGear's default mode: one server, port 5555)

Exit status: 0 after the server's terminate (every server's, with --ports), --frames, Ctrl-C or
the player closing --output's pipe; 3 when the server went away (no message for --timeout), or
when NetGear's recv() would give up (--max-retries, --request-timeout, --subscriber-timeout);
2 on bad usage; 1 on other failures (a recording that cannot be written, or a --view, --record
or --output that received no frame). With none of those flags and no --wait-limit, picam-client
waits for the server for ever.

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

	// rawColorspace is the colour order of 3- and 4-channel raw frames: "BGR" or "RGB".
	rawColorspace string
	// NetGear's give-up options (see giveUp): maxRetries and requestTimeout for patterns 0
	// and 1, subscriberTimeout for pattern 2; netgearRetrySet when either of the first two
	// was given, timeoutSet when --timeout was.
	maxRetries        int
	requestTimeout    time.Duration
	subscriberTimeout time.Duration
	netgearRetrySet   bool
	timeoutSet        bool
}

// rawRGB reports whether raw 3- and 4-channel frames are RGB(A) rather than BGR(A).
func (o *options) rawRGB() bool { return o.rawColorspace == "RGB" }

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
	fs.IntVar(&o.port, "port", 0, "port to bind; each client of one server needs its own (required, unless --ports; 5555 in pattern 0, as NetGear)")
	fs.Var(portsFlag{&o.ports}, "ports", "NetGear Multi-Servers mode: bind `PORTS` (e.g. 5566,5567) and receive from one server on each at once; not with --port or --multiclient")
	fs.IntVar(&o.pattern, "pattern", 1, "NetGear pattern: 0 (PAIR, NetGear's default: one server), 1 (REQ/REP) or 2 (PUB/SUB); must match the server")
	fs.BoolVar(&o.bidirectional, "bidirectional", false, "NetGear bidirectional mode: print the server's message (pattern 0 or 1)")
	fs.BoolVar(&o.multiClient, "multiclient", true, "NetGear multi-client mode (picam-client speaks it unless --ports or --pattern 0; the flag exists for NetGear's mode checks)")
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
	fs.StringVar(&o.rawColorspace, "raw-colorspace", "BGR", "colour order of raw (uncompressed) 3- and 4-channel NetGear frames: BGR (OpenCV's, NetGear's usual) or RGB; NetGear's header does not say")
	fs.IntVar(&o.maxRetries, "max-retries", netgearMaxRetries, "patterns 0 and 1: give up (exit 3) after `N` waits of 3 × --request-timeout with no message, counted over the whole run as NetGear counts them; 0 = never. Off unless this flag or --request-timeout is given (by default picam-client waits for the server for ever); then N is NetGear's max_retries")
	cli.SecondsVar(fs, &o.requestTimeout, "request-timeout", 0, "patterns 0 and 1, NetGear's request_timeout in `SECONDS` (or a duration: 1.5s, 500ms); NetGear's default is 4 and it ignores less, picam-client does not. One wait for a message lasts 3 × this; see --max-retries")
	cli.SecondsVar(fs, &o.subscriberTimeout, "subscriber-timeout", 0, "pattern 2, NetGear's subscriber_timeout in `SECONDS` (or a duration): give up (exit 3) after this long with no message, before the first frame too. Unset (the default): wait for the server for ever")
	o.sec.register(fs)
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit")
	cli.RegisterAliases(fs, "bidirectional-mode", "custom-cert-location")
	if err := cli.Parse(fs, joinViewArg(args)); err != nil {
		return nil, err
	}
	if o.showVersion {
		return o, nil
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: every option is a --flag (see --help)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "multiclient":
			o.multiClientSet = true
		case "max-retries", "request-timeout":
			o.netgearRetrySet = true
		case "timeout":
			o.timeoutSet = true
		}
	})
	if o.multiServer() || o.pattern == 0 {
		// Multi-client mode is picam-client's default, so only an explicit --multiclient
		// collides with --ports or pattern 0 (NetGear's error comes from stream.Listen).
		o.multiClient = o.multiClientSet && o.multiClient
	}
	if o.pattern == 0 && !o.multiClient && !o.multiServer() && o.port == 0 {
		o.port = 5555 // NetGear's receiver binds port 5555 unless told otherwise
	}
	if (o.ret != "" || o.retStdin) && o.pattern == 2 {
		return nil, errors.New("--return and --return-stdin need pattern 1 (or 0 with --bidirectional): clients cannot send data back in pattern 2 (PUB/SUB)")
	}
	if (o.ret != "" || o.retStdin) && o.pattern == 0 && !o.bidirectional {
		return nil, errors.New("--return and --return-stdin in pattern 0 need --bidirectional: a NetGear pattern-0 client sends data back only in bidirectional mode")
	}
	if o.record != "" {
		if _, err := record.FormatOf(o.record); err != nil {
			return nil, err
		}
	}
	if o.output != "" && len(o.ports) > 1 {
		return nil, errors.New("--output carries one camera's stream: use --port, or --record to write each camera of --ports to its own file")
	}
	switch strings.ToUpper(o.rawColorspace) {
	case "BGR", "BGRA", "BGRX":
		o.rawColorspace = "BGR"
	case "RGB", "RGBA", "RGBX":
		o.rawColorspace = "RGB"
	default:
		return nil, fmt.Errorf("--raw-colorspace %q: use BGR or RGB", o.rawColorspace)
	}
	if o.maxRetries < 0 {
		return nil, fmt.Errorf("--max-retries %d: use 0 or more (0 = never give up)", o.maxRetries)
	}
	if o.netgearRetrySet && o.pattern == 2 {
		return nil, errors.New("--max-retries and --request-timeout apply to patterns 0 and 1 (NetGear ignores them in pattern 2): use --subscriber-timeout with --pattern 2")
	}
	if o.subscriberTimeout > 0 && o.pattern != 2 {
		return nil, errors.New("--subscriber-timeout applies to pattern 2 (NetGear ignores it otherwise): use --max-retries and --request-timeout with patterns 0 and 1")
	}
	if o.jpegQuality < 1 || o.jpegQuality > 100 {
		return nil, fmt.Errorf("--jpeg-quality %d: use 1-100", o.jpegQuality)
	}
	if err := o.sec.check(); err != nil {
		return nil, err
	}
	return o, nil
}
