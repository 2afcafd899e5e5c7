package status

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPatternAt(t *testing.T) {
	cases := []struct {
		name     string
		p        Pattern
		elapsed  time.Duration
		wantOn   bool
		wantNext time.Duration
	}{
		{"start of first step", PatternFor(Waiting, 0), 0, true, time.Second},
		{"inside a step", PatternFor(Waiting, 0), ms(250), true, ms(750)},
		{"exact boundary belongs to next step", PatternFor(Waiting, 0), time.Second, false, time.Second},
		{"second cycle", PatternFor(Waiting, 0), ms(4100), true, ms(900)},
		{"negative elapsed clamps to start", PatternFor(Starting, 0), -time.Second, true, ms(100)},
		// Streaming 1: on 2s, off 200ms, on 300ms; the last on merges with the next cycle's 2 s.
		{"merge across wrap-around", PatternFor(Streaming, 1), ms(2300), true, ms(200 + 2000)},
		{"solid on has no next", PatternFor(Streaming, 0), time.Hour, true, 0},
		{"stopping is solid off", PatternFor(Stopping, 0), ms(5), false, 0},
		{"empty pattern is off", Pattern{}, 0, false, 0},
		// Fault: the 3-unit letter gap after the first S.
		{"SOS letter gap", PatternFor(Fault, 0), ms(550), false, ms(250)},
	}
	for _, tc := range cases {
		on, next := tc.p.At(tc.elapsed)
		if on != tc.wantOn || next != tc.wantNext {
			t.Errorf("%s: At(%v) = %v, %v; want %v, %v", tc.name, tc.elapsed, on, next, tc.wantOn, tc.wantNext)
		}
	}
}

func TestPatternCycles(t *testing.T) {
	want := map[State]time.Duration{
		Starting: ms(200), Waiting: 2 * time.Second, Degraded: ms(1500),
		Fault: ms(3400), Paused: 2 * time.Second, RolledBack: ms(3500),
	}
	for s, w := range want {
		if got := PatternFor(s, 0).Cycle(); got != w {
			t.Errorf("%v cycle = %v, want %v", s, got, w)
		}
	}
	for n, w := range map[int]time.Duration{1: ms(2500), 3: ms(3500), 5: ms(4500), 50: ms(4500), -2: ms(2000)} {
		if got := PatternFor(Streaming, n).Cycle(); got != w {
			t.Errorf("streaming with %d clients: cycle = %v, want %v", n, got, w)
		}
	}
}

func TestUnknownStateShowsFault(t *testing.T) {
	if got, want := PatternFor(State(42), 0).String(), PatternFor(Fault, 0).String(); got != want {
		t.Errorf("unknown state pattern = %q, want the fault pattern %q", got, want)
	}
}

func TestTimelineAndString(t *testing.T) {
	if got, want := PatternFor(Starting, 0).Timeline(ms(100), ms(600)), "#.#.#."; got != want {
		t.Errorf("Starting timeline = %q, want %q", got, want)
	}
	if got, want := PatternFor(Degraded, 0).Timeline(ms(150), ms(1800)), "#.#.......#."; got != want {
		t.Errorf("Degraded timeline = %q, want %q", got, want)
	}
	if got, want := PatternFor(Paused, 0).String(), "on 100ms, off 1.9s"; got != want {
		t.Errorf("Paused String = %q, want %q", got, want)
	}
	if got := PatternFor(Streaming, 0).String(); got != "solid on" {
		t.Errorf("Streaming(0) String = %q, want solid on", got)
	}
	if got := PatternFor(Stopping, 0).String(); got != "off" {
		t.Errorf("Stopping String = %q, want off", got)
	}
	if got := PatternFor(Starting, 0).Timeline(0, time.Second); got != "" {
		t.Errorf("Timeline with zero resolution = %q, want empty", got)
	}
}

// TestPatternsDistinguishable checks the table covers every state once and
// that no two states look alike over 4 s, the whole point of the table.
func TestPatternsDistinguishable(t *testing.T) {
	rows := Patterns()
	if len(rows) != numStates {
		t.Fatalf("Patterns() has %d rows, want %d", len(rows), numStates)
	}
	seen := map[string]State{}
	for i, r := range rows {
		if r.State != State(i) || r.Summary == "" {
			t.Errorf("row %d = %v %q; want state %v with a summary", i, r.State, r.Summary, State(i))
		}
		tl := r.Example.Timeline(ms(50), 4*time.Second)
		if prev, dup := seen[tl]; dup {
			t.Errorf("%v and %v look the same: %s", prev, r.State, tl)
		}
		seen[tl] = r.State
	}
}

func TestStateNames(t *testing.T) {
	for i := range numStates {
		s := State(i)
		back, err := ParseState(s.String())
		if err != nil || back != s {
			t.Errorf("ParseState(%q) = %v, %v", s.String(), back, err)
		}
	}
	if _, err := ParseState("busy"); err == nil || !strings.Contains(err.Error(), "streaming") {
		t.Errorf("ParseState(busy) error = %v, want one listing valid names", err)
	}
	if got := State(-1).String(); got != "state(-1)" {
		t.Errorf("State(-1).String() = %q", got)
	}
	b, err := json.Marshal(map[string]State{"s": Streaming})
	if err != nil || string(b) != `{"s":"streaming"}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
	if _, err := json.Marshal(State(99)); err == nil {
		t.Error("marshalling an unknown state succeeded")
	}
}
