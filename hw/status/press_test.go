package status

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// rawEdge is one scripted level change, ms after the start.
type rawEdge struct {
	at      int
	pressed bool
}

func P(at int) rawEdge { return rawEdge{at, true} }
func R(at int) rawEdge { return rawEdge{at, false} }

// simulate plays a script through a tracker exactly as Button's loop does,
// with a timer due before (or at the same instant as) an edge handled first,
// and renders the events as "short@250/200 long@3000/3000" (at/held in ms).
func simulate(heldAtStart bool, script []rawEdge, until int) string {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t := &tracker{debounce: DefaultDebounce, long: DefaultLongPress}
	t.edge(base, heldAtStart)
	var out []string
	i := 0
	for {
		next := base.Add(time.Duration(until) * time.Millisecond)
		isEdge := false
		if i < len(script) {
			if e := base.Add(time.Duration(script[i].at) * time.Millisecond); e.Before(next) || e.Equal(next) {
				next, isEdge = e, true
			}
		}
		if due, ok := t.due(); ok && !due.After(next) {
			next, isEdge = due, false
		} else if !isEdge {
			break
		}
		if isEdge {
			t.edge(next, script[i].pressed)
			i++
		}
		for _, ev := range t.advance(next) {
			out = append(out, fmt.Sprintf("%s@%d/%d", ev.Kind, ev.At.Sub(base).Milliseconds(), ev.Held.Milliseconds()))
		}
	}
	return strings.Join(out, " ")
}

func TestTracker(t *testing.T) {
	cases := []struct {
		name  string
		held  bool
		edges []rawEdge
		until int
		want  string
	}{
		{"clean tap", false, []rawEdge{P(0), R(200)}, 1000, "short@250/200"},
		{"bouncy press and release is one short press", false,
			[]rawEdge{P(0), R(2), P(5), R(7), P(9), R(300), P(302), R(305)}, 1000, "short@355/296"},
		{"10 ms glitch is rejected", false, []rawEdge{P(0), R(10)}, 1000, ""},
		{"49 ms glitch is rejected", false, []rawEdge{P(0), R(49)}, 1000, ""},
		{"50 ms press counts", false, []rawEdge{P(0), R(50)}, 1000, "short@100/50"},
		{"burst of bounces never settling is rejected", false,
			[]rawEdge{P(0), R(20), P(40), R(60), P(80), R(100)}, 1000, ""},
		{"long press fires at 3 s while held, release is silent", false, []rawEdge{P(0), R(5000)}, 6000, "long@3000/3000"},
		{"release at 2.98 s is short, even though 3 s pass while debouncing", false,
			[]rawEdge{P(0), R(2980)}, 6000, "short@3030/2980"},
		{"release bouncing across 3 s is short", false,
			[]rawEdge{P(0), R(2980), P(2990), R(3005)}, 6000, "short@3055/3005"},
		{"glitch just before 3 s delays the long press until settled", false,
			[]rawEdge{P(0), R(2990), P(2995)}, 6000, "long@3045/3045"},
		{"release exactly at 3 s is long", false, []rawEdge{P(0), R(3000)}, 6000, "long@3000/3000"},
		{"bounce on release after long is silent", false,
			[]rawEdge{P(0), R(4000), P(4002), R(4004)}, 6000, "long@3000/3000"},
		{"glitch while holding does not reset the long timer", false,
			[]rawEdge{P(0), R(1000), P(1010)}, 4000, "long@3000/3000"},
		{"long press timed from the last bounce", false,
			[]rawEdge{P(0), R(3), P(8)}, 4000, "long@3008/3000"},
		{"held at startup is ignored until released", true, []rawEdge{R(1000)}, 6000, ""},
		{"held at startup for 5 s does not stop the server", true, []rawEdge{R(5000)}, 9000, ""},
		{"after a startup hold, the next press works", true, []rawEdge{R(1000), P(2000), R(2200)}, 3000, "short@2250/200"},
		{"two taps", false, []rawEdge{P(0), R(100), P(400), R(500)}, 1000, "short@150/100 short@550/100"},
		{"long then short", false, []rawEdge{P(0), R(3500), P(4000), R(4100)}, 5000, "long@3000/3000 short@4150/100"},
		{"repeated same level (missed bounce) is harmless", false, []rawEdge{P(0), P(20), R(300), R(320)}, 1000, "short@370/300"},
	}
	for _, tc := range cases {
		if got := simulate(tc.held, tc.edges, tc.until); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPressKindString(t *testing.T) {
	if ShortPress.String() != "short" || LongPress.String() != "long" || PressKind(9).String() != "press(9)" {
		t.Errorf("names: %v %v %v", ShortPress, LongPress, PressKind(9))
	}
}
