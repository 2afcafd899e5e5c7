// Package browsertest drives Debian's headless Chromium for picam-client's viewer tests,
// over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages separated by
// NUL bytes on file descriptors 3 and 4), so it needs neither chromedriver nor a WebSocket
// library. `make deps` installs chromium; a test that needs it fails when it is missing.
package browsertest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Binary is the browser the tests run.
const Binary = "chromium"

// CallTimeout bounds one DevTools call.
const CallTimeout = 30 * time.Second

// Browser is one headless Chromium with one page.
type Browser struct {
	t        testing.TB
	cmd      *exec.Cmd
	toChrome *os.File
	session  string

	mu      sync.Mutex
	nextID  int
	pending map[int]chan reply
	exited  chan struct{}
	readErr error
}

type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Start launches Chromium with the flags that work on these machines (no sandbox, no GPU, no
// network services) and a fresh profile, and opens one page of width x height CSS pixels at
// device scale 1, so screenshots map 1:1 to canvas pixels. The browser is killed when the test
// ends.
func Start(t testing.TB, width, height int) *Browser {
	t.Helper()
	if _, err := exec.LookPath(Binary); err != nil {
		t.Fatalf("%s is not installed: run `make deps` (it installs Debian's chromium and ffmpeg)", Binary)
	}
	chromeIn, toChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromChrome, chromeOut, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
		fmt.Sprintf("--window-size=%d,%d", width, height),
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{chromeIn, chromeOut} // fd 3: commands in, fd 4: replies out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", Binary, err)
	}
	chromeIn.Close()
	chromeOut.Close()
	b := &Browser{t: t, cmd: cmd, toChrome: toChrome, pending: map[int]chan reply{}, exited: make(chan struct{})}
	readDone := make(chan struct{})
	go func() { // ends when Chromium closes its end of the pipe (it exited or was killed)
		defer close(readDone)
		b.readLoop(fromChrome)
	}()
	go func() {
		_ = cmd.Wait()
		close(b.exited)
	}()
	t.Cleanup(func() {
		toChrome.Close()
		_ = cmd.Process.Kill()
		<-b.exited
		<-readDone
		fromChrome.Close()
		if t.Failed() {
			t.Logf("chromium stderr (tail):\n%s", tail(stderr.String(), 2000))
		}
	})

	var target struct{ TargetID string }
	b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var att struct{ SessionID string }
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att)
	b.session = att.SessionID
	b.call(b.session, "Page.enable", nil, nil)
	b.call(b.session, "Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	return b
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func (b *Browser) readLoop(r *os.File) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.readErr = err
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m struct {
			ID int `json:"id"`
			reply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event
		}
		b.mu.Lock()
		ch := b.pending[m.ID]
		delete(b.pending, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m.reply
		}
	}
}

// call sends one DevTools command and decodes its result into out (nil: ignore it). It fails
// the test on an error or after CallTimeout.
func (b *Browser) call(session, method string, params any, out any) {
	b.t.Helper()
	if err := b.Call(session, method, params, out); err != nil {
		b.t.Fatal(err)
	}
}

// Call is call that returns its error instead of failing the test.
func (b *Browser) Call(session, method string, params any, out any) error {
	b.mu.Lock()
	if b.readErr != nil {
		b.mu.Unlock()
		return fmt.Errorf("%s: chromium is gone: %w", method, b.readErr)
	}
	b.nextID++
	id := b.nextID
	ch := make(chan reply, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, _ := json.Marshal(msg)
	if _, err := b.toChrome.Write(append(data, 0)); err != nil {
		return fmt.Errorf("%s: writing to chromium: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: chromium exited", method)
		}
		if r.Error != nil {
			return fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(r.Result, out)
		}
		return nil
	case <-time.After(CallTimeout):
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: no answer from chromium within %v", method, CallTimeout)
	}
}

// Navigate opens url in the page.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	var r struct{ ErrorText string }
	b.call(b.session, "Page.navigate", map[string]any{"url": url}, &r)
	if r.ErrorText != "" {
		b.t.Fatalf("navigating to %s: %s", url, r.ErrorText)
	}
}

// Eval evaluates a JavaScript expression in the page (awaiting a promise) and decodes its
// JSON value into out.
func (b *Browser) Eval(expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := b.Call(b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("evaluating %q: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out == nil || len(r.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(r.Result.Value, out)
}

// WaitFor evaluates a boolean expression until it is true, failing the test after d.
func (b *Browser) WaitFor(expr string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for {
		var ok bool
		err := b.Eval(expr, &ok)
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			var state any
			_ = b.Eval("JSON.stringify(window.picam || null)", &state)
			b.t.Fatalf("waited %v for %s (last error %v); page state: %v", d, expr, err, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Screenshot captures the page as a PNG.
func (b *Browser) Screenshot() []byte {
	b.t.Helper()
	var r struct{ Data string }
	b.call(b.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	return png
}

// Rect is an element's box in CSS pixels (= screenshot pixels at device scale 1).
type Rect struct{ X, Y, Width, Height float64 }

// Bounds returns the box of the first element matching a CSS selector.
func (b *Browser) Bounds(selector string) Rect {
	b.t.Helper()
	var r Rect
	expr := fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return {X: r.x, Y: r.y, Width: r.width, Height: r.height}; })()`, selector)
	if err := b.Eval(expr, &r); err != nil {
		b.t.Fatal(err)
	}
	return r
}

// Crop decodes a PNG screenshot and returns the region r as tightly packed BGR24 (the layout
// picam's test pattern and picimage.ReadCounter use).
func Crop(t testing.TB, pngData []byte, r Rect) (bgr []byte, w, h int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatalf("decoding screenshot: %v", err)
	}
	x0, y0 := int(r.X+0.5), int(r.Y+0.5)
	w, h = int(r.Width+0.5), int(r.Height+0.5)
	bgr = make([]byte, 0, w*h*3)
	for y := y0; y < y0+h; y++ {
		for x := x0; x < x0+w; x++ {
			c := img.At(x, y)
			if !(image.Point{x, y}).In(img.Bounds()) {
				bgr = append(bgr, 0, 0, 0)
				continue
			}
			cr, cg, cb, _ := c.RGBA()
			bgr = append(bgr, byte(cb>>8), byte(cg>>8), byte(cr>>8))
		}
	}
	return bgr, w, h
}
