//go:build sdcard

package sdcard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	clientBin string
	buildErr  error
)

// hostClient builds picam-client for this machine once per test binary.
func hostClient(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "picam-sdcard-")
		if err != nil {
			buildErr = fmt.Errorf("temporary directory for picam-client: %w", err)
			return
		}
		clientBin = filepath.Join(dir, "picam-client")
		out, err := exec.Command("go", "build", "-o", clientBin, "../../cmd/picam-client").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build picam-client: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return clientBin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pick a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

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
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan struct{} // closed once stdout is drained and the process has exited
	err    error         // the exit, valid after done

	notify chan struct{} // a frame arrived (buffered, never blocks the reader)
	mu     sync.Mutex
	frames int
	first  time.Time
}

// startClient runs picam-client until it has frames frames (0: until it is killed).
func startClient(t *testing.T, port, frames int) *client {
	t.Helper()
	c := &client{done: make(chan struct{}), notify: make(chan struct{}, 1)}
	c.cmd = exec.Command(hostClient(t), "--address", "127.0.0.1", "--port", strconv.Itoa(port), "--pattern", "2",
		"--frames", strconv.Itoa(frames), "--output", "-", "--json", "--stats", "0", "--timeout", "30s")
	c.cmd.Stderr = &c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("picam-client stdout: %v", err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start picam-client: %v", err)
	}
	// Ends when the client's stdout closes, that is when it exits (or is killed by the cleanup).
	go func() {
		c.count(out)
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(c.stop)
	return c
}

// stop kills the client (if it still runs) and waits until it has gone, freeing its port.
func (c *client) stop() {
	c.cmd.Process.Kill()
	<-c.done
}

// soi starts every JPEG (start of image, then the next marker's 0xFF); it cannot occur inside
// one, where 0xFF is always followed by 0x00 or a restart marker.
var soi = []byte{0xFF, 0xD8, 0xFF}

// count reads the JPEG stream until EOF, counting frames.
func (c *client) count(r io.Reader) {
	buf := make([]byte, 64<<10)
	var carry []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			now := time.Now()
			chunk := append(carry, buf[:n]...)
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
			// Keep the last two bytes: a marker may straddle two reads.
			carry = append([]byte(nil), chunk[max(0, len(chunk)-len(soi)+1):]...)
		}
		if err != nil {
			return
		}
	}
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
		case <-c.done:
			got, _ := c.status()
			if got >= n {
				return
			}
			t.Fatalf("picam-client ended after %d of %d frames: %v\n%s\nguest console:\n%s",
				got, n, c.err, c.stderr.String(), tail(g.serial(), 40))
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
	case <-c.done:
	case <-g.done:
		t.Fatalf("QEMU ended (boot limit %v) before picam-client finished; guest console:\n%s", *bootLimit, tail(g.serial(), 60))
	}
	if c.err != nil {
		t.Fatalf("picam-client: %v\n%s\nguest console:\n%s", c.err, c.stderr.String(), tail(g.serial(), 40))
	}
	var s summary
	lines := strings.Split(strings.TrimSpace(c.stderr.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "{") {
		t.Fatalf("picam-client printed no --json summary last:\n%s", c.stderr.String())
	}
	if err := json.Unmarshal([]byte(last), &s); err != nil {
		t.Fatalf("picam-client --json: %v: %q", err, last)
	}
	return s
}
