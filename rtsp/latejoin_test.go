package rtsp

import (
	"context"
	"io"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// firstPicture starts ffmpeg on url and returns when it started and when the first decoded
// picture came out of it (raw video on its stdout).
func firstPicture(t *testing.T, url string) (started, picture time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Low-latency options: no probing beyond the SDP (which carries SPS and PPS), and one
	// decoding thread (frame threads hold back a picture per thread). Not -fflags nobuffer:
	// it drops the packets read while probing, the joiner's keyframe among them.
	cmd := exec.CommandContext(ctx, needTool(t, "ffmpeg", "ffmpeg"), "-nostdin", "-v", "error",
		"-rtsp_transport", "tcp", "-flags", "low_delay", "-threads", "1", "-probesize", "32", "-analyzeduration", "0",
		"-i", url, "-frames:v", "1", "-f", "rawvideo", "-")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	_, rerr := io.ReadFull(out, b[:])
	picture = time.Now()
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil || rerr != nil {
		t.Fatalf("ffmpeg: %v %v", err, rerr)
	}
	return started, picture
}

// TestLateJoin: a client joining a running H.264 stream gets its first decoded picture soon
// after its DESCRIBE. The test source has an IDR every 10 frames (a third of a second at
// 30 fps): the fan-out starts each feed at a keyframe, which picam's encoders produce on
// request within a frame or two; a file source can only wait for the next one.
func TestLateJoin(t *testing.T) {
	const keyint, fps = 10, 30
	ts := startServer(t, Config{Logger: quietLogger()}, h264Source(t, 90, keyint), fps)
	time.Sleep(500 * time.Millisecond)
	var fromDescribe, fromStart []time.Duration
	for range 5 {
		started, picture := firstPicture(t, ts.url)
		ts.b.mu.Lock()
		described := ts.b.lastSubscribe
		ts.b.mu.Unlock()
		fromDescribe = append(fromDescribe, picture.Sub(described).Round(time.Millisecond))
		fromStart = append(fromStart, picture.Sub(started).Round(time.Millisecond))
		time.Sleep(137 * time.Millisecond)
	}
	slices.Sort(fromDescribe)
	slices.Sort(fromStart)
	t.Logf("first decoded picture after DESCRIBE: %v; after starting ffmpeg: %v", fromDescribe, fromStart)
	// The keyframe wait (at most one keyframe interval) plus 0.5 s, for the median.
	if limit := time.Second*keyint/fps + 500*time.Millisecond; fromDescribe[2] > limit {
		t.Errorf("median first picture %v after DESCRIBE, want at most %v", fromDescribe[2], limit)
	}
}
