package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/test/hil/internal/fact"
)

// panelPhases are the states the guest's probe panel drives picam-server
// through, in order, with the state its LED must then show.
var panelPhases = []struct {
	step    string
	state   status.State
	clients int
}{
	{"panel.waiting", status.Waiting, 0},
	{"panel.streaming", status.Streaming, 2},
	{"panel.degraded", status.Degraded, 1},
	{"panel.paused", status.Paused, 0},
}

// panel judges picam-server's status LED and button, watched from the
// gpio-sim side in the guest: in each phase the LED's longest on and off
// runs must match the pattern hw/status defines for the state the server
// reported better than any other state's pattern, and a button press must
// stop frames reaching the client until a second press.
func (j *judge) panel() {
	if j.o.target.kind != "qemu" {
		// No simulated LED or button on a Pi: the scenario reports panel as
		// skipped, and the closing line counts it.
		if fs := j.o.all("panel"); len(fs) > 0 && fs[len(fs)-1].Skip != "" {
			j.skip("picam-server LED states and button (panel)", fs[len(fs)-1].Skip)
		}
		return
	}
	for _, ph := range panelPhases {
		name := fmt.Sprintf("picam-server LED shows %s (from gpio-sim)", ph.state)
		f, ok := j.step(name, ph.step)
		if !ok {
			continue
		}
		got, detail := classifyLED(f)
		j.expect(got == ph.state, name, detail,
			fmt.Sprintf("/api/status said %s, but the LED looked like %s: %s", f.Str("state"), got, detail))
	}
	const pause = "button press pauses picam-server's stream"
	if f, ok := j.step(pause, "panel.pause"); ok {
		during, _ := f.Int("frames_while_paused")
		sent, _ := f.Int("sent_while_paused")
		before, _ := f.Int("frames_before")
		resumed, _ := f.Int("frames_after_resume")
		ms, _ := f.Int("paused_ms")
		j.expect(before > 0 && during == 0 && sent == 0 && resumed > 0, pause,
			fmt.Sprintf("%d frames before, none in %d ms paused, %d after the second press", before, ms, resumed),
			fmt.Sprintf("frames before %d (want > 0), while paused %d received / %d sent in %d ms (want 0), after resume %d (want > 0)",
				before, during, sent, ms, resumed))
	}
	const stop = "picam-server with LED and button stops cleanly"
	if f, ok := j.step(stop, "panel.exit"); ok {
		code, _ := f.Int("code")
		j.expect(code == 0, stop, "exit 0 on SIGINT", fmt.Sprintf("exit %d on SIGINT (want 0; -1: still running after 15 s)", code))
	}
}

// classifyLED returns the state whose blink pattern the observed runs are
// nearest to, comparing the longest on run and the longest off run on a
// log scale (a starved TCG guest stretches every step, so ratios matter,
// not milliseconds), with a description of what was seen.
func classifyLED(f fact.Fact) (status.State, string) {
	on, off := intList(f.V["on_runs"]), intList(f.V["off_runs"])
	samples, _ := f.Int("samples")
	window, _ := f.Int("window_ms")
	if len(on) == 0 || len(off) == 0 {
		return -1, fmt.Sprintf("no complete on and off runs in %d ms (%d samples; on %v, off %v): the LED did not blink", window, samples, on, off)
	}
	maxOn, maxOff := slices.Max(on), slices.Max(off)
	best, bestD := status.State(-1), math.Inf(1)
	var scores []string
	for _, s := range []status.State{status.Starting, status.Waiting, status.Streaming, status.Degraded, status.Fault, status.Paused} {
		pOn, pOff := longestRuns(status.PatternFor(s, 2))
		d := math.Abs(math.Log(float64(maxOn)/pOn)) + math.Abs(math.Log(float64(maxOff)/pOff))
		scores = append(scores, fmt.Sprintf("%s %.2f", s, d))
		if d < bestD {
			best, bestD = s, d
		}
	}
	return best, fmt.Sprintf("longest on %d ms, off %d ms in %d ms (%d on / %d off runs, %d samples); distance %s",
		maxOn, maxOff, window, len(on), len(off), samples, strings.Join(scores, ", "))
}

// longestRuns returns a pattern's longest on and off stretches in ms,
// joining neighbouring steps of the same level (also across the wrap from
// the last step to the first).
func longestRuns(p status.Pattern) (on, off float64) {
	n := len(p.Steps)
	if n == 0 {
		return 0, 0
	}
	// Start after a level change, so no run is split by the wrap.
	start := 0
	for i := range n {
		if p.Steps[i].On != p.Steps[(i+n-1)%n].On {
			start = i
			break
		}
	}
	var run float64
	for k := range n {
		st := p.Steps[(start+k)%n]
		run += float64(st.For.Milliseconds())
		next := p.Steps[(start+k+1)%n]
		if k == n-1 || next.On != st.On {
			if st.On {
				on = max(on, run)
			} else {
				off = max(off, run)
			}
			run = 0
		}
	}
	return on, off
}

// intList reads a JSON array of numbers.
func intList(v any) []int64 {
	xs, _ := v.([]any)
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		if n, ok := x.(float64); ok {
			out = append(out, int64(n))
		}
	}
	return out
}
