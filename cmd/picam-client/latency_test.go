package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/stream"
)

// Issue 16: a header "ts" of 1 made the latency p99 1.8×10¹² ms. Capture times in the future
// or before the connection began are counted and left out; the others are samples.
func TestLatencyIgnoresImpossibleCaptureTimes(t *testing.T) {
	var logs bytes.Buffer
	r := &receiver{log: slog.New(slog.NewTextHandler(&logs, nil))}
	now := time.Now()
	connected := now.Add(-10 * time.Second)
	f := &stream.Frame{Port: 5555, Connected: connected}
	for _, c := range []struct {
		name     string
		captured time.Time
		sample   bool
	}{
		{"ts 1", time.UnixMicro(1), false},
		{"an hour before the connection", connected.Add(-time.Hour), false},
		{"a minute in the future", now.Add(time.Minute), false},
		{"5 ms ago", now.Add(-5 * time.Millisecond), true},
		{"just before the connection (the first frame sent)", connected.Add(-500 * time.Millisecond), true},
		{"a clock 200 ms ahead", now.Add(200 * time.Millisecond), true},
	} {
		p := &media.Packet{}
		before, ignored := len(r.lat), r.sum.LatencyIgnored
		r.noteCapture(p, f, now, c.captured.UnixMicro())
		if got := len(r.lat) > before; got != c.sample || p.Captured.IsZero() == c.sample || (r.sum.LatencyIgnored > ignored) == c.sample {
			t.Errorf("%s: sample %v (want %v), captured %v, ignored %d", c.name, got, c.sample, p.Captured, r.sum.LatencyIgnored)
		}
	}
	if r.sum.LatencyIgnored != 3 {
		t.Errorf("latency_ignored %d, want 3", r.sum.LatencyIgnored)
	}
	for _, l := range r.lat {
		if l > 11_000 || l < -1_000 {
			t.Errorf("sample %v ms kept", l)
		}
	}
	// The log is bounded: a line at 1, 10, 100, 1000 ... ignored samples.
	for i := 0; i < 997; i++ {
		r.noteCapture(&media.Packet{}, f, now, 1)
	}
	if n := strings.Count(logs.String(), "not a latency sample"); n != 4 || r.sum.LatencyIgnored != 1000 {
		t.Errorf("%d log lines for %d ignored samples, want 4 (at 1, 10, 100, 1000)", n, r.sum.LatencyIgnored)
	}
}
