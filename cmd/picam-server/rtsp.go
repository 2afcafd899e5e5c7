package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/rtsp"
)

// rtspOptions are --rtsp and its companions: the RTSP output for VLC, ffplay, GStreamer and
// NVRs, fed from the same fan-out as the NetGear clients.
type rtspOptions struct {
	addr         string
	path         string
	user         string
	passwordFile string
}

func (r *rtspOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&r.addr, "rtsp", "", "serve RTSP (VLC, ffplay, GStreamer, Home Assistant, Frigate) on this address, e.g. :8554 (empty: off); "+
		"needs --codec jpeg or h264; loopback clients need no credentials, clients off loopback must give --rtsp-user and its password (Digest; they are refused without them)")
	fs.StringVar(&r.path, "rtsp-path", "/cam", "the RTSP stream's path: rtsp://HOST:PORT/cam")
	fs.StringVar(&r.user, "rtsp-user", "", "user name RTSP clients off loopback must give (Digest), with --rtsp-password-file")
	fs.StringVar(&r.passwordFile, "rtsp-password-file", "", "file holding the password for --rtsp-user (first line, at least 8 characters; chmod 600 it)")
}

// rtspOutput is the running RTSP server: its sessions are fan-out consumers.
type rtspOutput struct {
	srv  *rtsp.Server
	addr string // what it listens on
	done chan struct{}
	err  error // after done: why it stopped early (nil when ctx ended it)
}

// prepare validates the RTSP flags against the codec the pipeline makes and returns the
// server, not yet listening; nil when --rtsp is off. Its errors are usage errors.
func (r *rtspOptions) prepare(c av.Codec, hub *fanout.Hub, log *slog.Logger) (*rtsp.Server, error) {
	if r.addr == "" {
		if r.user != "" || r.passwordFile != "" {
			return nil, fmt.Errorf("--rtsp-user and --rtsp-password-file are for the RTSP output: add --rtsp ADDR (e.g. --rtsp :8554)")
		}
		return nil, nil
	}
	if c != av.H264 && c != av.JPEG {
		return nil, fmt.Errorf("--rtsp carries H.264 or JPEG, not %s: add --codec h264 or --codec jpeg", c)
	}
	if (r.user == "") != (r.passwordFile == "") {
		return nil, fmt.Errorf("give both --rtsp-user and --rtsp-password-file (clients off loopback need them), or neither (then only loopback clients are served)")
	}
	var password string
	user := r.user
	if r.passwordFile != "" {
		var err error
		password, err = loadRTSPPassword(r.passwordFile, log)
		if errors.Is(err, fs.ErrNotExist) {
			// As without credentials: loopback only. Not a usage error, so the appliance keeps
			// running until the user has written the file the SD card's picam.conf names.
			log.Warn("the RTSP password file does not exist: players off this machine are refused (401) until it does; write a password into it and restart",
				"file", r.passwordFile, "fix", "head -c 18 /dev/urandom | base64 > "+r.passwordFile)
			user, err = "", nil
		}
		if err != nil {
			return nil, err
		}
	} else if !rtspLoopbackOnly(r.addr) {
		log.Warn("--rtsp has no --rtsp-user and --rtsp-password-file: clients off loopback are refused (401)", "addr", r.addr)
	}
	return rtsp.New(rtsp.Config{
		// Each session is its own fan-out consumer: a new one gets a keyframe at once (the
		// hub asks the encoder), and a slow one only ever delays itself.
		Subscribe: func(name string) rtsp.Feed { return hub.Subscribe(name) },
		Path:      r.path,
		User:      user,
		Password:  password,
		Logger:    log,
	})
}

// rtspLoopbackOnly reports whether addr can only be reached from this machine.
func rtspLoopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadRTSPPassword reads the first line of the password file. It warns when others may read
// the file and never logs the password.
func loadRTSPPassword(path string, log *slog.Logger) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--rtsp-password-file: %w (write a password into it, e.g. head -c 18 /dev/urandom | base64 | tr '+/' '-_' > FILE; chmod 600 FILE)", err)
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimSpace(pw)
	if len(pw) < 8 {
		return "", fmt.Errorf("--rtsp-password-file %s: the password must be at least 8 characters (e.g. head -c 18 /dev/urandom | base64 | tr '+/' '-_' > FILE)", path)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the RTSP password file is readable by other users: chmod 600 it", "file", path, "mode", fi.Mode().Perm().String())
	}
	return pw, nil
}

// startRTSP listens on addr and serves until ctx ends; wait returns once every session is
// closed. A listen error is returned at once.
func startRTSP(ctx context.Context, srv *rtsp.Server, addr string, log *slog.Logger) (*rtspOutput, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--rtsp %s: %w", addr, err)
	}
	out := &rtspOutput{srv: srv, addr: ln.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(out.done)
		if out.err = srv.Serve(ctx, ln); out.err != nil {
			log.Error("rtsp server stopped", "err", out.err)
		}
	}()
	return out, nil
}

// wait blocks until the server has closed every session.
func (o *rtspOutput) wait() {
	if o != nil {
		<-o.done
	}
}

// rtspSession is one RTSP session in /api/clients and the --json line.
type rtspSession struct {
	Remote    string    `json:"remote"`
	Transport string    `json:"transport"` // "tcp" (interleaved) or "udp"
	State     string    `json:"state"`     // "playing", or "ready" (set up, or paused)
	Since     time.Time `json:"since"`
	Frames    uint64    `json:"frames_sent"`
	Bytes     uint64    `json:"bytes_sent"` // RTP payload bytes
	Skipped   uint64    `json:"skipped"`    // packets RTP could not carry
}

// sessions returns the RTSP sessions for /api/clients, oldest first (none when RTSP is off).
func (o *rtspOutput) sessions() []rtspSession {
	if o == nil {
		return nil
	}
	infos := o.srv.Sessions()
	slices.SortFunc(infos, func(a, b rtsp.SessionInfo) int { return a.Since.Compare(b.Since) })
	out := make([]rtspSession, 0, len(infos))
	for _, s := range infos {
		st := "ready"
		if s.Playing {
			st = "playing"
		}
		out = append(out, rtspSession{Remote: s.Remote, Transport: s.Transport, State: st, Since: s.Since,
			Frames: s.Frames, Bytes: s.Bytes, Skipped: s.Skipped})
	}
	return out
}

// playing counts the RTSP sessions playing (0 when RTSP is off).
func (o *rtspOutput) playing() int {
	if o == nil {
		return 0
	}
	n := 0
	for _, s := range o.srv.Sessions() {
		if s.Playing {
			n++
		}
	}
	return n
}

var (
	descRTSPSessions = prometheus.NewDesc("picam_rtsp_sessions", "RTSP sessions by transport and state.", []string{"transport", "state"}, nil)
	descRTSPFrames   = prometheus.NewDesc("picam_rtsp_session_frames_sent", "Pictures sent to the current RTSP sessions, summed (a gauge: a session that ends takes its count with it).", nil, nil)
	descRTSPBytes    = prometheus.NewDesc("picam_rtsp_session_bytes_sent", "RTP payload bytes sent to the current RTSP sessions, summed (a gauge).", nil, nil)
)

// collectRTSP adds the RTSP sessions, summed by transport and state (a session's address is
// not a label: every client's port would make a new series).
func (c *collector) collectRTSP(ch chan<- prometheus.Metric) {
	if c.rtsp == nil {
		return
	}
	count := map[[2]string]int{}
	for _, tr := range []string{"tcp", "udp"} {
		for _, st := range []string{"ready", "playing"} {
			count[[2]string{tr, st}] = 0
		}
	}
	var frames, bytes uint64
	for _, s := range c.rtsp.sessions() {
		count[[2]string{s.Transport, s.State}]++
		frames += s.Frames
		bytes += s.Bytes
	}
	for k, n := range count {
		ch <- prometheus.MustNewConstMetric(descRTSPSessions, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	ch <- prometheus.MustNewConstMetric(descRTSPFrames, prometheus.GaugeValue, float64(frames))
	ch <- prometheus.MustNewConstMetric(descRTSPBytes, prometheus.GaugeValue, float64(bytes))
}
