//go:build sdcard

package sdcard

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// TestMain removes the binaries hostClient built.
func TestMain(m *testing.M) {
	code := m.Run()
	testkit.RemoveBinaries()
	os.Exit(code)
}

// hostClient builds picam-client for this machine once per test binary.
func hostClient(t *testing.T) string {
	t.Helper()
	path, err := testkit.Binary("picam-client", testkit.Build{Pkg: "./cmd/picam-client"})
	if err != nil {
		t.Fatalf("%v", err)
	}
	return path
}

func freePort(t *testing.T) int { t.Helper(); return testkit.Port(t) }

// summary is the part of picam-client's --json line the test reads.
type summary struct {
	Frames       uint64   `json:"frames"`
	DecodeErrors uint64   `json:"decode_errors"`
	MissingParts uint64   `json:"missing_parts"`
	Shapes       []string `json:"shapes"`
	Exit         string   `json:"exit"`
}

// client is picam-client bound to 127.0.0.1:port, waiting for the card's server to dial it. It
// writes every frame it receives to stdout as a JPEG (--output -), which this side counts, so
// the arrival of the first frame is seen the moment it happens, whether or not the client then
// goes on receiving.
type client struct {
	*testkit.Proc // Done once stdout is drained and the process has exited

	notify chan struct{} // a frame arrived (buffered, never blocks the reader)
	carry  []byte        // the end of the previous write; only count touches it

	mu     sync.Mutex
	frames int
	first  time.Time
}

// startClient runs picam-client until it has frames frames (0: until it is killed).
func startClient(t *testing.T, port, frames int) *client {
	t.Helper()
	c := &client{notify: make(chan struct{}, 1)}
	cmd := exec.Command(hostClient(t), "--address", "127.0.0.1", "--port", strconv.Itoa(port), "--pattern", "2",
		"--frames", strconv.Itoa(frames), "--output", "-", "--json", "--stats", "0", "--timeout", "30s")
	// stdout is counted as it arrives; the client is killed when the test ends (freeing its port).
	c.Proc = testkit.StartT(t, cmd, testkit.Options{Name: "picam-client", Stdout: writerFunc(c.count)})
	return c
}

// stop kills the client (if it still runs) and waits until it has gone, freeing its port.
func (c *client) stop() { c.Kill() }

// soi starts every JPEG (start of image, then the next marker's 0xFF); it cannot occur inside
// one, where 0xFF is always followed by 0x00 or a restart marker.
var soi = []byte{0xFF, 0xD8, 0xFF}

// count counts the frames in the next piece of the JPEG stream.
func (c *client) count(p []byte) (int, error) {
	now := time.Now()
	chunk := append(c.carry, p...)
	if k := bytes.Count(chunk, soi); k > 0 {
		c.mu.Lock()
		if c.frames == 0 {
			c.first = now
		}
		c.frames += k
		c.mu.Unlock()
		select {
		case c.notify <- struct{}{}:
		default:
		}
	}
	// Keep the last two bytes: a marker may straddle two writes.
	c.carry = append([]byte(nil), chunk[max(0, len(chunk)-len(soi)+1):]...)
	return len(p), nil
}

func (c *client) status() (frames int, first time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frames, c.first
}

// waitFrames waits until the client has n frames; it fails the test, with the guest's console,
// when the client or QEMU ends first (QEMU ends at the boot limit at the latest).
func (c *client) waitFrames(t *testing.T, g *guest, n int) {
	t.Helper()
	for {
		if got, _ := c.status(); got >= n {
			return
		}
		select {
		case <-c.notify:
		case <-c.Done():
			got, _ := c.status()
			if got >= n {
				return
			}
			t.Fatalf("picam-client ended after %d of %d frames: %v\n%s\nguest console:\n%s",
				got, n, c.Err(), c.Stderr(), tail(g.serial(), 40))
		case <-g.done:
			t.Fatalf("QEMU ended (boot limit %v) before the client had %d frames; guest console:\n%s",
				*bootLimit, n, tail(g.serial(), 60))
		}
	}
}

// summary waits for the client to exit (it was started with a frame count) and returns its
// --json line, which goes to stderr because stdout carries the frames.
func (c *client) summary(t *testing.T, g *guest) summary {
	t.Helper()
	select {
	case <-c.Done():
	case <-g.done:
		t.Fatalf("QEMU ended (boot limit %v) before picam-client finished; guest console:\n%s", *bootLimit, tail(g.serial(), 60))
	}
	if c.Err() != nil {
		t.Fatalf("picam-client: %v\n%s\nguest console:\n%s", c.Err(), c.Stderr(), tail(g.serial(), 40))
	}
	var s summary
	lines := strings.Split(strings.TrimSpace(c.Stderr()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "{") {
		t.Fatalf("picam-client printed no --json summary last:\n%s", c.Stderr())
	}
	if err := json.Unmarshal([]byte(last), &s); err != nil {
		t.Fatalf("picam-client --json: %v: %q", err, last)
	}
	return s
}
