package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/picam-project/picam/test/hil/internal/fact"
)

// verdict is the outcome of one check.
type verdict int

const (
	pass verdict = iota
	fail
	skip
)

// result is one judged check. guest marks failures whose explanation is in
// the guest's log, so the report shows its tail.
type result struct {
	name   string
	v      verdict
	detail string
	guest  bool
}

// judge collects results.
type judge struct {
	c   config
	o   *observations
	out []result
}

func (j *judge) pass(name, detail string) {
	j.out = append(j.out, result{name: name, v: pass, detail: detail})
}
func (j *judge) fail(name, detail string) {
	j.out = append(j.out, result{name: name, v: fail, detail: detail, guest: true})
}

// skip records a check that does not apply on this target. In QEMU every
// device the scenario uses exists (vivid, vicodec, gpio-sim), so a skip there
// can only mean something regressed (a probe that stopped finding a control,
// a picam-server that lost a flag): it fails, with the skip's reason. On a
// real Pi it stays a skip, which the closing line names.
func (j *judge) skip(name, detail string) {
	if j.o.target.kind == "qemu" {
		j.fail(name, "skipped in QEMU, where every device exists, so the skip hides a regression: "+detail)
		return
	}
	j.out = append(j.out, result{name: name, v: skip, detail: detail})
}
func (j *judge) failHost(name, d string) {
	j.out = append(j.out, result{name: name, v: fail, detail: d})
}
func (j *judge) expect(ok bool, name, good, bad string) {
	if ok {
		j.pass(name, good)
	} else {
		j.fail(name, bad)
	}
}

// step returns the last fact for step; when there is none, or it reports an
// error or a skip, it records that as the check's result and returns false.
func (j *judge) step(name, step string) (fact.Fact, bool) {
	fs := j.o.all(step)
	if len(fs) == 0 {
		// A probe command that failed as a whole reports under its own
		// name ("camera", "encode", ...): that error explains the gap.
		if cmd := probeCommand[strings.SplitN(step, ".", 2)[0]]; cmd != "" {
			if cf := j.o.all(cmd); len(cf) > 0 && cf[len(cf)-1].Err != "" {
				j.fail(name, fmt.Sprintf("probe %s failed before this step: %s", cmd, cf[len(cf)-1].Err))
				return fact.Fact{}, false
			}
		}
		j.fail(name, fmt.Sprintf("no %q report: the guest stopped before this step, or never got there", step))
		return fact.Fact{}, false
	}
	f := fs[len(fs)-1]
	switch {
	case f.Err != "":
		j.fail(name, f.Err)
		return f, false
	case f.Skip != "":
		j.skip(name, f.Skip)
		return f, false
	}
	return f, true
}

// probeCommand maps a fact step's prefix to the probe command that reports it.
var probeCommand = map[string]string{"v4l2": "camera", "enc": "encode", "gpio": "gpio", "status": "status",
	"panel": "panel", "controls": "controls"}

// evaluate judges a run. Every expectation of the HIL test lives here.
func evaluate(c config, o *observations) []result {
	j := &judge{c: c, o: o}
	qemu := o.target.kind == "qemu"
	if qemu && len(o.all("boot")) == 0 {
		// Nothing after boot can have happened: one clear failure instead
		// of a cascade of "no report" lines.
		why := "the guest never reached /init"
		if p := panicLine(o.consoleLog); p != "" {
			why += ": " + p
		}
		if o.target.timedOut {
			why += fmt.Sprintf(" (killed after %v)", c.bootLimit)
		}
		j.fail("guest boots to /init", why)
		j.fail("scenario", "not run: the guest did not boot (kernel, initramfs or QEMU problem; see the log below)")
		return j.out
	}
	if qemu {
		j.guestSetup()
	}
	j.camera(qemu)
	j.encoder(qemu)
	j.gpio()
	j.status()
	j.goTests()
	sum := j.server()
	j.serverLED()
	j.cameraOptions()
	j.clients(sum)
	j.encoderStream()
	j.panel()
	j.endOfRun(qemu)
	return j.out
}

func (j *judge) guestSetup() {
	if f, ok := j.step("guest boots to /init", "boot"); ok {
		j.pass("guest boots to /init", fmt.Sprintf("kernel %s %s, /init at %vs", f.Str("kernel"), f.Str("arch"), f.V["uptime_s"]))
	}
	for _, m := range []string{"vivid", "vicodec", "vim2m", "gpio-sim", "virtio_net"} {
		name := "module " + m + " loads"
		var found *fact.Fact
		for _, f := range j.o.all("module") {
			if f.Str("name") == m || strings.HasPrefix(f.Err, "modprobe "+m+":") {
				found = &f
			}
		}
		switch {
		case found == nil:
			j.fail(name, "not loaded: no report of it from the guest's init (see the log)")
		case found.Err != "":
			j.fail(name, found.Err)
		default:
			j.pass(name, "")
		}
	}
	if f, ok := j.step("gpio-sim chip with named lines", "gpiosim"); ok {
		j.pass("gpio-sim chip with named lines", f.Str("device")+" "+f.Str("chip"))
	}
	if _, ok := j.step("guest network up", "net"); ok {
		j.pass("guest network up", "eth0 10.0.2.15, host loopback at 10.0.2.2")
	}
}

func (j *judge) camera(qemu bool) {
	const cap = "camera QUERYCAP"
	if f, ok := j.step(cap, "v4l2.querycap"); ok {
		c, _ := f.Bool("capture")
		s, _ := f.Bool("streaming")
		drv := f.Str("driver")
		good := c && s && (!qemu || drv == "vivid")
		j.expect(good, cap, fmt.Sprintf("%s driver=%s caps=%s", f.Str("device"), drv, f.Str("device_caps")),
			fmt.Sprintf("%s driver=%q capture=%v streaming=%v; want a streaming capture node%s", f.Str("device"), drv, c, s, map[bool]string{true: " from vivid"}[qemu]))
	}
	const format = "camera format YUYV 640x480"
	if f, ok := j.step(format, "v4l2.format"); ok {
		w, _ := f.Int("width")
		h, _ := f.Int("height")
		stride, _ := f.Int("stride")
		size, _ := f.Int("sizeimage")
		good := f.Str("fourcc") == "YUYV" && w == 640 && h == 480 && size == stride*h && stride >= 2*w
		j.expect(good, format, fmt.Sprintf("stride %d, %d bytes", stride, size),
			fmt.Sprintf("got %dx%d %s stride %d size %d", w, h, f.Str("fourcc"), stride, size))
	}
	const hflip = "camera control hflip reads back"
	if f, ok := j.step(hflip, "v4l2.hflip"); ok {
		set, _ := f.Int("set")
		got, _ := f.Int("got")
		j.expect(set == got, hflip, fmt.Sprintf("set %d, read %d", set, got),
			fmt.Sprintf("S_CTRL horizontal_flip=%d, but G_CTRL read back %d", set, got))
	}
	const frame = "camera frame over MMAP"
	if f, ok := j.step(frame, "v4l2.capture"); ok {
		n, _ := f.Int("bytes")
		size, _ := f.Int("sizeimage")
		nz, _ := f.Bool("nonzero")
		j.expect(n == size && n > 0 && nz, frame, fmt.Sprintf("%d bytes in %vms", n, f.V["ms"]),
			fmt.Sprintf("%d bytes (want sizeimage %d), non-zero content %v", n, size, nz))
	}
}

func (j *judge) encoder(qemu bool) {
	const enc = "encoder is a multi-planar M2M node"
	if f, ok := j.step(enc, "enc.querycap"); ok {
		m2m, _ := f.Bool("m2m")
		mp, _ := f.Bool("mplane")
		drv := f.Str("driver")
		j.expect(m2m && mp && (!qemu || drv == "vicodec"), enc, fmt.Sprintf("%s driver=%s", f.Str("device"), drv),
			fmt.Sprintf("%s driver=%q m2m=%v mplane=%v (vicodec must be loaded with multiplanar=1)", f.Str("device"), drv, m2m, mp))
	}
	const gop = "encoder control GOP size reads back"
	if f, ok := j.step(gop, "enc.gop"); ok {
		set, _ := f.Int("set")
		got, _ := f.Int("got")
		j.expect(set == got, gop, fmt.Sprintf("set %d, read %d", set, got), fmt.Sprintf("set %d, read back %d", set, got))
	}
	const frame = "encoder encodes a camera frame"
	if f, ok := j.step(frame, "enc.frame"); ok {
		n, _ := f.Int("bytes")
		raw, _ := f.Int("raw_bytes")
		valid, _ := f.Bool("valid")
		ts, _ := f.Int("timestamp_us")
		stamp, _ := f.Int("stamp_us")
		good := valid && n > 0 && n < raw && ts == stamp
		j.expect(good, frame, fmt.Sprintf("%s %d -> %d bytes %s in %vms", f.Str("in"), raw, n, f.Str("coded"), f.V["ms"]),
			fmt.Sprintf("%s: %d bytes from %d (starts %s, valid %v), timestamp %dus (want %dus copied from the raw buffer)",
				f.Str("coded"), n, raw, f.Str("head"), valid, ts, stamp))
	}
}

func (j *judge) gpio() {
	const out = "GPIO cdev output seen by the simulator"
	if f, ok := j.step(out, "gpio.out"); ok {
		j.expect(reflect.DeepEqual(f.V["drove"], f.V["sim"]), out, fmt.Sprintf("%s drove %v", f.Str("line"), f.V["drove"]),
			fmt.Sprintf("%s: drove %v through GPIO_V2_LINE_SET_VALUES, the simulator saw %v", f.Str("line"), f.V["drove"], f.V["sim"]))
	}
	const in = "GPIO simulator input seen through cdev"
	if f, ok := j.step(in, "gpio.in"); ok {
		want := []any{1.0, 0.0, 1.0}
		j.expect(reflect.DeepEqual(f.V["got"], want), in, fmt.Sprintf("%s read %v", f.Str("line"), f.V["got"]),
			fmt.Sprintf("%s: pulls %v read back %v, want [1 0 1]", f.Str("line"), f.V["pulls"], f.V["got"]))
	}
}

func (j *judge) status() {
	const led = "status LED follows the server state (hw/status)"
	if f, ok := j.step(led, "status.led"); ok {
		on, _ := f.Int("streaming")
		off, _ := f.Int("stopping")
		flips, _ := f.Int("starting_flips")
		window, _ := f.Int("window_ms")
		// Starting blinks 100 ms on / 100 ms off, about 20 changes in the
		// 2 s window. Under TCG on a loaded machine the guest can be starved
		// of CPU for long stretches (3 changes in 1 s were seen), so the check asks only
		// that the line blinks at all: three changes rule out a stuck line.
		good := on == 1 && off == 0 && flips >= 3
		j.expect(good, led, fmt.Sprintf("%s: streaming on, starting blinked %d times in %d ms, stopping off", f.Str("led"), flips, window),
			fmt.Sprintf("%s: streaming=%d (want 1), starting blinked %d times in %d ms (want >= 3), stopping=%d (want 0)", f.Str("led"), on, flips, window, off))
	}
	const btn = "status button short press (hw/status)"
	if f, ok := j.step(btn, "status.button"); ok {
		j.expect(f.Str("kind") == "short", btn, fmt.Sprintf("%s held %vms", f.Str("button"), f.V["held_ms"]),
			fmt.Sprintf("%s: a 300 ms press was reported as %q", f.Str("button"), f.Str("kind")))
	}
	const cl = "status LED off after Close"
	if f, ok := j.step(cl, "status.close"); ok {
		v, _ := f.Int("led_after_close")
		j.expect(v == 0, cl, "", fmt.Sprintf("the LED line reads %d after Close", v))
	}
}

// serverLED judges picam-server's own status LED, watched on its gpio-sim
// line while it ran: it must have lit and changed (starting, waiting,
// streaming and stopping look different). The scenario reports it as
// skipped for a picam-server without LED support.
func (j *judge) serverLED() {
	if len(j.o.all("server.led")) == 0 && j.c.watchLED == "" && j.o.target.kind != "qemu" {
		return // nothing watched on a Pi
	}
	name := "picam-server drives its status LED"
	if f, ok := j.step(name, "server.led"); ok {
		high, _ := f.Int("high")
		flips, _ := f.Int("flips")
		samples, _ := f.Int("samples")
		j.expect(high > 0 && flips >= 2, name, fmt.Sprintf("%s on in %d of %d samples, %d changes", f.Str("line"), high, samples, flips),
			fmt.Sprintf("%s on in %d of %d samples, %d changes: the LED never lit or never changed", f.Str("line"), high, samples, flips))
	}
}

// goTests judges the packages' own hil tests: every built package must
// report, run at least one test, fail none and skip none.
func (j *judge) goTests() {
	reported := map[string]fact.Fact{}
	for _, f := range j.o.all("gotest") {
		reported[f.Str("package")] = f
	}
	names := append([]string{}, j.o.hilTests...)
	for n, f := range reported {
		if f.Err != "" && !slices.Contains(names, n) {
			names = append(names, n) // did not build, so never went to the target
		}
	}
	sort.Strings(names)
	for _, n := range names {
		name := "go test -tags hil ./" + strings.ReplaceAll(n, ".", "/")
		f, ok := reported[n]
		switch {
		case !ok:
			j.fail(name, "no report: the guest stopped before running it")
			continue
		case f.Err != "":
			j.failHost(name, f.Err)
			continue
		}
		code, _ := f.Int("exit")
		p, _ := f.Int("passed")
		fl, _ := f.Int("failed")
		sk, _ := f.Int("skipped")
		j.expect(code == 0 && p > 0 && fl == 0 && sk == 0, name, fmt.Sprintf("%d passed", p),
			fmt.Sprintf("exit %d: %d passed, %d failed %s, %d skipped (a hil test must not skip); output in the log, prefixed [%s]",
				code, p, fl, strings.TrimSpace(f.Str("failures")), sk, n))
	}
}

// serverSummary is picam-server's --json line, as far as the checks need it.
type serverSummary struct {
	ok      bool
	frames  int64
	clients map[int]fact.Fact // by port: each client's status as a fact-like map
}

func (j *judge) server() serverSummary {
	const ex = "picam-server exits 0"
	if f, ok := j.step(ex, "server.exit"); ok {
		code, _ := f.Int("code")
		args := ""
		if a := j.o.all("server.args"); len(a) > 0 {
			args = a[len(a)-1].Str("args")
		}
		j.expect(code == 0, ex, args, fmt.Sprintf("picam-server %s exited %d: %s", args, code, f.Str("stderr")))
	}
	var s serverSummary
	name := fmt.Sprintf("picam-server sends %d frames to both clients", j.c.frames)
	f, ok := j.step(name, "server.summary")
	if !ok {
		return s
	}
	s.frames, _ = f.Int("frames_sent")
	s.clients = map[int]fact.Fact{}
	list, _ := f.V["clients"].([]any)
	var parts []string
	for _, x := range list {
		m, _ := x.(map[string]any)
		cf := fact.Fact{Step: "client", V: m}
		port, _ := cf.Int("port")
		sent, _ := cf.Int("frames_sent")
		s.clients[int(port)] = cf
		parts = append(parts, fmt.Sprintf("%d:%d sent/%v replies", port, sent, m["replies"]))
	}
	good := s.frames == int64(j.c.frames) && len(s.clients) == 2
	for _, cf := range s.clients {
		sent, _ := cf.Int("frames_sent")
		good = good && sent > 0
	}
	s.ok = good
	j.expect(good, name, strings.Join(parts, ", "),
		fmt.Sprintf("frames_sent=%d (want %d), clients: %s", s.frames, j.c.frames, strings.Join(parts, ", ")))
	return s
}

func (j *judge) clients(sum serverSummary) {
	h, w := j.streamSize()
	for _, cr := range j.o.clients {
		if cr.name == encoderClient {
			continue // judged with the encoder run (encoderStream)
		}
		name := cr.name + " receives the stream"
		if cr.err != nil {
			j.failHost(name, fmt.Sprintf("%v (exit %d, log %s)", cr.err, cr.exitCode, cr.log))
			continue
		}
		sent := int64(-1)
		if st, ok := sum.clients[cr.port]; ok {
			sent, _ = st.Int("frames_sent")
		}
		wantShape := j.wantShape(cr.name, h, w)
		frames, problems := receiverProblems(cr, sent, wantShape)
		if cr.name == picamClient {
			if got := fmt.Sprint(cr.summary["codecs"]); got != "["+j.c.codec+"]" {
				problems = append(problems, fmt.Sprintf("codecs %s, want [%s]", got, j.c.codec))
			}
		} else if errs, _ := cr.summary["errors"].([]any); len(errs) > 0 {
			problems = append(problems, fmt.Sprintf("errors %v", errs))
		}
		if len(problems) > 0 {
			j.failHost(name, strings.Join(problems, "; ")+" (log "+cr.log+")")
		} else {
			j.pass(name, fmt.Sprintf("%d frames, shape %s", frames, wantShape))
		}

		rname := cr.name + " replies reach picam-server"
		want := map[string]string{picamClient: "hil ", netgearPeer: "py "}[cr.name]
		st, ok := sum.clients[cr.port]
		switch {
		case !ok:
			j.fail(rname, fmt.Sprintf("the server's summary has no client on port %d", cr.port))
		default:
			replies, _ := st.Int("replies")
			last, _ := st.V["last_data"].(string)
			j.expect(replies > 0 && strings.HasPrefix(last, want), rname, fmt.Sprintf("%d replies, last %q", replies, last),
				fmt.Sprintf("%d replies, last data %q (want %q...)", replies, last, want))
		}
	}
}

// receiverProblems checks what every receiver of a stream must have done: ended with the
// server's terminate and exit 0, received every frame the server says it sent (sent), decoded
// them all, at wantShape. It returns the frames received and what was wrong.
func receiverProblems(cr *clientResult, sent int64, wantShape string) (int64, []string) {
	s := fact.Fact{Step: cr.name, V: cr.summary}
	frames, _ := s.Int("frames")
	decErr, _ := s.Int("decode_errors")
	missing, _ := s.Int("missing_parts")
	var problems []string
	if cr.exitCode != 0 || s.Str("exit") != "terminate" {
		problems = append(problems, fmt.Sprintf("ended with %q, exit code %d (want the server's terminate, 0)", s.Str("exit"), cr.exitCode))
	}
	if frames <= 0 || frames != sent {
		problems = append(problems, fmt.Sprintf("%d frames, the server sent it %d", frames, sent))
	}
	if decErr != 0 || missing != 0 {
		problems = append(problems, fmt.Sprintf("%d decode errors, %d missing parts", decErr, missing))
	}
	if got := fmt.Sprint(cr.summary["shapes"]); got != wantShape {
		problems = append(problems, fmt.Sprintf("frame shapes %s, want %s", got, wantShape))
	}
	return frames, problems
}

// streamSize parses the -resolution flag.
func (j *judge) streamSize() (h, w int) {
	ws, hs, _ := strings.Cut(j.c.resolution, "x")
	w, _ = strconv.Atoi(ws)
	h, _ = strconv.Atoi(hs)
	return h, w
}

// wantShape is how each client's summary prints the frame shape it decoded.
func (j *judge) wantShape(client string, h, w int) string {
	if client == picamClient {
		if j.c.codec == "jpeg" {
			return "[jpeg]" // picam-client checks the JPEG but does not report its size
		}
		return fmt.Sprintf("[[%d %d 3]]", h, w)
	}
	return fmt.Sprintf("[[%d %d 3]]", h, w) // the NetGear peer decodes JPEG and raw into H x W x 3 arrays
}

func (j *judge) endOfRun(qemu bool) {
	const api = "HTTP /api/clients from the host"
	switch r := j.o.http; {
	case !r.checked && !qemu:
		j.skip(api, "not checked over SSH")
	case r.ok:
		j.pass(api, fmt.Sprintf("%d clients listed with the bearer token (attempt %d)", r.clients, r.attempts))
		const unauth = "HTTP /api/clients refuses requests without the token"
		j.expect(r.unauthStatus == http.StatusUnauthorized, unauth, "401",
			fmt.Sprintf("answered %d without a token, want 401", r.unauthStatus))
	case !r.checked:
		j.fail(api, "never tried: picam-server did not start")
	default:
		j.failHost(api, fmt.Sprintf("after %d attempts: %s", r.attempts, r.err))
	}
	t := j.o.target
	if !qemu {
		j.expect(t.exitCode == 0 && !t.timedOut, "scenario on the Pi exits 0", "",
			fmt.Sprintf("ssh exit %d, timed out %v", t.exitCode, t.timedOut))
		return
	}
	const end = "guest scenario ends and powers off"
	f, ok := j.step(end, "guest.end")
	switch {
	case t.timedOut:
		j.fail(end, fmt.Sprintf("killed after %v: the guest hung or is too slow (HIL_TIMEOUT raises the limit)", j.c.bootLimit))
	case !ok:
	case t.hung:
		j.fail(end, "the guest reported its end but QEMU did not exit within 15 s (poweroff failed)")
	default:
		code, _ := f.Int("scenario_exit")
		j.expect(code == 0 && t.exitCode == 0, end, fmt.Sprintf("at %vs guest time", f.V["uptime_s"]),
			fmt.Sprintf("scenario exit %d, QEMU exit %d", code, t.exitCode))
	}
}

// panicLine returns the kernel's panic message from the console log, if any.
func panicLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, msg, ok := strings.Cut(sc.Text(), "Kernel panic - "); ok {
			return "Kernel panic - " + strings.TrimSpace(msg)
		}
	}
	return ""
}
