// Command picam-client receives frames from picam-server or from a Python VidGear NetGear server
// in Multi-Clients mode: it binds its port (NetGear's client side), answers in pattern 1 with
// optional return data, reports statistics and exits when the server terminates or goes away.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/stream"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usageHead = `picam-client receives a picam-server or VidGear NetGear stream (Multi-Clients mode).
It binds --port on --address and waits for the server to connect, as a NetGear client does:
  picam-client --address 127.0.0.1 --port 5577 --pattern 2
  picam-client --port 5577 --pattern 1 --return "frame {n} ok"

Exit status: 0 after the server's terminate or --frames, 3 when the server went away
(no message for --timeout), 2 on bad usage, 1 on other failures.

Flags:
`

type options struct {
	address       string
	port          int
	pattern       int
	bidirectional bool
	multiClient   bool
	ret           string
	frames        uint64
	timeout       time.Duration
	waitLimit     time.Duration
	jsonOut       bool
	statsEvery    time.Duration
	logLevel      string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("picam-client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHead)
		cli.PrintFlags(fs, stderr)
	}
	fs.StringVar(&o.address, "address", "*", "local address to bind (* = all interfaces); the server's --address must reach it")
	fs.IntVar(&o.port, "port", 0, "port to bind; each client of one server needs its own (required)")
	fs.IntVar(&o.pattern, "pattern", 1, "NetGear pattern: 1 (REQ/REP) or 2 (PUB/SUB); must match the server")
	fs.BoolVar(&o.bidirectional, "bidirectional", false, "NetGear bidirectional mode: print the server's message (pattern 1 only)")
	fs.BoolVar(&o.multiClient, "multiclient", true, "NetGear multi-client mode (picam-client always speaks it; the flag exists for NetGear's mode checks)")
	fs.StringVar(&o.ret, "return", "", "pattern 1: data sent back with each reply; {n} is replaced by the frame count (JSON values are sent as JSON, other text as a string)")
	fs.Uint64Var(&o.frames, "frames", 0, "exit 0 after N frames (0 = until the server stops)")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Second, "exit 3 when a server, once heard, sends nothing for this long")
	fs.DurationVar(&o.waitLimit, "wait-limit", 0, "exit 3 if no server connects within this time (0 = wait for ever)")
	fs.BoolVar(&o.jsonOut, "json", false, "print a JSON summary line on stdout at exit")
	fs.DurationVar(&o.statsEvery, "stats", time.Second, "log a statistics line this often (0 = never)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: every option is a --flag (see --help)", fs.Arg(0))
	}
	if o.ret != "" && o.pattern != 1 {
		return nil, errors.New("--return needs pattern 1: clients cannot send data back in pattern 2 (PUB/SUB)")
	}
	return o, nil
}

// summary is the --json line.
type summary struct {
	Port         int       `json:"port"`
	Frames       uint64    `json:"frames"`
	FPS          float64   `json:"fps"`
	Bytes        uint64    `json:"bytes"`
	Latency      *latency  `json:"latency_ms"`
	Messages     []string  `json:"messages"`
	DecodeErrors uint64    `json:"decode_errors"`
	MissingParts uint64    `json:"missing_parts"`
	Dropped      uint64    `json:"dropped"`
	Rejected     uint64    `json:"rejected_connections"`
	Exit         string    `json:"exit"`
	Shapes       []string  `json:"shapes"`
	Codecs       []string  `json:"codecs"`
	FirstSeq     *uint64   `json:"first_seq,omitempty"`
	LastSeq      *uint64   `json:"last_seq,omitempty"`
	Started      time.Time `json:"-"`
}

type latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return cli.ExitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "picam-client:", err)
		return cli.ExitUsage
	}
	log, err := cli.NewLogger(stderr, o.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "picam-client:", err)
		return cli.ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c, err := stream.Listen(ctx, stream.ClientConfig{
		Address: o.address, Port: o.port, Pattern: stream.Pattern(o.pattern), Bidirectional: o.bidirectional,
		MultiClient: o.multiClient, Timeout: o.timeout, WaitLimit: o.waitLimit, Logger: log,
	})
	var ce *stream.ConfigError
	if errors.As(err, &ce) {
		fmt.Fprintln(stderr, "picam-client:", err)
		return cli.ExitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "picam-client:", err)
		return cli.ExitFailure
	}
	defer c.Close()
	log.Info("picam-client listening", "addr", c.Addrs()[0].String(), "pattern", o.pattern)

	rc := &receiver{o: o, c: c, log: log, sum: summary{Port: o.port}}
	code := rc.loop(ctx)
	if o.jsonOut {
		b, _ := json.Marshal(rc.finish())
		fmt.Fprintln(stdout, string(b))
	}
	return code
}

// receiver is the receive loop's state.
type receiver struct {
	o         *options
	c         *stream.Client
	log       *slog.Logger
	sum       summary
	lat       []float64
	first     time.Time
	last      time.Time
	lastStats time.Time
	statFr    uint64
	statBy    uint64
}

func (r *receiver) loop(ctx context.Context) int {
	r.lastStats = time.Now()
	for {
		f, err := r.c.Recv(ctx)
		switch {
		case errors.Is(err, stream.ErrTerminated):
			r.sum.Exit = "terminate"
			r.log.Info("server terminated the stream", "frames", r.sum.Frames)
			return cli.ExitOK
		case errors.Is(err, stream.ErrServerGone), errors.Is(err, stream.ErrNoServer):
			r.sum.Exit = "server-gone"
			if errors.Is(err, stream.ErrNoServer) {
				r.sum.Exit = "no-server"
			}
			r.log.Warn("giving up", "reason", err, "frames", r.sum.Frames)
			return cli.ExitServerGone
		case errors.Is(err, context.Canceled):
			r.sum.Exit = "interrupted"
			return cli.ExitOK
		case err != nil:
			r.sum.Exit = "error"
			r.log.Error("receive failed", "err", err)
			return cli.ExitFailure
		}
		r.account(f)
		f.Release()
		if r.o.ret != "" {
			r.c.SetReturn(returnValue(r.o.ret, r.sum.Frames))
		}
		if r.o.frames > 0 && r.sum.Frames >= r.o.frames {
			r.sum.Exit = "frames"
			return cli.ExitOK
		}
	}
}

func (r *receiver) account(f *stream.Frame) {
	now := time.Now()
	if r.sum.Frames == 0 {
		r.first = now
	}
	r.last = now
	r.sum.Frames++
	r.sum.Bytes += uint64(len(f.Payload))
	h := &f.Header
	shape := "jpeg"
	if h.Compression != nil {
		if _, err := jpeg.DecodeConfig(bytes.NewReader(f.Payload)); err != nil {
			r.sum.DecodeErrors++
			r.log.Warn("JPEG payload does not decode", "err", err)
		}
	} else {
		shape = fmt.Sprint(h.Shape)
	}
	if !slices.Contains(r.sum.Shapes, shape) && len(r.sum.Shapes) < 10 {
		r.sum.Shapes = append(r.sum.Shapes, shape)
	}
	if h.Picam != nil {
		if !slices.Contains(r.sum.Codecs, h.Picam.Codec) && len(r.sum.Codecs) < 10 {
			r.sum.Codecs = append(r.sum.Codecs, h.Picam.Codec)
		}
		seq := h.Picam.Seq
		if r.sum.FirstSeq == nil {
			r.sum.FirstSeq = &seq
		}
		r.sum.LastSeq = &seq
		if h.Picam.TimeUS > 0 && len(r.lat) < 1_000_000 {
			r.lat = append(r.lat, float64(now.UnixMicro()-h.Picam.TimeUS)/1000)
		}
	}
	if r.o.bidirectional && len(h.Message) > 0 {
		msg := string(h.Message)
		if !slices.Contains(r.sum.Messages, msg) && len(r.sum.Messages) < 20 {
			r.sum.Messages = append(r.sum.Messages, msg)
			r.log.Info("server message", "message", msg)
		}
	}
	r.statFr++
	r.statBy += uint64(len(f.Payload))
	if r.o.statsEvery > 0 && now.Sub(r.lastStats) >= r.o.statsEvery {
		secs := now.Sub(r.lastStats).Seconds()
		r.log.Info("receiving", "port", r.o.port, "fps", round1(float64(r.statFr)/secs),
			"MB/s", round1(float64(r.statBy)/secs/1e6), "frames", r.sum.Frames, "dropped", r.c.Stats().Dropped)
		r.lastStats, r.statFr, r.statBy = now, 0, 0
	}
}

func (r *receiver) finish() summary {
	st := r.c.Stats()
	s := r.sum
	s.DecodeErrors += st.DecodeErrors
	s.MissingParts, s.Dropped, s.Rejected = st.MissingParts, st.Dropped, st.Rejected
	if s.Frames > 1 {
		if d := r.last.Sub(r.first).Seconds(); d > 0 {
			s.FPS = round1(float64(s.Frames-1) / d)
		}
	}
	if len(r.lat) > 0 {
		slices.Sort(r.lat)
		s.Latency = &latency{P50: round2(pct(r.lat, 0.50)), P99: round2(pct(r.lat, 0.99))}
	}
	if s.Messages == nil {
		s.Messages = []string{}
	}
	return s
}

func pct(sorted []float64, p float64) float64 {
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// returnValue expands {n} and sends JSON values as they are, other text as a JSON string.
func returnValue(tmpl string, n uint64) json.RawMessage {
	s := strings.ReplaceAll(tmpl, "{n}", strconv.FormatUint(n, 10))
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}
