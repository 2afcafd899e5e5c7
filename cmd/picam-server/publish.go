package main

import (
	"context"
	"flag"
	"log/slog"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/publish"
)

// publishOptions is --publish: relays picam publishes its one stream to (publish/).
type publishOptions struct {
	urls cli.StringList
}

func (p *publishOptions) register(fs *flag.FlagSet) {
	fs.Var(&p.urls, "publish", "publish the stream to a relay that serves many viewers (repeatable): rtmp://HOST[:PORT]/APP/KEY or rtmps://… (nginx-rtmp, MediaMTX, SRS, a cloud ingest; needs --codec h264), "+
		"or rtsp://[USER:PASSWORD@]HOST[:PORT]/PATH (ANNOUNCE/RECORD over TCP, as MediaMTX ingests; --codec h264 or jpeg); reconnects on its own when the relay goes away")
}

// publishOutput is the running publishers.
type publishOutput struct {
	targets []*publish.Target
	wg      sync.WaitGroup
}

// prepare checks every --publish URL against the codec and returns the publishers, not yet
// running; nil without --publish. fps is the stream's frame rate (0: unknown). Its errors are
// usage errors.
func (p *publishOptions) prepare(c av.Codec, fps float64, hub *fanout.Hub, log *slog.Logger) (*publishOutput, error) {
	if len(p.urls) == 0 {
		return nil, nil
	}
	out := &publishOutput{}
	for _, u := range p.urls {
		t, err := publish.New(publish.Config{URL: u, Codec: c, Framerate: fps, Logger: log,
			// Each session is a new fan-out consumer: it starts at an IDR with SPS and
			// PPS, which the hub asks the encoder for at once.
			Subscribe: func(name string) publish.Feed { return hub.Subscribe(name) }})
		if err != nil {
			return nil, err
		}
		out.targets = append(out.targets, t)
	}
	return out, nil
}

// start runs every publisher until ctx ends.
func (o *publishOutput) start(ctx context.Context) {
	if o == nil {
		return
	}
	for _, t := range o.targets {
		o.wg.Go(func() { t.Run(ctx) })
	}
}

// wait blocks until every publisher has stopped.
func (o *publishOutput) wait() {
	if o != nil {
		o.wg.Wait()
	}
}

// statuses is the publishers' states for /api/clients (none without --publish).
func (o *publishOutput) statuses() []publish.Status {
	if o == nil {
		return nil
	}
	out := make([]publish.Status, 0, len(o.targets))
	for _, t := range o.targets {
		out = append(out, t.Status())
	}
	return out
}

// health reports, for the status LED, whether any publisher is retrying or failed, and how
// many are publishing.
func (o *publishOutput) health() (degraded bool, publishing int) {
	for _, s := range o.statuses() {
		if s.Degraded() {
			degraded = true
		}
		if s.State == publish.StatePublishing {
			publishing++
		}
	}
	return degraded, publishing
}

var (
	descPublishState    = prometheus.NewDesc("picam_publish_state", "1 for each --publish target's current state (publishing, retrying, failed, connecting).", []string{"url", "state"}, nil)
	descPublishFrames   = prometheus.NewDesc("picam_publish_frames_sent_total", "Frames sent to a --publish target, over all its sessions.", []string{"url"}, nil)
	descPublishBytes    = prometheus.NewDesc("picam_publish_bytes_sent_total", "Payload bytes sent to a --publish target.", []string{"url"}, nil)
	descPublishSessions = prometheus.NewDesc("picam_publish_sessions_total", "Sessions started with a --publish target (reconnections included).", []string{"url"}, nil)
	descPublishFailures = prometheus.NewDesc("picam_publish_failures_total", "Failed attempts or lost sessions of a --publish target.", []string{"url"}, nil)
)

// publishCollector exposes the publishers on /metrics.
type publishCollector struct{ o *publishOutput }

// Describe sends the metric descriptions.
func (c publishCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPublishState, descPublishFrames, descPublishBytes, descPublishSessions, descPublishFailures} {
		ch <- d
	}
}

// Collect reads the publishers' states; the URL label has no password or stream key.
func (c publishCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.o.statuses() {
		state, _, _ := strings.Cut(s.State, ":")
		for _, name := range []string{publish.StateConnecting, publish.StatePublishing, publish.StateRetrying, publish.StateFailed} {
			v := 0.0
			if name == state {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descPublishState, prometheus.GaugeValue, v, s.URL, name)
		}
		ch <- prometheus.MustNewConstMetric(descPublishFrames, prometheus.CounterValue, float64(s.Frames), s.URL)
		ch <- prometheus.MustNewConstMetric(descPublishBytes, prometheus.CounterValue, float64(s.Bytes), s.URL)
		ch <- prometheus.MustNewConstMetric(descPublishSessions, prometheus.CounterValue, float64(s.Sessions), s.URL)
		ch <- prometheus.MustNewConstMetric(descPublishFailures, prometheus.CounterValue, float64(s.Failures), s.URL)
	}
}

// withPublish adds the publishers to the state the LEDs show: a publisher retrying or failed
// makes a waiting or streaming server degraded, and one publishing counts as a client (with
// no other client at all, the server is streaming to the relay).
func withPublish(st status.State, n int, pub *publishOutput) (status.State, int) {
	degraded, publishing := pub.health()
	switch st {
	case status.Waiting, status.Streaming:
		if degraded {
			return status.Degraded, n + publishing
		}
		if publishing > 0 {
			return status.Streaming, n + publishing
		}
	case status.Degraded:
		return st, n + publishing
	}
	return st, n
}
