package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/internal/cli"
)

// publish = … in picam.conf is --publish; two targets as a list.
func TestPublishFromConf(t *testing.T) {
	p := writeConf(t, "publish = rtmp://relay:1935/live/cam, rtsp://relay:8554/cam\n")
	o, err := parseFlags([]string{"--config", p}, io.Discard)
	if err != nil || o.configErr != nil {
		t.Fatal(err, o.configErr)
	}
	if got := strings.Join(o.publish.urls, " "); got != "rtmp://relay:1935/live/cam rtsp://relay:8554/cam" {
		t.Errorf("publish = %q", got)
	}
}

// A --publish the build cannot serve is a usage error (exit 2) that names the fix.
func TestPublishUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--publish", "srt://relay:9000", "--codec", "jpeg"}, `unsupported URL scheme "srt": use rtmp://HOST[:PORT]/APP/KEY, rtmps://HOST[:PORT]/APP/KEY or rtsp://HOST[:PORT]/PATH`},
		{[]string{"--publish", "rtmp://relay/live/secretkey", "--codec", "jpeg"}, "RTMP carries H.264, not jpeg: add --codec h264"},
		{[]string{"--publish", "rtsp:///cam", "--codec", "jpeg"}, "no host: use rtsp://HOST[:PORT]/PATH"},
	} {
		var stderr bytes.Buffer
		code := run(append(tc.args, "--source", "testsrc", "--status-led", "none"), io.Discard, &stderr)
		if code != cli.ExitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
		if strings.Contains(stderr.String(), "secretkey") {
			t.Errorf("%v: the stream key is printed: %q", tc.args, stderr.String())
		}
	}
}

// A publisher retrying or failed shows as degraded; one publishing counts as a client, and
// alone makes the server streaming.
func TestWithPublishState(t *testing.T) {
	if st, n := withPublish(status.Streaming, 2, nil); st != status.Streaming || n != 2 {
		t.Errorf("no --publish: %v %d", st, n)
	}
	if st, n := withPublish(status.Paused, 0, nil); st != status.Paused || n != 0 {
		t.Errorf("paused: %v %d", st, n)
	}
}

// The publishers are told the stream's frame rate (RTMP's metadata carries it to the relay's
// players): the camera's, the test card's, and 0 (unknown) for a source that runs flat out.
func TestPublishFramerate(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want float64
	}{
		{[]string{"--source", "testsrc", "--framerate", "25"}, 25},
		{[]string{"--source", "testcard", "--framerate", "15"}, 15},
		{[]string{"--source", "testsrc", "--framerate", "0", "--ports", "5577"}, 0},
	} {
		_, pl := buildPipeline(t, append(tc.args, "--codec", "jpeg", "--resolution", "160x120", "--status-led", "none")...)
		if pl.fps != tc.want {
			t.Errorf("%v: fps %v, want %v", tc.args, pl.fps, tc.want)
		}
	}
}
