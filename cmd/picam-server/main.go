// Command picam-server captures frames (the test pattern when no camera is given), encodes them
// once and streams them to many clients at once over ZeroMQ, speaking VidGear NetGear's
// Multi-Clients wire protocol: Python programs using vidgear.gears.NetGear receive from it
// unchanged, and so does picam-client.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/hw/camera"
	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/internal/conf"
	"github.com/picam-project/picam/internal/version"
	"github.com/picam-project/picam/publish"
	"github.com/picam-project/picam/stream"
	"github.com/picam-project/picam/stream/wire"
	"github.com/picam-project/picam/web"
)

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usageHead = `picam-server streams a camera to many clients at once, wire-compatible with
VidGear NetGear's Multi-Clients mode (patterns 1 REQ/REP and 2 PUB/SUB), its default mode
(pattern 0 PAIR, one client) and its Multi-Servers mode (--multiserver).

Clients bind, the server connects (as in NetGear): start clients on their ports, then
  picam-server --address 127.0.0.1 --ports 5577,5578 --pattern 2
Clients on different machines:
  picam-server --client 192.168.1.20:5577 --client 192.168.1.21:5577 --pattern 1
One client in NetGear's default mode (pattern 0, PAIR; NetGear(receive_mode=True) binds *:5555):
  picam-server --pattern 0                            (connects to localhost:5555)
One of several servers feeding a NetGear multiserver_mode client (it binds 5566,5567,...):
  picam-server --multiserver --address 127.0.0.1 --ports 5566 --pattern 1
Only RTSP players (VLC, ffplay, an NVR), no NetGear client:
  picam-server --codec jpeg --rtsp :8554              (rtsp://HOST:8554/cam)
A browser (a phone on the LAN) over WebRTC, no NetGear client:
  picam-server --codec h264 --http 0.0.0.0:8080 --http-token-file FILE   (http://HOST:8080/?token=TOKEN once)
Found by name (mDNS: answers NAME.local, advertises _rtsp._tcp and _http._tcp to players):
  picam-server --codec jpeg --rtsp :8554 --mdns       (rtsp://HOSTNAME.local:8554/cam)
H.264 for picam clients (NetGear clients decode only jpeg and raw):
  picam-server --codec h264 --address 127.0.0.1 --ports 5577 --pattern 2
  picam-server --source v4l2:/dev/video0 --codec h264 --encoder hardware --encoder-device /dev/video11 ...
Secure mode (NetGear's secure_mode, CURVE): make a key set, copy it to every client, and run
  picam-server keys --out DIR
  picam-server --secure-mode 2 --cert-dir DIR --ports 5577 ...

Exit status: 0 after a clean stop, 1 on a runtime failure, 2 on bad usage.

Flags:
`

// options are the parsed command line.
type options struct {
	address       string
	ports         string
	clients       cli.StringList
	pattern       int
	bidirectional bool
	multiServer   bool
	message       string
	delivery      string
	wait          string
	source        string
	resolution    string
	framerate     float64
	enc           encoderOptions
	jpegQuality   int
	jpegFastDCT   bool
	frames        uint64
	httpAddr      string
	jsonOut       bool
	logLevel      string
	reqTimeout    time.Duration
	statusLEDs    string
	statusGPIO    string
	buttonGPIO    string
	configPath    string
	strictConfig  bool
	sec           secureOptions
	httpAuth      httpAuthOptions
	rtsp          rtspOptions
	webrtc        bool
	publish       publishOptions
	mdns          mdnsOptions
	// cam holds the PiGear camera options (--hflip, --iso, ... and --option key=value).
	cam          camera.Options
	camKV        cli.StringList
	listDevices  bool
	listControls string
	showVersion  bool
	// configErr is set when --config could not be applied; the options then hold the command
	// line and defaults only.
	configErr error
}

// parseFlags parses the command line, then the --config file (picam.conf) under it: the command
// line wins. A config file with errors is reported in configErr and ignored as a whole, so a
// bad edit on the SD card can never stop the appliance from starting.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o, fs, err := parseArgs(args, stderr)
	if err != nil || o.configPath == "" {
		return o, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[cli.Canonical(fs, f.Name)] = true })
	if cerr := conf.Load(o.configPath, fs, set); cerr != nil {
		o, _, _ = parseArgs(args, stderr)
		o.configErr = cerr
	}
	return o, nil
}

// confAsksStrict reports whether a settings file that failed to apply says strict-config =
// true itself: the file is ignored as a whole, but not that wish (its first conf.MaxFileSize
// bytes are looked at, as confAsksSecure does).
func confAsksStrict(path string) bool {
	settings, _ := conf.ReadFile(path)
	strict := false
	for _, st := range settings {
		if st.Key == "strict-config" {
			strict, _ = strconv.ParseBool(st.Value)
		}
	}
	return strict
}

// applyCameraOptions applies the --option key=value pairs after the config file, so the command
// line wins; invalid keys or values are usage errors that list the valid values. intra and
// quality are encoder settings: --option intra=N is --intra N (--keyframe-interval), and
// --option quality=N is --quality N (--jpeg-quality), as for the flags and picam.conf keys.
func (o *options) applyCameraOptions() error {
	for _, kv := range o.camKV {
		if err := o.cam.SetPair(kv); err != nil {
			return fmt.Errorf("--option %s: %w", kv, err)
		}
		switch k, _, _ := strings.Cut(kv, "="); strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_") {
		case "intra":
			o.enc.keyframe, o.cam.Intra = o.cam.Intra, 0
		case "quality":
			o.jpegQuality, o.cam.Quality = o.cam.Quality, 0
		}
	}
	return o.cam.Validate()
}

func parseArgs(args []string, stderr io.Writer) (*options, *flag.FlagSet, error) {
	o := &options{}
	fs := cli.NewFlagSet("picam-server", usageHead, stderr)
	fs.StringVar(&o.address, "address", "", "IP address the clients bound to, used with --ports (NetGear's address)")
	fs.StringVar(&o.ports, "ports", "", "comma-separated NetGear client ports at --address, e.g. 5577,5578 (not needed when --rtsp is the only output)")
	fs.Var(&o.clients, "client", "a client endpoint host:port (repeatable, or comma-separated), for clients on different machines")
	fs.IntVar(&o.pattern, "pattern", 1, "NetGear pattern: 0 (PAIR, NetGear's default: one client, by default at localhost:5555), 1 (REQ/REP, clients can send data back) or 2 (PUB/SUB)")
	fs.BoolVar(&o.bidirectional, "bidirectional", false, "NetGear bidirectional mode: send --message with every frame (pattern 0 or 1)")
	fs.BoolVar(&o.multiServer, "multiserver", false, "NetGear's multiserver_mode on the server side: feed one client that receives from several servers (a NetGear multiserver_mode client, or picam-client --ports); every frame carries \"port\": the client port (one --ports port or --client; pattern 1 or 2)")
	cli.TextVar(fs, &o.message, "message", "", "server message sent with every frame in bidirectional mode (JSON value, or plain text sent as a string)")
	fs.StringVar(&o.delivery, "delivery", "broadcast", "broadcast (every client gets every frame it can keep up with) or round-robin (NetGear-exact: one client per frame)")
	fs.StringVar(&o.wait, "wait", "all", "start transmitting to the NetGear clients when all, any, or N of them are connected (RTSP and MJPEG viewers are served at once)")
	fs.StringVar(&o.source, "source", "auto", "frame source: auto (a camera if found, else the test pattern), v4l2:/dev/videoN (legacy Pi camera, USB webcam, vivid), rpicam (rpicam-vid helper: Camera Module 3, Pi 5), testsrc (moving test pattern; testsrc:YUYV, testsrc:NV12 or testsrc:I420 delivers it in that format only, like a camera, so raw frames are converted to BGR as a camera's are), testcard (one still test-pattern frame encoded once and repeated, for benchmarks: no rendering or encoding per frame; with --framerate 0 it sends as fast as the fastest client takes frames)")
	fs.StringVar(&o.resolution, "resolution", "640x480", "frame size WIDTHxHEIGHT")
	fs.Float64Var(&o.framerate, "framerate", 30, "frames per second (0 = as fast as possible)")
	o.enc.register(fs)
	fs.IntVar(&o.jpegQuality, "jpeg-quality", 90, "JPEG quality 1-100, or 0 for NetGear's default, 90")
	fs.BoolVar(&o.jpegFastDCT, "jpeg-fastdct", true, "NetGear's jpeg_compression_fastdct: the JPEG header's dct flag, which makes NetGear receivers decode with the fast inverse DCT; "+
		"--jpeg-fastdct=false asks them for the accurate one (picam's own encoding does not change: the pure-Go encoder always uses the fast floating-point AAN DCT, libjpeg-turbo builds its accurate integer one)")
	fs.Uint64Var(&o.frames, "frames", 0, "stop after N frames and terminate the clients (0 = run until Ctrl-C)")
	fs.StringVar(&o.httpAddr, "http", "", "serve /healthz, /api/clients and /metrics, the page at / that plays the camera in a browser (WebRTC with --codec h264, see --webrtc) and, with --codec jpeg, MJPEG at /stream.mjpg and /snapshot.jpg, on this address: PORT or :PORT binds 127.0.0.1; any non-loopback HOST:PORT needs --http-token-file")
	fs.BoolVar(&o.jsonOut, "json", false, "print a JSON summary line on stdout at exit")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	cli.SecondsVar(fs, &o.reqTimeout, "request-timeout", 4*time.Second, "pattern 1: how long to wait for a client's reply before reconnecting (NetGear's request_timeout; `seconds`, e.g. 4, or a duration such as 2.5s)")
	fs.StringVar(&o.statusLEDs, "status-led", "auto", "status LEDs, comma-separated: auto (the board's ACT/PWR LEDs), an LED name under /sys/class/leds (ACT, led0), a GPIO line (GPIO17), none; a leading ! inverts one")
	fs.StringVar(&o.statusGPIO, "status-gpio", "", "an external status LED on this GPIO line, e.g. GPIO17 (added to --status-led)")
	fs.StringVar(&o.buttonGPIO, "button-gpio", "", "a push button on this GPIO line to GND, e.g. GPIO27: short press pauses/resumes, hold 3 s to stop (off by default)")
	o.sec.register(fs)
	o.httpAuth.register(fs)
	o.rtsp.register(fs)
	fs.BoolVar(&o.webrtc, "webrtc", true, "with --http: WebRTC (WHEP at POST /whep) for the page at /, which plays the camera in a browser (http://HOST:PORT/); "+
		"needs --codec h264 (sent as encoded; host ICE candidates only, so the browser must reach this machine directly: a LAN); with --codec jpeg the page plays /stream.mjpg instead; --webrtc=false turns /whep off")
	o.publish.register(fs)
	o.mdns.register(fs)
	o.cam.RegisterFlags(fs, "resolution", "framerate", "bitrate", "intra", "quality")
	fs.Var(&o.camKV, "option", "camera option as PiGear key=value, repeatable: --option iso=400 --option awb_mode=sunlight")
	fs.BoolVar(&o.cam.Strict, "strict", false, "fail when the camera cannot honour a setting (default: warn)")
	fs.BoolVar(&o.listDevices, "list-devices", false, "print the cameras with their formats, sizes and rates, then exit")
	fs.Var(listControlsFlag{&o.listControls}, "list-controls", "print the --source camera's controls with current values and ranges, or those of the device given (--list-controls /dev/video0), then exit")
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit")
	fs.StringVar(&o.configPath, "config", "", "settings file (picam.conf: key = value lines, keys are these flag names, at most 64 KiB); the command line wins; a file with errors, missing, too large or not a regular file is ignored as a whole, logged, and shown on the LED")
	fs.BoolVar(&o.strictConfig, "strict-config", false, "exit with status 2 when the --config file is missing or has errors, instead of running on the command line and defaults (the appliance's behaviour: a bad edit never stops the camera); strict-config = true in the file itself counts too")
	cli.RegisterAliases(fs)
	if err := cli.Parse(fs, joinListControlsArg(args)); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q: every option is a --flag (see --help)", fs.Arg(0))
	}
	return o, fs, nil
}

// statusConfig turns the LED and button flags into the status panel's configuration.
func (o *options) statusConfig(log *slog.Logger) status.Config {
	var leds cli.StringList
	leds.Set(o.statusLEDs)
	if o.statusGPIO != "" {
		leds = append(leds, o.statusGPIO)
	}
	return status.Config{LEDs: leds, Button: o.buttonGPIO, Logger: log}
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "keys" {
		return runKeys(args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if code, done := cli.Early("picam-server", err, err == nil && o.showVersion, stdout, stderr); done {
		return code
	}
	log, err := cli.NewLogger(stderr, o.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitUsage
	}
	log.Info("picam-server", "version", version.Get().String())
	if o.configErr != nil && (o.strictConfig || confAsksStrict(o.configPath)) {
		log.Error("the settings file is refused (--strict-config): fix it, or leave --strict-config out to run on the command line and defaults", "err", o.configErr)
		return cli.ExitUsage
	}
	if o.configErr != nil {
		log.Error("the settings file is ignored; running on the command line and defaults (--strict-config exits instead)", "err", o.configErr)
	}
	if err := o.applyCameraOptions(); err != nil {
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitUsage
	}
	if o.listDevices || o.listControls != "" {
		var err error
		if o.listDevices {
			err = camera.ListDevices(stdout)
		} else {
			err = o.listControlsTo(context.Background(), stdout, log)
		}
		if err != nil {
			fmt.Fprintln(stderr, "picam-server:", explain(err))
			return cli.ExitFailure
		}
		return cli.ExitOK
	}
	if o.configErr != nil && confAsksSecure(o.configPath) {
		fmt.Fprintln(stderr, "picam-server: the settings file asks for secure mode but has errors; refusing to start rather than stream in plaintext:", o.configErr)
		return cli.ExitUsage
	}
	httpBind, httpAuth, err := o.httpAuth.prepare(o.httpAddr, log)
	if err != nil && o.httpAddr != "" {
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitUsage
	}
	cfg, pl, err := o.build(log)
	if err != nil {
		fmt.Fprintln(stderr, "picam-server:", explain(err))
		return cli.ExitUsage
	}
	defer pl.close()
	rtspSrv, err := o.rtsp.prepare(pl.sel.Codec, pl.hub, log)
	if err != nil {
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitUsage
	}
	pubOut, err := o.publish.prepare(pl.sel.Codec, pl.fps, pl.hub, log)
	if err != nil {
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitUsage
	}
	mdnsName, err := o.mdns.prepare()
	if err != nil {
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitUsage
	}
	if cfg.Curve, _, err = o.sec.handshaker(log); err != nil {
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	panel, err := status.Open(ctx, o.statusConfig(log))
	if err != nil {
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitUsage
	}
	defer panel.Close()
	if o.configErr != nil {
		panel.Set(status.Fault, 0)
	}

	cfg.CloseTimeout = 3 * time.Second // what a client that is still there gets to take the terminate
	cfg.RefusalHint = fmt.Sprintf("Stream jpeg or raw to NetGear clients (picam-server --codec jpeg), or receive %s with picam-client", pl.sel.Codec)
	srv, err := stream.NewServer(cfg)
	if err != nil {
		msg := explain(err)
		if errors.Is(err, stream.ErrPorts) && len(cfg.Ports) == 0 && len(cfg.Endpoints) == 0 && !cfg.MultiServer {
			msg += "; or, with no NetGear client at all (VLC, ffplay, an NVR), serve RTSP: --rtsp ADDR (e.g. --rtsp :8554), a browser: --http ADDR with --codec h264 or jpeg, or publish to a relay: --publish URL"
		}
		fmt.Fprintln(stderr, "picam-server:", msg)
		return cli.ExitUsage
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitFailure
	}
	if err := setMessage(srv, o.message); err != nil {
		srv.Close()
		fmt.Fprintln(stderr, "picam-server:", err)
		return cli.ExitUsage
	}
	// The RTSP server lives until the pipeline stops (a signal, or --frames reached).
	rtspCtx, stopRTSP := context.WithCancel(ctx)
	defer stopRTSP()
	var rtspOut *rtspOutput
	if rtspSrv != nil {
		if rtspOut, err = startRTSP(rtspCtx, rtspSrv, o.rtsp.addr, log); err != nil {
			srv.Close()
			fmt.Fprintln(stderr, "picam-server:", err)
			return cli.ExitFailure
		}
		defer rtspOut.wait()
	}
	pubOut.start(rtspCtx) // --publish: ends with the RTSP server, when the pipeline stops
	defer pubOut.wait()
	if o.httpAddr != "" {
		var wr *web.Server // WebRTC: its peers are fan-out consumers (web/)
		if o.webrtc {
			if wr, err = web.New(web.Config{Hub: pl.hub, Codec: pl.sel.Codec, RequestKeyframe: pl.requestKeyframe, Logger: log}); err != nil {
				srv.Close()
				fmt.Fprintln(stderr, "picam-server:", err)
				return cli.ExitFailure
			}
			defer wr.Close()
		}
		hs, err := startHTTP(ctx, httpBind, httpAuth, srv, pl.sel, rtspOut, newMJPEG(pl.sel.Codec, pl.hub, log), wr, pubOut, panel.State, log)
		if err != nil {
			srv.Close()
			fmt.Fprintln(stderr, "picam-server:", err)
			return cli.ExitFailure
		}
		defer hs.Close()
	}
	if mdnsName != "" {
		var rtspAddr string
		if rtspOut != nil {
			rtspAddr = rtspOut.addr
		}
		if o.httpAddr == "" {
			httpBind = ""
		}
		resp, err := startMDNS(ctx, mdnsName, rtspAddr, o.rtsp.path, httpBind, log)
		if err != nil {
			srv.Close()
			fmt.Fprintln(stderr, "picam-server:", err)
			return cli.ExitFailure
		}
		defer resp.Close()
	}
	repliesDone := make(chan struct{})
	printCtx, stopPrint := context.WithCancel(context.Background())
	go func() {
		defer close(repliesDone)
		printReplies(printCtx, srv, stdout)
	}()

	log.Info("picam-server started", "pattern", o.pattern, "clients", len(srv.Clients()), "codec", pl.sel.Codec, "encoder", pl.sel.Impl,
		"resolution", o.resolution, "framerate", o.framerate, "delivery", cfg.Delivery.String(), "wait", cfg.Wait.String(), "secure", cfg.Curve != nil)
	panelCtx, stopPanel := context.WithCancel(ctx)
	panelDone := make(chan struct{})
	go func() {
		defer close(panelDone)
		if o.configErr != nil {
			// Show the fault for a while before the normal states take over.
			select {
			case <-time.After(10 * time.Second):
			case <-panelCtx.Done():
				return
			}
		}
		runPanel(panelCtx, panel, srv, rtspOut, pubOut, &pl.paused, stop, log)
	}()
	runErr := pl.run(ctx, srv, o.frames, log)
	rtspAtEnd := rtspOut.sessions() // for --json: stopping ends them
	stopRTSP()
	rtspOut.wait()
	pubOut.wait()
	stopPanel()
	<-panelDone
	panel.Set(status.Stopping, 0)

	if err := srv.Close(); err != nil {
		log.Warn("some clients did not take the terminate in time", "err", err)
	}
	stopPrint()
	<-repliesDone
	if o.jsonOut {
		writeSummary(stdout, srv, pl.sel, rtspAtEnd)
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		log.Error("stopped on error", "err", runErr)
		return cli.ExitFailure
	}
	log.Info("picam-server stopped", "frames", srv.FramesSent())
	return cli.ExitOK
}

// printReplies prints clients' returned data as NetGear's example does.
func printReplies(ctx context.Context, srv *stream.Server, w io.Writer) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-srv.Replies():
			if r.ReturnType == "NoneType" || r.Plain {
				continue // no data, or a plain client's per-frame acknowledgement
			}
			// Escaped and cut (wire.Printable): a client cannot write control sequences or
			// lines of its own to the operator's terminal, nor more than a line per reply.
			fmt.Fprintf(w, "Client at port %d said: %s\n", r.Port, r.Show(wire.MaxPrintable))
		}
	}
}

// summary is the --json line.
type summary struct {
	FramesSent uint64                `json:"frames_sent"`
	Codec      string                `json:"codec"`
	Engine     string                `json:"engine"`
	Encoder    string                `json:"encoder"` // the implementation: "pure Go", "openh264", "vicodec /dev/video1", …
	Clients    []stream.ClientStatus `json:"clients"`
	RTSP       []rtspSession         `json:"rtsp,omitempty"`   // the RTSP sessions (--rtsp), next to the NetGear clients
	MJPEG      []mjpegClient         `json:"mjpeg,omitempty"`  // the /stream.mjpg viewers (--http; /api/clients only)
	WebRTC     []web.PeerInfo        `json:"webrtc,omitempty"` // the WebRTC (WHEP) peers (--http; /api/clients only)

	// Publish is the --publish relays (/api/clients only).
	Publish []publish.Status `json:"publish,omitempty"`
}

// makeSummary is what both the --json exit line and GET /api/clients report.
func makeSummary(srv *stream.Server, sel codec.Selection, rtspSessions []rtspSession, viewers []mjpegClient, peers []web.PeerInfo) summary {
	return summary{FramesSent: srv.FramesSent(), Codec: string(sel.Codec), Engine: string(sel.Engine), Encoder: sel.Impl,
		Clients: srv.Clients(), RTSP: rtspSessions, MJPEG: viewers, WebRTC: peers}
}

func writeSummary(w io.Writer, srv *stream.Server, sel codec.Selection, rtspSessions []rtspSession) {
	b, _ := json.Marshal(makeSummary(srv, sel, rtspSessions, nil, nil))
	fmt.Fprintln(w, string(b))
}

// explain is err in the command's words. The libraries name their own fields and inputs; a
// stream.ConfigError names the fields of stream.ServerConfig, which are this command's flags,
// and a missing rpicam-vid gets the flag that picks another camera.
func explain(err error) string {
	if errors.Is(err, camera.ErrRpicamNotFound) {
		return err.Error() + " (--source v4l2:/dev/video0)"
	}
	var ce *stream.ConfigError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	return ce.Render(func(field string) string {
		switch field {
		case "Ports":
			return "--ports"
		case "Endpoints":
			return "--client"
		case "Address":
			return "--address"
		case "MultiServer":
			return "--multiserver"
		}
		return field
	})
}
