package codec

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	picimage "github.com/picam-project/picam/image"
)

// pythonWithPIL finds a Python 3 that can import PIL: the system one first
// (Debian's python3-pil), then whatever python3 is on PATH.
func pythonWithPIL(t *testing.T) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		err := exec.CommandContext(ctx, py, "-c", "import PIL.Image").Run()
		cancel()
		if err == nil {
			return py
		}
	}
	return ""
}

// pilDecode is run by Python: it decodes the JPEG, checks what PIL thinks it
// is, and writes the pixels as raw RGB.
const pilDecode = `
import sys
from PIL import Image
im = Image.open(sys.argv[1])
im.load()
assert im.format == "JPEG", im.format
assert im.mode == "RGB", im.mode
open(sys.argv[2], "wb").write(im.tobytes())
print(im.size[0], im.size[1])
`

// TestJPEGDecodesWithPIL checks interoperability with the Python side: PIL
// (libjpeg underneath, like simplejpeg and OpenCV) decodes our JPEG, and the
// counter burnt into the picture reads back right from PIL's pixels.
func TestJPEGDecodesWithPIL(t *testing.T) {
	py := pythonWithPIL(t)
	if py == "" {
		t.Fatal("no python3 with PIL, so Python interop cannot be checked: run make deps (Debian: apt-get install python3-pil)")
	}
	const w, h, seq = 640, 480, 31337
	p, err := picimage.NewTestPattern(w, h)
	if err != nil {
		t.Fatal(err)
	}
	bgr := p.Render(nil, seq, time.Now())
	// One encoder per variant: sequential, and striped with restart markers.
	for _, workers := range []int{1, 4} {
		e, err := NewJPEGWith(JPEGConfig{Quality: DefaultJPEGQuality, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		pkt, err := e.Encode(picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: bgr, Seq: seq})
		e.Close()
		if err != nil {
			t.Fatal(err)
		}
		checkWithPIL(t, py, pkt, bgr, w, h, seq)
	}
}

// checkWithPIL decodes a JPEG packet with PIL and checks the picture.
func checkWithPIL(t *testing.T, py string, pkt av.Packet, bgr []byte, w, h int, seq uint64) {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "frame.jpg"), filepath.Join(dir, "frame.rgb")
	if err := os.WriteFile(in, pkt.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	msg, err := exec.CommandContext(ctx, py, "-c", pilDecode, in, out).CombinedOutput()
	if err != nil {
		t.Fatalf("PIL could not decode our JPEG: %v\n%s", err, msg)
	}
	if got := strings.TrimSpace(string(msg)); got != "640 480" {
		t.Fatalf("PIL says the size is %q", got)
	}
	rgb, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	back, err := picimage.ToBGR(nil, picimage.Frame{Width: w, Height: h, Format: picimage.RGB24, Data: rgb})
	if err != nil {
		t.Fatal(err)
	}
	if mean, _ := diff(back, bgr); mean > 3 {
		t.Errorf("PIL's pixels differ from the original by %.2f on average", mean)
	}
	if n, ok := picimage.ReadCounter(back, w, h); !ok || n != seq {
		t.Errorf("counter read from PIL's decode = %d, %v; want %d", n, ok, seq)
	}
}
