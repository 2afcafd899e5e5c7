package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// mjpegE2EFrames is what ffmpeg must decode from /stream.mjpg: 12 s at 30 fps, longer than the
// status API's 10 s bound on a whole request, which a stream must outlive.
const mjpegE2EFrames = 360

// picam-server --codec jpeg --http serves MJPEG over HTTP to real, independent clients: curl
// saves /snapshot.jpg (a JPEG of the configured size), ffprobe reads /stream.mjpg as mpjpeg,
// and ffmpeg decodes 360 of its pictures without a warning while /api/clients lists it as an
// MJPEG viewer and a picam-client (the NetGear client) keeps getting its frames.
func TestMJPEGOverHTTP(t *testing.T) {
	curl := testkit.NeedTool(t, "curl", "curl")
	testkit.NeedTool(t, "ffmpeg", "ffmpeg") // the player (startPlayer)
	ffprobe := testkit.NeedTool(t, "ffprobe", "ffmpeg")
	const frames = 750 // 25 s at 30 fps: room for ffmpeg's 12 s after the other checks
	ports := freePorts(t, 2)
	ngPort, httpPort := ports[0], ports[1]
	ng := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ngPort), "--pattern", "2",
		"--json", "--stats", "0")
	waitListening(t, ngPort)
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ngPort), "--pattern", "2",
		"--codec", "jpeg", "--resolution", "320x240", "--framerate", "30", "--status-led", "none", "--frames", fmt.Sprint(frames), "--json",
		"--http", fmt.Sprintf("127.0.0.1:%d", httpPort))
	waitListening(t, httpPort)

	snap := filepath.Join(t.TempDir(), "snapshot.jpg")
	if out, err := exec.Command(curl, "-sSf", "--max-time", "10", "-o", snap, base+"/snapshot.jpg").CombinedOutput(); err != nil {
		t.Fatalf("curl /snapshot.jpg: %v\n%s", err, out)
	}
	b, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 320 || img.Bounds().Dy() != 240 {
		t.Fatalf("curl's /snapshot.jpg (%d bytes): %v", len(b), err)
	}

	out, err := exec.Command(ffprobe, "-v", "error", "-f", "mpjpeg", "-show_entries", "stream=codec_name,width,height", "-of", "compact",
		base+"/stream.mjpg").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "stream|codec_name=mjpeg|width=320|height=240" {
		t.Fatalf("ffprobe -f mpjpeg /stream.mjpg: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	ff := startPlayer(ctx, t, "ffmpeg", "http", "jpeg", base+"/stream.mjpg", 320, 240, mjpegE2EFrames)
	var viewer struct {
		Remote string `json:"remote"`
		Frames uint64 `json:"frames_sent"`
	}
	waitFor(t, "ffmpeg as an MJPEG viewer in /api/clients", 15*time.Second, func() bool {
		var st struct {
			Clients []json.RawMessage `json:"clients"`
			MJPEG   []json.RawMessage `json:"mjpeg"`
		}
		if !apiClients(strings.TrimPrefix(base, "http://"), &st) || len(st.MJPEG) != 1 || len(st.Clients) != 1 {
			return false
		}
		return json.Unmarshal(st.MJPEG[0], &viewer) == nil && viewer.Frames > 0
	})
	ff.wait(40 * time.Second) // its ctx ends it sooner
	decoded := ff.checkDecoded(t, mjpegE2EFrames).Decoded
	if code := srv.wait(40 * time.Second); code != 0 {
		t.Fatalf("server exit %d", code)
	}
	var ss serverSummary
	srv.jsonLine(&ss)
	if code := ng.wait(10 * time.Second); code != 0 {
		t.Fatalf("picam-client exit %d: %s", code, ng.Stdout())
	}
	var pc codecClientSummary
	ng.jsonLine(&pc)
	t.Logf("curl's snapshot %d bytes; ffmpeg decoded %d pictures from /stream.mjpg (viewer %s); picam-client got %d of %d frames",
		len(b), decoded, viewer.Remote, pc.Frames, ss.FramesSent)
	if ss.FramesSent != frames || float64(pc.Frames) < 0.99*float64(ss.FramesSent) || pc.DecodeErrors != 0 {
		t.Errorf("picam-client got %d of %d frames (%d decode errors)", pc.Frames, ss.FramesSent, pc.DecodeErrors)
	}
}
