// Command picam-client receives frames from picam-server or from a Python VidGear NetGear server
// in Multi-Clients mode, or from several servers at once in NetGear's Multi-Servers mode: it
// binds its port(s) (NetGear's client side), answers in pattern 1 with optional return data
// (from --return or lines on standard input), and shows the video in a browser (--view),
// records it (--record), pipes it to a player (--output -), reports a live status line and
// exits when the server terminates or goes away.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/picam-project/picam/cmd/picam-client/record"
	"github.com/picam-project/picam/cmd/picam-client/viewer"
	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/internal/version"
	"github.com/picam-project/picam/stream"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "update" {
		return runUpdate(args[1:], stdout, stderr) // update.go
	}
	tuneMemory()
	o, err := parseFlags(args, stderr)
	if code, done := cli.Early("picam-client", err, err == nil && o.showVersion, stdout, stderr); done {
		return code
	}
	con := newConsole(stderr)
	log, err := cli.NewLogger(con, o.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "picam-client:", err)
		return cli.ExitUsage
	}
	log = slog.New(newRefusalHints(log.Handler()))
	log.Debug("picam-client", "version", version.Get().String())
	secure, err := o.sec.handshaker(log)
	if err != nil {
		fmt.Fprintln(stderr, "picam-client:", err)
		return cli.ExitUsage
	}
	// When stdout carries video, everything else (the --json line too) goes to stderr.
	jsonOut := stdout
	if o.output == "-" {
		jsonOut = con
		// A player that quits must end the client cleanly, not kill it: with SIGPIPE
		// notified, a write to the closed stdout fails with EPIPE instead (see os/signal).
		sigpipe := make(chan os.Signal, 1)
		signal.Notify(sigpipe, syscall.SIGPIPE)
		defer signal.Stop(sigpipe)
	}

	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// An output failure (disk full, the player quit) ends the receive loop through this cause.
	ctx, fail := context.WithCancelCause(sigCtx)
	defer fail(nil)

	timeout := o.timeout
	if (o.netgearRetrySet || o.subscriberTimeout > 0) && !o.timeoutSet {
		// NetGear's options decide when to give up (see giveUp), not picam's shorter default.
		timeout = noTimeout
	}
	c, err := stream.NewClient(stream.ClientConfig{
		Address: o.address, Port: o.port, Ports: o.ports, Pattern: stream.Pattern(o.pattern), Bidirectional: o.bidirectional,
		MultiClient: o.multiClient, Timeout: timeout, WaitLimit: o.waitLimit, Logger: log, Curve: secure,
	})
	if err == nil {
		err = c.Start() // a port that cannot be bound: exit 1, below
	}
	var ce *stream.ConfigError
	if errors.As(err, &ce) {
		// The fields of stream.ClientConfig it names are this command's flags.
		fmt.Fprintln(stderr, "picam-client:", ce.Render(func(field string) string {
			return "--" + strings.ToLower(field) // Port, Ports, Address
		}))
		return cli.ExitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "picam-client:", err)
		return cli.ExitFailure
	}
	defer c.Close()
	addrs := make([]string, len(c.Addrs()))
	for i, a := range c.Addrs() {
		addrs[i] = a.String()
	}
	log.Info("picam-client listening", "addr", strings.Join(addrs, ","), "pattern", o.pattern, "multiserver", o.multiServer())

	rc := newReceiver(o, c, log)

	outs, err := openOutputs(o, stdout, log, fail)
	if err != nil {
		fmt.Fprintln(stderr, "picam-client:", err)
		return cli.ExitFailure
	}
	rc.outputs = outs
	stopOutputs := sync.OnceFunc(func() {
		for _, out := range outs {
			out.stop()
		}
	})
	defer stopOutputs()

	if o.view != "" {
		v, stopView, err := startViewer(o.view, o, rc, log)
		if err != nil {
			fmt.Fprintln(stderr, "picam-client:", err)
			return cli.ExitFailure
		}
		defer stopView()
		rc.viewer = v
	}

	var wg sync.WaitGroup
	bg, stopBG := context.WithCancel(ctx)
	if o.retStdin {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := readLines(bg, stdin, rc.setReturnTemplate); err != nil {
				log.Warn("--return-stdin: standard input failed; the last line stays the return data", "err", err)
			} else if bg.Err() == nil {
				log.Debug("--return-stdin: standard input ended; the last line stays the return data")
			}
		}()
	}
	if o.statsEvery > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc.statusLoop(bg, con)
		}()
	}

	code := rc.loop(ctx)
	stopBG()
	wg.Wait()
	con.Finish()
	stopOutputs()
	sum := rc.finish()
	if o.jsonOut {
		b, _ := json.Marshal(sum)
		fmt.Fprintln(jsonOut, string(b))
	}
	if empty := rc.emptyOutputs(sum); len(empty) > 0 {
		for _, e := range empty {
			log.Error(e)
		}
		if code == cli.ExitOK {
			code = cli.ExitFailure
		}
	}
	return code
}

// noTimeout turns stream.ClientConfig's Timeout off: a hundred years.
const noTimeout = 100 * 365 * 24 * time.Hour

// openOutputs creates the recordings (one per camera) and the pipe. Files are created now, so
// a path that cannot be written fails before any frame arrives.
func openOutputs(o *options, stdout io.Writer, log *slog.Logger, fail func(error)) ([]*output, error) {
	var outs []*output
	ports := o.cameraPorts()
	if o.record != "" {
		for _, p := range ports {
			name := recordName(o.record, p, len(ports) > 1)
			w, err := record.Create(name)
			if err != nil {
				for _, out := range outs {
					out.stop()
				}
				return nil, fmt.Errorf("--record: %w", err)
			}
			outs = append(outs, startOutput(name, p, false, w, recordQueue, fail, log))
			log.Info("recording", "file", name, "port", p)
		}
	}
	if o.output != "" {
		var w record.Writer
		name := o.output
		if o.output == "-" {
			name = "stdout"
			w = record.NewElementary(stdout)
		} else {
			f, err := os.Create(o.output)
			if err != nil {
				for _, out := range outs {
					out.stop()
				}
				return nil, fmt.Errorf("--output: %w", err)
			}
			w = record.NewElementary(fileCloser{f})
		}
		outs = append(outs, startOutput(name, 0, true, w, pipeQueue, fail, log))
	}
	return outs, nil
}

// fileCloser makes NewElementary's writer close the file it writes: Close of an elementary
// writer on a plain io.Writer does not close it, so the file is wrapped.
type fileCloser struct{ *os.File }

// startViewer binds the viewer's address and serves it until the returned stop function runs.
func startViewer(addr string, o *options, rc *receiver, log *slog.Logger) (*viewer.Server, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("--view %s: %w (pick another address with --view=127.0.0.1:PORT)", addr, err)
	}
	v := viewer.New(viewer.Config{Ports: o.cameraPorts(), Status: rc.cameraStatus, Listener: ln, Logger: log})
	if err := v.Start(); err != nil {
		ln.Close()
		return nil, nil, err
	}
	log.Info("viewer: open this page in a browser", "url", "http://"+displayAddr(ln.Addr())+"/")
	return v, func() { _ = v.Close() }, nil
}

// displayAddr names a bound address as a browser can open it: a wildcard becomes 127.0.0.1.
func displayAddr(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok || !ta.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
}
