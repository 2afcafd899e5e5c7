package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/cli"
)

func TestViewFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--port", "1"}, ""},
		{[]string{"--port", "1", "--view"}, DefaultViewAddr},
		{[]string{"--view", "--port", "1"}, DefaultViewAddr},
		{[]string{"--port", "1", "--view", "127.0.0.1:9000"}, "127.0.0.1:9000"},
		{[]string{"--port", "1", "--view=:9001"}, ":9001"},
	} {
		o, err := parseFlags(c.args, io.Discard)
		if err != nil || o.view != c.want {
			t.Errorf("%v: view %q, err %v; want %q", c.args, o.view, err, c.want)
		}
	}
}

func TestPortsFlagAndModes(t *testing.T) {
	o, err := parseFlags([]string{"--ports", "5566, 5567"}, io.Discard)
	if err != nil || len(o.ports) != 2 || o.multiClient || !o.multiServer() {
		t.Fatalf("--ports: %+v, %v", o, err)
	}
	o, err = parseFlags([]string{"--ports", "5566,5567", "--multiclient"}, io.Discard)
	if err != nil || !o.multiClient {
		t.Fatalf("an explicit --multiclient must reach stream.Listen (for NetGear's error): %+v, %v", o, err)
	}
}

// Bad combinations exit 2 with a message that names the fix.
func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ports", "5566,5567", "--multiclient"}, "cannot be enabled simultaneously"},
		{[]string{"--ports", "5566,5567", "--output", "-"}, "--output carries one camera"},
		{[]string{"--port", "5566", "--record", "x.avi"}, "name it .mp4"},
		{[]string{"--port", "5566", "--pattern", "2", "--return-stdin"}, "need pattern 1"},
		{[]string{"--port", "5566", "--jpeg-quality", "0"}, "use 1-100"},
		{[]string{"--port", "5566", "--ports", "5567"}, "either --port or --ports"},
		{[]string{"--port", "5566", "--pattern", "2", "--max-retries", "2"}, "use --subscriber-timeout with --pattern 2"},
		{[]string{"--port", "5566", "--subscriber-timeout", "2"}, "applies to pattern 2"},
		{[]string{"--port", "5566", "--request-timeout", "0"}, "above 0"},
		{[]string{"--port", "5566", "--request-timeout", "soon"}, "write seconds (4, as NetGear does) or a Go duration"},
		{[]string{"--port", "5566", "--max-retries", "-1"}, "use 0 or more"},
		{[]string{"--port", "5566", "--raw-colorspace", "YUV"}, "use BGR or RGB"},
	} {
		var stderr bytes.Buffer
		code := run(c.args, strings.NewReader(""), io.Discard, &stderr)
		if code != cli.ExitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}

func TestRecordName(t *testing.T) {
	if got := recordName("cams/a.mp4", 5566, true); got != "cams/a-5566.mp4" {
		t.Errorf("several cameras: %q", got)
	}
	if got := recordName("a.mp4", 5566, false); got != "a.mp4" {
		t.Errorf("one camera: %q", got)
	}
}

// On a terminal, log lines go above the status line, which is redrawn after each of them.
func TestConsoleKeepsStatusBelowLogs(t *testing.T) {
	var out bytes.Buffer
	c := &console{w: &out, live: true, width: 20}
	c.SetStatus("5566 streaming 30.0 fps 1.2 Mbit/s")
	io.WriteString(c, "log line\n")
	c.Finish()
	want := clearLine + "5566 streaming 30.…" + clearLine + "log line\n" + "5566 streaming 30.…" + "\n"
	if out.String() != want {
		t.Fatalf("console wrote %q, want %q", out.String(), want)
	}
	var plain bytes.Buffer
	p := &console{w: &plain}
	p.SetStatus("ignored")
	io.WriteString(p, "log\n")
	p.Finish()
	if plain.String() != "log\n" {
		t.Fatalf("not a terminal: wrote %q", plain.String())
	}
}

func collect(t *testing.T, ctx context.Context, r io.Reader) ([]string, error) {
	var lines []string
	err := readLines(ctx, r, func(s string) { lines = append(lines, s) })
	return lines, err
}

func TestReadLinesFromAPipeStopsWithContext(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	io.WriteString(pw, "one\r\ntwo\nthr")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []string)
	second := make(chan struct{})
	go func() {
		var lines []string
		readLines(ctx, pr, func(s string) {
			if lines = append(lines, s); len(lines) == 2 {
				close(second)
			}
		})
		done <- lines
	}()
	select {
	case <-second: // both lines read: the reader now waits on a pipe that stays open
	case lines := <-done:
		t.Fatalf("readLines returned %q before its context ended", lines)
	}
	cancel()
	select {
	case lines := <-done:
		if strings.Join(lines, "|") != "one|two" {
			t.Fatalf("lines %q", lines)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("readLines did not return after its context ended, with standard input still open")
	}
}

func TestReadLinesUntilEOF(t *testing.T) {
	pr, pw, _ := os.Pipe()
	io.WriteString(pw, "a\nb")
	pw.Close()
	lines, err := collect(t, context.Background(), pr)
	pr.Close()
	if err != nil || strings.Join(lines, "|") != "a|b" {
		t.Fatalf("pipe: %q, %v", lines, err)
	}
	lines, err = collect(t, context.Background(), strings.NewReader("x\ny\n"))
	if err != nil || strings.Join(lines, "|") != "x|y" {
		t.Fatalf("reader: %q, %v", lines, err)
	}
}

func TestReturnValue(t *testing.T) {
	if got := string(returnValue("frame {n}", 7)); got != `"frame 7"` {
		t.Errorf("text: %s", got)
	}
	if got := string(returnValue(`{"n": {n}}`, 3)); got != `{"n": 3}` {
		t.Errorf("JSON: %s", got)
	}
}
