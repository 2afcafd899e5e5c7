package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/picam-project/picam/codec"
	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/internal/httplimit"
	"github.com/picam-project/picam/internal/version"
	"github.com/picam-project/picam/stream"
	"github.com/picam-project/picam/update"
	"github.com/picam-project/picam/web"
)

// startHTTP serves the status endpoints until ctx ends or the returned server is closed.
// auth, when set, requires its bearer token (see httpauth.go). rtspOut, when not nil, adds
// the RTSP sessions to /api/clients and /metrics; mj, when not nil, serves /stream.mjpg and
// /snapshot.jpg (mjpeg.go) and adds their viewers to /api/clients; wr, when not nil, serves
// WebRTC at /whep (web/) and adds its peers. The page at / plays whichever of the two the
// codec allows. shown reports what the status
// LEDs show (the server's state as a person sees it on the box).
func startHTTP(ctx context.Context, addr string, auth *httpAuth, srv *stream.Server, sel codec.Selection, rtspOut *rtspOutput, mj *mjpegOutput, wr *web.Server, pub *publishOutput, shown func() (status.State, int), log *slog.Logger) (*http.Server, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{srv: srv, rtsp: rtspOut}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfo(), publishCollector{pub})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /api/clients", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		sum := makeSummary(srv, sel, rtspOut.sessions(), mj.clients(), wr.Peers())
		sum.Publish = pub.statuses() // publish.go
		json.NewEncoder(w).Encode(sum)
	})
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		st, n := shown()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(serverStatus{State: st.String(), Clients: n, FramesSent: srv.FramesSent(), Version: version.Get().Version, Build: version.Get(),
			Slots: update.SystemSlots()})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if mj != nil {
		mj.register(ctx, mux)
	}
	mux.Handle("GET /{$}", web.Page())
	if wr != nil {
		wr.Register(ctx, mux)
	}
	up := update.ForSystem(log) // POST /api/update: a signed bundle into the other slot (update/)
	up.Register(mux)
	bounds := httplimit.Default
	bounds.BodyFor = map[string]int64{"POST /api/update": up.MaxBody()}
	if wr != nil {
		bounds.BodyFor["POST "+web.WHEPPath] = wr.MaxOffer()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--http %s: %w", addr, err)
	}
	hs, bln := httplimit.Server(auth.wrap(mux), ln, bounds, log)
	go func() {
		if err := hs.Serve(bln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { hs.Close() })
	log.Info("status on http", "url", "http://"+ln.Addr().String()+"/api/clients", "token", auth != nil)
	return hs, nil
}

// serverStatus is the /api/status answer: the state the status LEDs show (starting, waiting,
// streaming, degraded, fault, paused, stopping, or rolled-back after a failed update), the clients counted in it and the frames sent,
// so a script can follow the box without reading its LEDs.
type serverStatus struct {
	State      string        `json:"state"`
	Clients    int           `json:"clients"`
	FramesSent uint64        `json:"frames_sent"`
	Version    string        `json:"version"` // as --version prints it; build has the commit and Go version
	Build      version.Info  `json:"build"`
	Slots      *update.Slots `json:"slots,omitempty"` // the SD card's A/B root slots (updates)
}

// buildInfo is picam_build_info: always 1, labelled with the running build.
func buildInfo() prometheus.Collector {
	v := version.Get()
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "picam_build_info",
		Help:        "The running picam-server build (always 1).",
		ConstLabels: prometheus.Labels{"version": v.Version, "revision": v.Revision, "goversion": v.GoVersion},
	}, func() float64 { return 1 })
}

// collector exposes the server's tracked state as Prometheus metrics at scrape time.
type collector struct {
	srv  *stream.Server
	rtsp *rtspOutput // nil without --rtsp
}

var (
	descFrames     = prometheus.NewDesc("picam_frames_sent_total", "Frames accepted for transmission.", nil, nil)
	descClientSent = prometheus.NewDesc("picam_client_frames_sent_total", "Frames sent to a client.", []string{"endpoint"}, nil)
	descClientDrop = prometheus.NewDesc("picam_client_frames_dropped_total", "Frames replaced by newer ones before a client could take them.", []string{"endpoint"}, nil)
	descReplies    = prometheus.NewDesc("picam_client_replies_total", "Pattern-1 replies from a client.", []string{"endpoint"}, nil)
	descRTT        = prometheus.NewDesc("picam_client_rtt_seconds", "Last round trip (pattern 1) or write time (pattern 2).", []string{"endpoint"}, nil)
	descReconnects = prometheus.NewDesc("picam_client_reconnects_total", "Connections to a client lost and redialled.", []string{"endpoint"}, nil)
	descState      = prometheus.NewDesc("picam_client_state", "1 for the client's current state.", []string{"endpoint", "state"}, nil)
)

// Describe sends the metric descriptions.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFrames, descClientSent, descClientDrop, descReplies, descRTT, descReconnects, descState, descRTSPSessions, descRTSPFrames, descRTSPBytes} {
		ch <- d
	}
}

// Collect reads the server's state.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descFrames, prometheus.CounterValue, float64(c.srv.FramesSent()))
	for _, st := range c.srv.Clients() {
		ep := st.Endpoint
		ch <- prometheus.MustNewConstMetric(descClientSent, prometheus.CounterValue, float64(st.FramesSent), ep)
		ch <- prometheus.MustNewConstMetric(descClientDrop, prometheus.CounterValue, float64(st.Dropped), ep)
		ch <- prometheus.MustNewConstMetric(descReplies, prometheus.CounterValue, float64(st.Replies), ep)
		ch <- prometheus.MustNewConstMetric(descRTT, prometheus.GaugeValue, st.RTTMillis/1000, ep)
		ch <- prometheus.MustNewConstMetric(descReconnects, prometheus.CounterValue, float64(st.Reconnects), ep)
		for _, s := range stream.ClientStates {
			v := 0.0
			if s == st.State {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, v, ep, string(s))
		}
	}
	c.collectRTSP(ch) // rtsp.go
}
