package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, args ...string) *options {
	t.Helper()
	o, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return o
}

// No NetGear option: wait for the server for ever (no rule at all).
func TestGiveUpDefaultWaitsForEver(t *testing.T) {
	now := time.Now()
	for _, args := range [][]string{{"--port", "1"}, {"--port", "1", "--pattern", "2"}, {"--port", "1", "--max-retries", "0"}} {
		if g := newGiveUp(parse(t, args...), now); g != nil {
			t.Errorf("%v: gives up after %v", args, g.window)
		}
	}
}

// Patterns 0 and 1: max_retries waits of 3 × request_timeout, never reset by frames.
func TestGiveUpPattern1CountsEveryRetry(t *testing.T) {
	t0 := time.Unix(1000, 0)
	g := newGiveUp(parse(t, "--port", "1", "--max-retries", "3", "--request-timeout", "4"), t0)
	if g == nil || g.window != 12*time.Second || g.retries != 3 {
		t.Fatalf("rule %+v; want 3 waits of 12s", g)
	}
	if got := g.deadline(); !got.Equal(t0.Add(12 * time.Second)) {
		t.Fatalf("first deadline %v", got)
	}
	if g.silent(t0.Add(12 * time.Second)) { // first silent wait: 2 left
		t.Fatal("gave up after one wait of three")
	}
	g.heard(t0.Add(20 * time.Second)) // a frame restarts the wait but does not refill retries
	if got := g.deadline(); !got.Equal(t0.Add(32 * time.Second)) {
		t.Fatalf("deadline after a frame %v", got)
	}
	if g.silent(t0.Add(32 * time.Second)) {
		t.Fatal("gave up after two waits of three")
	}
	if !g.silent(t0.Add(44 * time.Second)) {
		t.Fatal("did not give up after the third silent wait")
	}
	// --request-timeout alone keeps NetGear's default of 3 retries, and the reverse.
	if g := newGiveUp(parse(t, "--port", "1", "--request-timeout", "500ms"), t0); g.retries != 3 || g.window != 1500*time.Millisecond {
		t.Errorf("--request-timeout alone: %+v", g)
	}
	if g := newGiveUp(parse(t, "--port", "1", "--max_retries", "1"), t0); g.retries != 1 || g.window != 12*time.Second {
		t.Errorf("--max_retries alone: %+v", g)
	}
}

// Pattern 2: one silent subscriber_timeout gives up.
func TestGiveUpPattern2(t *testing.T) {
	t0 := time.Unix(1000, 0)
	g := newGiveUp(parse(t, "--port", "1", "--pattern", "2", "--subscriber_timeout", "2"), t0)
	if g == nil || g.window != 2*time.Second {
		t.Fatalf("rule %+v", g)
	}
	if !g.silent(t0.Add(2 * time.Second)) {
		t.Fatal("did not give up after one silent wait")
	}
}

// --help names NetGear's give-up flags and says the default waits for the server for ever.
func TestHelpStatesGiveUpDefault(t *testing.T) {
	var out strings.Builder
	if code := run([]string{"--help"}, strings.NewReader(""), io.Discard, &out); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{"--max-retries", "--request-timeout SECONDS", "--subscriber-timeout SECONDS", "--raw-colorspace",
		"waits for the server for ever", "(by default picam-client waits for the server for ever)", "Unset (the default): wait for the server for ever"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}
