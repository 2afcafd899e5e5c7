package rtsp

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// These tests play the stream to real, independent RTSP clients from Debian: ffmpeg and
// GStreamer's rtspsrc, over TCP and UDP, for H.264 and JPEG.

// minFrames is how many pictures each client must decode.
const minFrames = 300

// ffmpegDecode has ffmpeg read url over transport and decode frames pictures; it returns the
// MD5 of each decoded picture and what ffmpeg logged at warning level or above.
func ffmpegDecode(ctx context.Context, t *testing.T, url, transport string, frames int) ([]string, string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, needTool(t, "ffmpeg", "ffmpeg"), "-nostdin", "-v", "warning",
		"-rtsp_transport", transport, "-timeout", "5000000", "-i", url,
		"-frames:v", fmt.Sprint(frames), "-f", "framemd5", "-")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("ffmpeg over %s: %v\n%s", transport, err, stderr.String())
	}
	return parseFrameMD5(out), stderr.String()
}

func TestFFmpegDecodes(t *testing.T) {
	for _, codecName := range []string{"h264", "jpeg"} {
		t.Run(codecName, func(t *testing.T) {
			t.Parallel()
			var src *source
			if codecName == "h264" {
				src = h264Source(t, 90, 30)
			} else {
				src = jpegSource(t, 90)
			}
			ts := startServer(t, Config{Logger: quietLogger()}, src, 30)
			for _, transport := range []string{"tcp", "udp"} {
				t.Run(transport, func(t *testing.T) {
					t.Parallel()
					ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
					defer cancel()
					hashes, log := ffmpegDecode(ctx, t, ts.url, transport, minFrames)
					unknown := 0
					for _, h := range hashes {
						if !src.md5s[h] {
							unknown++
						}
					}
					t.Logf("ffmpeg %s/%s: %d frames decoded, %d differ from the source; log: %q", codecName, transport, len(hashes), unknown, log)
					if len(hashes) < minFrames {
						t.Errorf("decoded %d frames, want %d", len(hashes), minFrames)
					}
					if unknown > 0 {
						t.Errorf("%d decoded pictures match no source picture (corrupt)", unknown)
					}
					if strings.TrimSpace(log) != "" {
						t.Errorf("ffmpeg reported problems:\n%s", log)
					}
				})
			}
		})
	}
}

// gstPipelines are the depayload-and-decode halves of the GStreamer pipelines per codec.
var gstPipelines = map[string][]string{
	"h264": {"rtph264depay", "!", "avdec_h264"},
	"jpeg": {"rtpjpegdepay", "!", "jpegdec"},
}

// gstElements names the Debian package of every GStreamer element the tests use.
var gstElements = map[string]string{
	"rtspsrc": "gstreamer1.0-plugins-good", "rtph264depay": "gstreamer1.0-plugins-good",
	"rtpjpegdepay": "gstreamer1.0-plugins-good", "jpegdec": "gstreamer1.0-plugins-good",
	"avdec_h264": "gstreamer1.0-libav", "identity": "libgstreamer1.0-0", "fakesink": "libgstreamer1.0-0",
}

var gstProblem = regexp.MustCompile(`(?m)^(WARNING|ERROR)|CRITICAL|decode error|Failed`)

func TestGStreamerDecodes(t *testing.T) {
	gst := needTool(t, "gst-launch-1.0", "gstreamer1.0-tools")
	inspect := needTool(t, "gst-inspect-1.0", "gstreamer1.0-tools")
	for el, pkg := range gstElements {
		if err := exec.Command(inspect, "--exists", el).Run(); err != nil {
			t.Fatalf("GStreamer element %s missing: apt-get install --no-install-recommends %s (make deps)", el, pkg)
		}
	}
	for _, codecName := range []string{"h264", "jpeg"} {
		t.Run(codecName, func(t *testing.T) {
			t.Parallel()
			var src *source
			if codecName == "h264" {
				src = h264Source(t, 90, 30)
			} else {
				src = jpegSource(t, 90)
			}
			ts := startServer(t, Config{Logger: quietLogger()}, src, 30)
			for _, transport := range []string{"tcp", "udp"} {
				t.Run(transport, func(t *testing.T) {
					t.Parallel()
					ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
					defer cancel()
					// identity eos-after ends the pipeline after minFrames decoded pictures; -m
					// prints the bus messages, so every warning or error is seen.
					args := []string{"-m", "rtspsrc", "location=" + ts.url, "protocols=" + transport, "latency=200", "!"}
					args = append(args, gstPipelines[codecName]...)
					args = append(args, "!", "identity", fmt.Sprintf("eos-after=%d", minFrames), "!", "fakesink", "sync=false")
					cmd := exec.CommandContext(ctx, gst, args...)
					start := time.Now()
					out, err := cmd.CombinedOutput()
					log := string(out)
					t.Logf("gst-launch %s/%s took %v", codecName, transport, time.Since(start).Round(time.Millisecond))
					if err != nil {
						t.Fatalf("gst-launch-1.0 %s: %v\n%s", strings.Join(args, " "), err, log)
					}
					if !strings.Contains(log, "Got EOS from element") {
						t.Errorf("the pipeline did not reach end of stream after %d pictures:\n%s", minFrames, log)
					}
					if m := gstProblem.FindAllString(log, -1); m != nil {
						t.Errorf("GStreamer reported problems %q:\n%s", m, log)
					}
				})
			}
		})
	}
}
