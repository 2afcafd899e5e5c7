// Package fact is the line protocol between the HIL guest and the host runner.
//
// The guest (the probe program and the guest scripts) does things and reports
// what it saw as facts, one JSON object per console line behind the marker
// "HILJ ". The host decides what is right: keeping the judgement on the host
// means one place holds every expectation, and the guest log stays a plain
// record of what happened that a human can read.
//
// A console line is shared with the kernel, which may print in the middle of
// it, so Parse looks for the marker anywhere in a line and ignores lines whose
// JSON does not decode.
package fact

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Marker starts every fact line.
const Marker = "HILJ "

// Fact is one observation from the guest.
type Fact struct {
	// Step names what was done, e.g. "v4l2.hflip" or "server.exit".
	Step string `json:"step"`
	// Err is set when the step could not be carried out; the host fails it.
	Err string `json:"err,omitempty"`
	// Skip says why the step does not apply on this target (a real Pi has no
	// gpio-sim). The host reports it as skipped, never as passed.
	Skip string `json:"skip,omitempty"`
	// V holds the observed values.
	V map[string]any `json:"v,omitempty"`
}

// Emit writes f as one fact line. A single Write keeps the line whole.
func Emit(w io.Writer, f Fact) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("fact %s: %w", f.Step, err)
	}
	_, err = w.Write([]byte("\n" + Marker + string(b) + "\n"))
	return err
}

// Parse returns the fact on a console line, if there is one.
func Parse(line string) (Fact, bool) {
	i := strings.Index(line, Marker)
	if i < 0 {
		return Fact{}, false
	}
	var f Fact
	s := strings.TrimSpace(line[i+len(Marker):])
	if err := json.Unmarshal([]byte(s), &f); err != nil || f.Step == "" {
		return Fact{}, false
	}
	return f, true
}

// Int returns the integer value of key; ok is false when it is missing or not a number.
func (f Fact) Int(key string) (int64, bool) {
	switch v := f.V[key].(type) {
	case float64:
		return int64(v), v == float64(int64(v))
	case int:
		return int64(v), true
	case int64:
		return v, true
	}
	return 0, false
}

// Str returns the string value of key, or "" when it is missing.
func (f Fact) Str(key string) string {
	s, _ := f.V[key].(string)
	return s
}

// Bool returns the boolean value of key; ok is false when it is missing.
func (f Fact) Bool(key string) (v, ok bool) {
	v, ok = f.V[key].(bool)
	return v, ok
}
