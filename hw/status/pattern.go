package status

import (
	"strings"
	"time"
)

// Step is one phase of a blink pattern: the LED is On (or off) For a while.
type Step struct {
	On  bool
	For time.Duration
}

// Pattern is a sequence of steps that repeats forever. A pattern whose steps
// all have the same level is solid: it is shown once and needs no timer.
type Pattern struct {
	Steps []Step
}

// MaxShownClients caps the per-client blinks while streaming: nobody counts
// more than five blinks reliably, so 5 means "five or more".
const MaxShownClients = 5

// Timing constants for the patterns; named so the table in the package doc and
// the code cannot silently disagree with each other in review.
const (
	startingHalf   = 100 * time.Millisecond
	waitingHalf    = time.Second
	streamingOn    = 2 * time.Second
	streamingBlink = 200 * time.Millisecond
	streamingGap   = 300 * time.Millisecond
	degradedBlink  = 150 * time.Millisecond
	degradedRest   = 1050 * time.Millisecond
	morseUnit      = 100 * time.Millisecond
	pausedBlip     = 100 * time.Millisecond
	pausedRest     = 1900 * time.Millisecond
	rolledBackOn   = 500 * time.Millisecond
	rolledBackGap  = 250 * time.Millisecond
	rolledBackRest = 1500 * time.Millisecond
)

// PatternFor returns the pattern for a state. clients only matters while
// Streaming, where each client (up to [MaxShownClients]) adds one short dark
// blink after two seconds of solid light; with no clients it is solid on.
// Unknown states get the Fault pattern, since they mean a bug upstream.
func PatternFor(s State, clients int) Pattern {
	on := func(d time.Duration) Step { return Step{On: true, For: d} }
	off := func(d time.Duration) Step { return Step{On: false, For: d} }
	switch s {
	case Starting:
		return Pattern{[]Step{on(startingHalf), off(startingHalf)}}
	case Waiting:
		return Pattern{[]Step{on(waitingHalf), off(waitingHalf)}}
	case Streaming:
		steps := []Step{on(streamingOn)}
		for range shownClients(clients) {
			steps = append(steps, off(streamingBlink), on(streamingGap))
		}
		return Pattern{steps}
	case Degraded:
		return Pattern{[]Step{on(degradedBlink), off(degradedBlink), on(degradedBlink), off(degradedRest)}}
	case Paused:
		return Pattern{[]Step{on(pausedBlip), off(pausedRest)}}
	case Stopping:
		return Pattern{[]Step{off(time.Second)}}
	case RolledBack:
		return Pattern{[]Step{on(rolledBackOn), off(rolledBackGap), on(rolledBackOn), off(rolledBackGap), on(rolledBackOn), off(rolledBackRest)}}
	default: // Fault and anything unknown
		u := morseUnit
		dot, dash, gap := on(u), on(3*u), off(u)
		return Pattern{[]Step{
			dot, gap, dot, gap, dot, off(3 * u), // S
			dash, gap, dash, gap, dash, off(3 * u), // O
			dot, gap, dot, gap, dot, off(7 * u), // S, then the pause between words
		}}
	}
}

// shownClients clamps a client count to what the Streaming pattern can show.
func shownClients(n int) int {
	return max(0, min(n, MaxShownClients))
}

// Cycle is the length of one repetition.
func (p Pattern) Cycle() time.Duration {
	var c time.Duration
	for _, s := range p.Steps {
		c += max(s.For, 0)
	}
	return c
}

// Solid reports whether the level never changes (a single level throughout).
func (p Pattern) Solid() bool {
	for _, s := range p.Steps {
		if s.On != p.Steps[0].On {
			return false
		}
	}
	return true
}

// At returns the level the pattern shows at elapsed time since it started, and
// how long that level lasts from there (merging consecutive steps of the same
// level, across the wrap-around too). next is 0 for a solid pattern. Computing
// from elapsed time, instead of counting steps, keeps a late timer from making
// the pattern drift.
func (p Pattern) At(elapsed time.Duration) (on bool, next time.Duration) {
	if len(p.Steps) == 0 {
		return false, 0
	}
	cycle := p.Cycle()
	if p.Solid() || cycle <= 0 {
		return p.Steps[0].On, 0
	}
	pos := max(elapsed, 0) % cycle
	i, end := 0, time.Duration(0)
	for ; i < len(p.Steps); i++ {
		end += max(p.Steps[i].For, 0)
		if pos < end {
			break
		}
	}
	on, next = p.Steps[i].On, end-pos
	for j := (i + 1) % len(p.Steps); p.Steps[j].On == on; j = (j + 1) % len(p.Steps) {
		next += max(p.Steps[j].For, 0)
	}
	return on, next
}

// String describes the pattern in words, e.g. "on 100ms, off 100ms".
func (p Pattern) String() string {
	if len(p.Steps) == 0 || p.Solid() {
		if len(p.Steps) > 0 && p.Steps[0].On {
			return "solid on"
		}
		return "off"
	}
	parts := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		lvl := "off"
		if s.On {
			lvl = "on"
		}
		parts[i] = lvl + " " + s.For.String()
	}
	return strings.Join(parts, ", ")
}

// Timeline draws the pattern as text, one character per res ('#' on, '.'
// off) for total time: Starting at 100 ms per character reads "#.#.#.".
// It is meant for README tables and test failure messages.
func (p Pattern) Timeline(res, total time.Duration) string {
	if res <= 0 {
		return ""
	}
	var b strings.Builder
	for t := time.Duration(0); t < total; t += res {
		if on, _ := p.At(t); on {
			b.WriteByte('#')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// PatternInfo is one row of the documented state table.
type PatternInfo struct {
	State   State
	Summary string  // what an owner sees, in words
	Example Pattern // the pattern itself (Streaming shown with 2 clients)
}

// Patterns returns the state → pattern table, for the README, --help output
// and the HTTP status page, so documentation is generated from the code.
func Patterns() []PatternInfo {
	summaries := [numStates]string{
		Starting:  "fast flicker (100 ms on/off): booting, camera not ready yet",
		Waiting:   "slow blink (1 s on, 1 s off): ready, no client connected",
		Streaming: "solid on; every 2 s, one short dark blink per client (max 5)",
		Degraded:  "double blink every 1.5 s: a client stalled or disappeared",
		Fault:     "SOS (··· ––– ···): camera or encoder error, see the log",
		Paused:    "short blip every 2 s: paused with the button",
		Stopping:  "off: shutting down (original LED behaviour returns on exit)",
		RolledBack: "three long blinks every 3.5 s: the last update failed and was rolled back " +
			"(instead of waiting/streaming, for 10 min after each boot until an update succeeds)",
	}
	out := make([]PatternInfo, numStates)
	for i := range numStates {
		s := State(i)
		out[i] = PatternInfo{State: s, Summary: summaries[i], Example: PatternFor(s, 2)}
	}
	return out
}
