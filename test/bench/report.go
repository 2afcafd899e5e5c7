package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/picam-project/picam/stream"
)

// report prints the benchmark's sections as they become available.
type report struct {
	m          machine
	o          *options
	pl         *payloads
	w          io.Writer
	log        io.Writer
	throughput []cellResult
	latency    []latencyResult
	secure     []secureResult
	idle       *idleResult // nil when not measured
	failed     int
}

func (r *report) printf(format string, args ...any) { fmt.Fprintf(r.w, format, args...) }

func (r *report) header() {
	r.printf("picam transport benchmark (make bench%s)\n", map[bool]string{true: " --quick", false: ""}[r.o.quick])
	r.printf("date        %s\n", r.m.Date.Format("2006-01-02 15:04 MST"))
	r.printf("machine     %s, %s, %d cores\n", r.m.Arch, r.m.CPU, r.m.Cores)
	r.printf("go          %s\n", r.m.GoVersion)
	r.printf("load avg    %s at start (1/5/15 min). The box is shared: other jobs run on the same cores,\n", r.m.LoadStart)
	r.printf("            so every figure is a lower bound and differences under ~30%% are noise.\n")
	r.printf("setup       loopback only; servers and every client are separate processes on the same cores.\n")
	r.printf("            payload: raw 640x480 = %d B; jpeg 1280x720 = %d B (test pattern, picam's encoder, q90).\n",
		r.pl.size[raw640.Name], r.pl.size[jpeg720.Name])
	r.printf("            %s: picam-server --source %s (moving pattern, I420 → BGR24 each frame); tcp sends\n", moving640.Name, moving640.Source)
	r.printf("            the same BGR bytes; no libzmq run (its stand-in has no moving source).\n")
	r.printf("            throughput runs send for %v each; cells show the median of their runs.\n\n", r.o.window)
	r.printf("Transports\n")
	r.printf("  picam   picam-server --source testcard --framerate 0 (one pre-encoded frame, flat out) → picam-client --json.\n")
	r.printf("          Window: the server's first send (\"transmission starting\") to its close (SIGINT).\n")
	r.printf("  libzmq  netgear_peer.py bench-server → bench-client (pyzmq %s): NetGear's sockets, pattern 1 one REQ\n", "on Debian libzmq")
	r.printf("          with REQ_RELAXED+REQ_CORRELATE connected to all clients, pattern 2 one PUB with HWM 1. Window: its send loop.\n")
	r.printf("  tcp     plain TCP: one Go writer process (a goroutine per client) → reader processes reading into a reused\n")
	r.printf("          buffer; each message = picam's header+ZMTP framing size, then the payload. The physical limit.\n")
	r.printf("  Socket buffers: picam-server and the tcp writer ask for SO_SNDBUF %d KiB per connection\n", stream.DefaultSendBuffer>>10)
	r.printf("          (stream.DefaultSendBuffer); libzmq keeps the kernel's autotuning, as NetGear does.\n")
	r.printf("  Pattern 1: picam broadcasts, every client doing its own request/reply round trips; tcp is a request/ack\n")
	r.printf("          ping-pong per client (comparable to picam); libzmq is NetGear's single REQ socket, which round-robins\n")
	r.printf("          and has one request in flight in total, so its sum does not grow with clients.\n")
	r.printf("  Pattern 2: picam (newest-frame mailbox) and libzmq (HWM 1) drop frames a client cannot take; tcp blocks\n")
	r.printf("          the writer per socket instead. Delivered frames are counted at the clients.\n\n")
}

// table prints the throughput matrix and the CPU per frame.
func (r *report) table() {
	r.printf("Throughput: delivered frames/s summed over clients (per client in brackets)\n")
	r.printf("%-14s %3s %3s | %16s | %16s | %16s | %9s %9s | %s\n", "frames", "pat", "cl",
		"picam", "libzmq", "tcp", "picam÷tcp", "picam÷zmq", "runs (summed/s): picam; libzmq; tcp")
	for _, cr := range r.throughput {
		c := cr.Cell
		cellTxt := func(tr transport) string {
			st, ok := cr.By[tr]
			if !ok {
				return "-"
			}
			if st.OK == 0 {
				r.failed++
				return "FAILED"
			}
			return fmt.Sprintf("%6.0f (%6.0f)", st.Summed, st.PerClient)
		}
		r.printf("%-14s %3d %3d | %16s | %16s | %16s | %9s %9s | %s; %s; %s\n", c.Kind.Name, c.Pattern, c.Clients,
			cellTxt(trPicam), cellTxt(trLibzmq), cellTxt(trTCP),
			ratio(cr, trPicam, trTCP), ratio(cr, trPicam, trLibzmq),
			spread(cr, trPicam), spread(cr, trLibzmq), spread(cr, trTCP))
	}
	for _, cr := range r.throughput {
		for tr, st := range cr.By {
			for _, e := range st.Errs {
				r.printf("  error: %s %s: %s\n", tr, cr.Cell, e)
			}
		}
	}
	r.printf("\nCPU per delivered frame, µs (server / all clients together), and delivered MB/s, median run.\n")
	r.printf("CPU counts from a server's first send and a client's readiness to exit (start-up and imports left out).\n")
	r.printf("%-14s %3s %3s | %22s | %22s | %22s\n", "frames", "pat", "cl", "picam", "libzmq", "tcp")
	for _, cr := range r.throughput {
		c := cr.Cell
		cpu := func(tr transport) string {
			st, ok := cr.By[tr]
			if !ok || st.OK == 0 {
				return "-"
			}
			return fmt.Sprintf("%5.0f / %5.0f %6.0fMB/s", st.ServerUS, st.ClientUS, st.MBps)
		}
		r.printf("%-14s %3d %3d | %22s | %22s | %22s\n", c.Kind.Name, c.Pattern, c.Clients, cpu(trPicam), cpu(trLibzmq), cpu(trTCP))
	}
	r.printf("  libzmq's bench-server in pattern 2 sends flat out into HWM 1, so its server CPU includes frames dropped\n")
	r.printf("  before any client saw them; picam's testcard waits for a free mailbox (Server.WaitDemand) instead.\n")
	r.printf("%s\n", loadLine("throughput"))
}

func ratio(cr cellResult, a, b transport) string {
	x, okx := cr.By[a]
	y, oky := cr.By[b]
	if !okx || !oky || x.OK == 0 || y.OK == 0 || y.Summed == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", x.Summed/y.Summed)
}

func spread(cr cellResult, tr transport) string {
	st, ok := cr.By[tr]
	if !ok {
		return "-"
	}
	return strings.Trim(st.Spread, "[]")
}

// latencyTable prints latency and CPU at 30 fps.
func (r *report) latencyTable() {
	r.printf("picam at 30 fps, raw 640x480 (testcard, %v per run): send-to-receive latency and CPU\n", r.o.latWindow)
	r.printf("%-4s %3s | %8s %8s | %7s | %18s | %18s | %17s\n", "pat", "cl", "p50 ms", "p99 ms", "frames",
		"server %core µs/fr", "client %core µs/fr", "libzmq p50/p99 ms")
	for _, l := range r.latency {
		if l.Err != nil {
			r.failed++
			r.printf("%-4d %3d | FAILED: %v\n", l.Cell.Pattern, l.Cell.Clients, l.Err)
			continue
		}
		zmq := "-"
		if l.ZmqErr == nil {
			zmq = fmt.Sprintf("%.2f / %.2f", l.ZmqP50, l.ZmqP99)
		}
		r.printf("%-4d %3d | %8.2f %8.2f | %7d | %8.2f%% %7.0f | %8.2f%% %7.0f | %17s\n", l.Cell.Pattern, l.Cell.Clients,
			l.P50, l.P99, l.Frames, l.ServerPct, l.ServerUS, l.ClientPct, l.ClientUS, zmq)
	}
	for _, l := range r.latency {
		if l.Err == nil && l.ZmqErr != nil {
			r.printf("  libzmq latency %s: %v\n", l.Cell, l.ZmqErr)
		}
	}
	r.printf("  p50: the median client's; p99: the worst client's. Latency is the client's receive time minus the\n")
	r.printf("  header's capture time (same clock), over every frame including each connection's first ones (buffer\n")
	r.printf("  allocation, TCP ramp-up), which weigh on p99 in short runs. %%core is over the window; client µs/frame\n")
	r.printf("  is per frame received.\n")
	r.printf("  libzmq: the stand-in at 30 fps with picam's header (--picam-header), same clients and load; its pattern 1\n")
	r.printf("  round-robins, so with 4 clients each gets 7.5 fps.\n")
	r.printf("%s\n", loadLine("latency"))
}

// details prints the idle client and the server's memory.
func (r *report) details() {
	switch {
	case r.idle == nil:
	case r.idle.Err != nil:
		r.failed++
		r.printf("idle picam-client: FAILED: %v\n", r.idle.Err)
	default:
		r.printf("idle picam-client (no server): %v CPU in %v = %.3f%% of a core (start-up not included: %v CPU over its %v life)\n",
			r.idle.SteadyCPU, r.idle.Watched.Round(time.Millisecond), r.idle.Pct, r.idle.TotalCPU, r.idle.Lifetime.Round(time.Millisecond))
	}
	var rssRaw, rssJPEG int64
	for _, cr := range r.throughput {
		if cr.Cell.Clients != 8 {
			continue
		}
		st := cr.By[trPicam]
		if cr.Cell.Kind == raw640 {
			rssRaw = max(rssRaw, st.ServerRSS)
		} else {
			rssJPEG = max(rssJPEG, st.ServerRSS)
		}
	}
	if rssRaw > 0 || rssJPEG > 0 {
		r.printf("picam-server max RSS with 8 clients (flat out): raw 640x480 %.1f MiB, jpeg 1280x720 %.1f MiB\n",
			float64(rssRaw)/1024, float64(rssJPEG)/1024)
	} else if len(r.throughput) > 0 {
		r.printf("picam-server max RSS with 8 clients: not measured (no 8-client cell in this run)\n")
	}
	r.printf("\n")
}

// targets prints PASS/MISS for issue 3's goals. Speed never fails the run.
func (r *report) targets() {
	r.printf("Targets\n")
	var tc *cellResult
	for i := range r.throughput {
		if r.throughput[i].Cell == targetCell {
			tc = &r.throughput[i]
		}
	}
	check := func(ok bool) string { return map[bool]string{true: "PASS", false: "MISS"}[ok] }
	const skipped = "----"
	var p, t, z summaryStats
	if tc != nil {
		p, t, z = tc.By[trPicam], tc.By[trTCP], tc.By[trLibzmq]
	}
	if p.OK > 0 && t.OK > 0 {
		r.printf("  %s picam ≥ 0.5× plain TCP, %s: %.0f vs %.0f frames/s (%.2f×)\n",
			check(p.Summed >= 0.5*t.Summed), targetCell, p.Summed, t.Summed, p.Summed/t.Summed)
	} else {
		r.printf("  %s picam ≥ 0.5× plain TCP, %s: not measured in this run\n", skipped, targetCell)
	}
	if p.OK > 0 && z.OK > 0 {
		r.printf("  %s picam ≥ 1× libzmq stand-in, %s: %.0f vs %.0f frames/s (%.2f×)\n",
			check(p.Summed >= z.Summed), targetCell, p.Summed, z.Summed, p.Summed/z.Summed)
	} else {
		r.printf("  %s picam ≥ 1× libzmq stand-in, %s: not measured in this run\n", skipped, targetCell)
	}
	var mc *cellResult
	for i := range r.throughput {
		if r.throughput[i].Cell == movingCell {
			mc = &r.throughput[i]
		}
	}
	if mc != nil && mc.By[trPicam].OK > 0 && mc.By[trTCP].OK > 0 {
		mp, mt := mc.By[trPicam], mc.By[trTCP]
		r.printf("  %s picam ≥ 0.5× plain TCP, %s (I420 → BGR24 per frame included): %.0f vs %.0f frames/s (%.2f×)\n",
			check(mp.Summed >= 0.5*mt.Summed), movingCell, mp.Summed, mt.Summed, mp.Summed/mt.Summed)
	} else {
		r.printf("  %s picam ≥ 0.5× plain TCP, %s: not measured in this run\n", skipped, movingCell)
	}
	if len(r.secure) > 0 && r.secure[0].Cell == secureCells[0] && r.secure[0].Plain.OK > 0 && r.secure[0].Secure.OK > 0 {
		s := r.secure[0]
		r.printf("  %s secure ≥ 0.6× plaintext picam, %s: %.0f vs %.0f frames/s (%.2f×)\n",
			check(s.Secure.Summed >= 0.6*s.Plain.Summed), s.Cell, s.Secure.Summed, s.Plain.Summed, s.Secure.Summed/s.Plain.Summed)
	} else {
		r.printf("  %s secure ≥ 0.6× plaintext picam, %s: not measured in this run\n", skipped, secureCells[0])
	}
	worst, measured := 0.0, 0
	for _, l := range r.latency {
		if l.Err == nil {
			worst = max(worst, l.P99)
			measured++
		}
	}
	if measured > 0 {
		r.printf("  %s latency p99 at 30 fps ≤ 5 ms: worst %.2f ms over %d runs\n", check(worst <= 5 && measured == len(r.latency)), worst, measured)
	} else {
		r.printf("  %s latency p99 at 30 fps ≤ 5 ms: not measured in this run\n", skipped)
	}
	if r.idle != nil && r.idle.Err == nil {
		r.printf("  %s idle client ≤ 0.5%% of a core: %.3f%%\n", check(r.idle.Pct <= 0.5), r.idle.Pct)
	} else {
		r.printf("  %s idle client ≤ 0.5%% of a core: not measured in this run\n", skipped)
	}
}

func (r *report) footer() {
	r.printf("\nload avg    %s at the end; finished in %v\n", loadAvg(), time.Since(r.m.Date).Round(time.Second))
}
