// Package mediatest makes real H.264 and JPEG streams for picam-client's tests, with Debian's
// ffmpeg and picam's own test pattern, and checks files with ffprobe. `make deps` installs
// ffmpeg; a test that needs it fails (rather than skipping) when it is missing, so a machine
// without it cannot pass as green.
package mediatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/picam-project/picam/codec"
	picimage "github.com/picam-project/picam/image"
)

// Need fails the test unless the named programs are installed.
func Need(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is not installed: run `make deps` (it installs Debian's ffmpeg and chromium)", p)
		}
	}
}

// JPEG encodes n frames of picam's moving test pattern (frame counter burnt in) with picam's
// own JPEG encoder at quality 85, one JPEG per frame.
func JPEG(t testing.TB, w, h, n int) [][]byte {
	t.Helper()
	pat, err := picimage.NewTestPattern(w, h)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := codec.NewJPEG(85)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	out := make([][]byte, n)
	for i := range out {
		pk, err := enc.Encode(picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: pat.Render(nil, uint64(i), time.Now()), Seq: uint64(i), Keyframe: true})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = pk.Data
	}
	return out
}

// H264 encodes frames of picam's moving test pattern (with its frame counter burnt in) with
// ffmpeg's libx264 and returns one Annex-B access unit per frame, in order: baseline profile,
// no B-frames, a keyframe every gop frames with SPS and PPS in front of it, as a camera
// encoder sends them.
func H264(t testing.TB, w, h, frames, gop int) [][]byte {
	t.Helper()
	Need(t, "ffmpeg")
	pat, err := picimage.NewTestPattern(w, h)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range frames {
		raw.Write(pat.Render(nil, uint64(i), base.Add(time.Duration(i)*time.Second/30)))
	}
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error",
		"-f", "rawvideo", "-pixel_format", "bgr24", "-video_size", fmt.Sprintf("%dx%d", w, h), "-framerate", "30", "-i", "-",
		"-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-tune", "zerolatency",
		"-g", strconv.Itoa(gop), "-keyint_min", strconv.Itoa(gop), "-sc_threshold", "0", "-bf", "0", "-crf", "23",
		"-x264-params", "aud=1:repeat-headers=1", "-f", "h264", "-")
	cmd.Stdin = &raw
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, errb.String())
	}
	aus := SplitAtAUD(out.Bytes())
	if len(aus) != frames {
		t.Fatalf("ffmpeg gave %d access units for %d frames", len(aus), frames)
	}
	return aus
}

// SplitAtAUD cuts an Annex-B stream into access units at each access unit delimiter (NAL type
// 9), which H264 asks the encoder to write.
func SplitAtAUD(b []byte) [][]byte {
	var starts []int
	for i := 0; i+4 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 0 && b[i+3] == 1 && b[i+4]&0x1f == 9 {
			starts = append(starts, i)
		}
	}
	out := make([][]byte, len(starts))
	for i, s := range starts {
		end := len(b)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		out[i] = b[s:end]
	}
	return out
}

// Probe is what ffprobe says about a file's first video stream.
type Probe struct {
	Codec    string  // codec_name, e.g. "h264", "mjpeg"
	Width    int     //
	Height   int     //
	Frames   int     // frames actually decoded (nb_read_frames)
	Duration float64 // seconds (the stream's, else the container's)
	Raw      string  // ffprobe's JSON, for logs
}

// FFprobe counts the decodable frames of a file and reads its duration. format forces the
// demuxer (e.g. "mjpeg", "h264") for bare streams; "" lets ffprobe guess.
func FFprobe(t testing.TB, path, format string) Probe {
	t.Helper()
	Need(t, "ffprobe")
	args := []string{"-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames,duration:format=duration", "-of", "json"}
	if format != "" {
		args = append(args, "-f", format)
	}
	out, err := exec.Command("ffprobe", append(args, path)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	var r struct {
		Streams []struct {
			Codec    string `json:"codec_name"`
			Width    int    `json:"width"`
			Height   int    `json:"height"`
			Frames   string `json:"nb_read_frames"`
			Duration string `json:"duration"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) == 0 {
		t.Fatalf("ffprobe %s: no video stream in %s (%v)", path, out, err)
	}
	s := r.Streams[0]
	p := Probe{Codec: s.Codec, Width: s.Width, Height: s.Height, Raw: string(out)}
	p.Frames, _ = strconv.Atoi(s.Frames)
	d := s.Duration
	if d == "" || d == "N/A" {
		d = r.Format.Duration
	}
	p.Duration, _ = strconv.ParseFloat(d, 64)
	return p
}
