package picimage

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxDimension is the largest width or height ParseResolution accepts. It is
// far above any Pi camera mode (4608x2592) and keeps a typo such as
// "6400x4800" from allocating gigabytes per frame.
const MaxDimension = 16384

// ParseResolution parses "WIDTHxHEIGHT" (for example "640x480"; an upper-case
// X and surrounding spaces are accepted) into positive dimensions, with an
// error that shows the expected form, because resolutions come from flags and
// config files typed by people.
func ParseResolution(s string) (w, h int, err error) {
	t := strings.TrimSpace(s)
	ws, hs, ok := strings.Cut(strings.ToLower(t), "x")
	if !ok {
		return 0, 0, fmt.Errorf("picimage: resolution %q: want WIDTHxHEIGHT, for example 640x480", s)
	}
	w, err = parseDim(s, "width", ws)
	if err != nil {
		return 0, 0, err
	}
	h, err = parseDim(s, "height", hs)
	if err != nil {
		return 0, 0, err
	}
	return w, h, nil
}

func parseDim(s, what, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("picimage: resolution %q: %s %q is not a whole number; want WIDTHxHEIGHT, for example 640x480", s, what, v)
	}
	if n <= 0 || n > MaxDimension {
		return 0, fmt.Errorf("picimage: resolution %q: %s %d is out of range 1..%d", s, what, n, MaxDimension)
	}
	return n, nil
}
