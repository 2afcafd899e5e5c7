package status

import (
	"fmt"
	"time"
)

// PressKind says what the owner did with the button.
type PressKind int

const (
	// ShortPress is a press released before the long-press threshold. The
	// server uses it to toggle pause/resume.
	ShortPress PressKind = iota + 1
	// LongPress is sent as soon as the button has been held for the threshold
	// (3 s by default), while it is still held, so the LEDs can react before
	// the owner lets go. The server uses it to stop cleanly. The release that
	// follows sends nothing.
	LongPress
)

// String returns "short" or "long".
func (k PressKind) String() string {
	switch k {
	case ShortPress:
		return "short"
	case LongPress:
		return "long"
	}
	return fmt.Sprintf("press(%d)", int(k))
}

// ButtonEvent is one recognised press.
type ButtonEvent struct {
	Kind PressKind
	At   time.Time     // when it was recognised (release for short, threshold for long)
	Held time.Duration // how long the button was down when recognised
}

// Defaults for button timing. 50 ms outlasts the bounce of common tactile
// switches (typically 1–10 ms) and is still far below a deliberate tap
// (~100 ms); 3 s is long enough that nobody stops the camera by accident.
const (
	DefaultDebounce  = 50 * time.Millisecond
	DefaultLongPress = 3 * time.Second
)

// tracker turns raw, bouncing levels into presses. It is pure logic over
// explicit times so it can be tested without goroutines; Button feeds it.
//
// A level counts once it has held for the debounce time with no further
// edge. A long press is timed from the last edge of the press, and is not
// reported while any edge is still being debounced: letting go at 2.98 s is a
// short press even though 3 s pass before the release is confirmed, and so is
// a release whose contacts bounce across the 3 s mark. A glitch while held
// only delays the long press until the level has settled again.
type tracker struct {
	debounce, long time.Duration

	started    bool
	raw        bool      // last level seen
	stable     bool      // debounced level
	lastEdge   time.Time // time of the last raw edge
	pending    bool      // a raw edge is waiting for its debounce time
	pressedAt  time.Time // when the current stable press began
	suppressed bool      // the current press already produced its event (or was held at startup)
}

// edge records a raw level. The first call gives the level at startup: a
// button already held then (stuck, or shorted) is ignored until released, so
// it cannot stop the server on boot.
func (t *tracker) edge(at time.Time, pressed bool) {
	if !t.started {
		t.started, t.raw, t.stable, t.suppressed = true, pressed, pressed, pressed
		return
	}
	t.raw, t.lastEdge, t.pending = pressed, at, true
}

// due returns when advance must next be called, if ever.
func (t *tracker) due() (time.Time, bool) {
	var at time.Time
	ok := false
	if t.pending {
		at, ok = t.lastEdge.Add(t.debounce), true
	}
	if t.stable && !t.pending && !t.suppressed {
		at, ok = t.pressedAt.Add(t.long), true
	}
	return at, ok
}

// advance applies everything due at now and returns the presses recognised.
func (t *tracker) advance(now time.Time) []ButtonEvent {
	var evs []ButtonEvent
	if t.pending && !now.Before(t.lastEdge.Add(t.debounce)) {
		t.pending = false
		if t.raw != t.stable {
			t.stable = t.raw
			if t.stable {
				t.pressedAt, t.suppressed = t.lastEdge, false
			} else {
				if !t.suppressed {
					evs = append(evs, ButtonEvent{Kind: ShortPress, At: now, Held: t.lastEdge.Sub(t.pressedAt)})
				}
				t.suppressed = false
			}
		}
	}
	if t.stable && !t.pending && !t.suppressed && !now.Before(t.pressedAt.Add(t.long)) {
		t.suppressed = true
		evs = append(evs, ButtonEvent{Kind: LongPress, At: now, Held: now.Sub(t.pressedAt)})
	}
	return evs
}
