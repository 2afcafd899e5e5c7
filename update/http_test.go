package update

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fake is an Engine that records what it was given.
type fake struct {
	mu        sync.Mutex
	checkErr  error
	installEr error
	bundle    Bundle
	block     chan struct{} // Install waits for it when set
	entered   chan struct{} // closed when Install starts, when set
	got       []byte        // the file Install was given
	reboots   int
}

func (f *fake) Check(ctx context.Context, path string) (Bundle, error) {
	if f.checkErr != nil {
		return Bundle{}, f.checkErr
	}
	return f.bundle, nil
}

func (f *fake) Install(ctx context.Context, path string, progress func(string)) error {
	if f.entered != nil {
		close(f.entered)
	}
	if f.block != nil {
		<-f.block
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	progress("50% Copying image to rootfs.1")
	f.mu.Lock()
	f.got = b
	f.mu.Unlock()
	progress("100% Installing done.")
	return f.installEr
}

func (f *fake) Reboot() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reboots++
	return nil
}

func (f *fake) state() ([]byte, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got, f.reboots
}

// serve runs u on a real loopback listener.
func serve(t *testing.T, u *Updater) string {
	t.Helper()
	mux := http.NewServeMux()
	u.Register(mux)
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s.URL
}

func post(t *testing.T, url string, body []byte) (int, Status) {
	t.Helper()
	resp, err := http.Post(url+"/api/update", "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /api/update: %v", err)
	}
	defer resp.Body.Close()
	var st Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("the answer is not a Status: %v", err)
	}
	return resp.StatusCode, st
}

func bundleBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func dirEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("the upload directory still holds %d files (%s): uploads must be removed", len(ents), ents[0].Name())
	}
}

func TestInstallsAndReboots(t *testing.T) {
	dir := t.TempDir()
	f := &fake{bundle: Bundle{Compatible: "picam-rpi", Version: "2.0"}}
	u := New(Options{Engine: f, Dir: dir})
	url := serve(t, u)
	body := bundleBytes(3<<20 + 17)
	code, st := post(t, url, body)
	if code != http.StatusOK || st.State != StateInstalled || !st.Reboot || st.Received != int64(len(body)) || st.Bundle == nil || st.Bundle.Version != "2.0" {
		t.Fatalf("POST answered %d %+v; want 200, installed, reboot, %d bytes, version 2.0", code, st, len(body))
	}
	if st.Progress != "100% Installing done." {
		t.Errorf("progress %q, want the engine's last message", st.Progress)
	}
	// The reboot comes once the answer is out, so the answer may arrive first.
	got, reboots := f.state()
	for deadline := time.Now().Add(5 * time.Second); reboots == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		got, reboots = f.state()
	}
	if !bytes.Equal(got, body) {
		t.Errorf("the engine was given %d bytes that differ from the %d uploaded", len(got), len(body))
	}
	if reboots != 1 {
		t.Errorf("%d reboots after the install, want 1", reboots)
	}
	dirEmpty(t, dir)
	// GET /api/update reports the same.
	resp, err := http.Get(url + "/api/update")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var again Status
	json.NewDecoder(resp.Body).Decode(&again)
	if again.State != StateInstalled || again.Received != st.Received {
		t.Errorf("GET /api/update: %+v, want the installed update", again)
	}
}

func TestRebootZeroLeavesTheRebootToTheCaller(t *testing.T) {
	f := &fake{}
	url := serve(t, New(Options{Engine: f, Dir: t.TempDir()}))
	resp, err := http.Post(url+"/api/update?reboot=0", "", bytes.NewReader(bundleBytes(1000)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, n := f.state(); resp.StatusCode != 200 || n != 0 {
		t.Errorf("?reboot=0: status %d, %d reboots; want 200 and none", resp.StatusCode, n)
	}
}

// The body goes to disk as it arrives: half of it is in the file (and in the status) before
// the rest has been sent.
func TestStreamsToDisk(t *testing.T) {
	dir := t.TempDir()
	f := &fake{}
	u := New(Options{Engine: f, Dir: dir})
	url := serve(t, u)
	body := bundleBytes(2 << 20)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", url+"/api/update?reboot=0", pr)
	req.ContentLength = int64(len(body))
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	half := len(body) / 2
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := u.Status()
		ents, _ := os.ReadDir(dir)
		var onDisk int64
		if len(ents) == 1 {
			if fi, err := ents[0].Info(); err == nil {
				onDisk = fi.Size()
			}
		}
		if st.State == StateReceiving && st.Received == int64(half) && onDisk == int64(half) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("half the body sent: status %+v, %d bytes on disk; want receiving and %d on disk", st, onDisk, half)
		}
		time.Sleep(5 * time.Millisecond)
	}
	pw.Write(body[half:])
	pw.Close()
	resp := <-done
	if resp == nil {
		return
	}
	resp.Body.Close()
	if got, _ := f.state(); resp.StatusCode != 200 || !bytes.Equal(got, body) {
		t.Errorf("status %d, engine got %d bytes; want 200 and the %d sent", resp.StatusCode, len(got), len(body))
	}
}

func TestRefusals(t *testing.T) {
	for _, c := range []struct {
		name     string
		engine   func() Engine
		opts     func(*Options)
		size     int
		code     string
		http     int
		installs bool
	}{
		{"no engine", func() Engine { return nil }, nil, 100, CodeNoEngine, 501, false},
		{"too large", func() Engine { return &fake{} }, func(o *Options) { o.MaxSize = 1000 }, 1001, CodeTooLarge, 413, false},
		{"no space", func() Engine { return &fake{} }, func(o *Options) {
			o.freeSpace = func(string) (int64, error) { return 5 << 20, nil }
		}, 4<<20 + 1, CodeNoSpace, 507, false},
		{"bad signature", func() Engine {
			return &fake{checkErr: refuse(CodeBadSignature, "not signed by a key this system trusts", errors.New("unable to get local issuer certificate"))}
		}, nil, 1000, CodeBadSignature, 422, false},
		{"wrong compatible", func() Engine {
			return &fake{checkErr: refuse(CodeWrongCompatible, `the bundle is for "other", this system is "picam-rpi"`, nil)}
		}, nil, 1000, CodeWrongCompatible, 422, false},
		{"check fails otherwise", func() Engine { return &fake{checkErr: errors.New("rauc crashed")} }, nil, 1000, CodeInvalid, 422, false},
		{"install fails", func() Engine { return &fake{installEr: errors.New("write error on /dev/mmcblk0p3")} }, nil, 1000, CodeInstallFailed, 500, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Engine: c.engine(), Dir: dir}
			if c.opts != nil {
				c.opts(&o)
			}
			u := New(o)
			code, st := post(t, serve(t, u), bundleBytes(c.size))
			if code != c.http || st.State != StateRefused || st.Code != c.code || st.Error == "" || st.Reboot {
				t.Errorf("answered %d %+v; want %d, refused, code %s with a reason, no reboot", code, st, c.http, c.code)
			}
			if f, ok := o.Engine.(*fake); ok {
				got, reboots := f.state()
				if reboots != 0 || (got != nil) != c.installs {
					t.Errorf("engine: installed %v, %d reboots; want installed %v, no reboot", got != nil, reboots, c.installs)
				}
			}
			dirEmpty(t, dir)
		})
	}
}

// rawPost sends a request with head's Content-Length but only body, then closes its side.
func rawPost(t *testing.T, url string, length int, body []byte, extra string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/update HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n\r\n", extra, length)
	c.Write(body)
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

func TestTruncatedUploadIsRefused(t *testing.T) {
	dir := t.TempDir()
	f := &fake{}
	u := New(Options{Engine: f, Dir: dir})
	url := serve(t, u)
	ans := rawPost(t, url, 100000, bundleBytes(60000), "")
	// The server may not get to answer a connection its peer half-closed; the status says it.
	st := u.Status()
	if st.State != StateRefused || st.Code != CodeTruncated || st.Received != 60000 {
		t.Errorf("an upload that ended after 60000 of 100000 bytes: %+v (answer %q); want refused, truncated", st, ans)
	}
	if got, _ := f.state(); got != nil {
		t.Error("the engine installed a truncated upload")
	}
	dirEmpty(t, dir)
}

func TestNoContentLengthIsRefused(t *testing.T) {
	url := serve(t, New(Options{Engine: &fake{}, Dir: t.TempDir()}))
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/update HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 4096)
	n, _ := c.Read(b)
	if !strings.HasPrefix(string(b[:n]), "HTTP/1.1 411") || !strings.Contains(string(b[:n]), CodeNoLength) {
		t.Errorf("a chunked upload: %q; want 411 %s", b[:n], CodeNoLength)
	}
}

// A second update while one is being installed is refused; the first one goes on.
func TestOneUpdateAtATime(t *testing.T) {
	f := &fake{block: make(chan struct{}), entered: make(chan struct{})}
	u := New(Options{Engine: f, Dir: t.TempDir()})
	url := serve(t, u)
	first := make(chan int, 1)
	go func() {
		resp, err := http.Post(url+"/api/update?reboot=0", "", bytes.NewReader(bundleBytes(5000)))
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-f.entered
	code, st := post(t, url, bundleBytes(5000))
	if code != http.StatusConflict || st.Code != CodeInProgress || !strings.Contains(st.Error, "installing") {
		t.Errorf("second update while the first installs: %d %+v; want 409 %s naming the first's state", code, st, CodeInProgress)
	}
	close(f.block)
	if c := <-first; c != 200 {
		t.Errorf("the first update ended with %d, want 200", c)
	}
	if u.Status().State != StateInstalled {
		t.Errorf("after both: %+v, want the first one installed", u.Status())
	}
}

func TestUploadFileIsInDir(t *testing.T) {
	dir := t.TempDir()
	var seen string
	f := &pathEngine{seen: &seen}
	url := serve(t, New(Options{Engine: f, Dir: dir}))
	if code, st := post(t, url+"", bundleBytes(10)); code != 200 {
		t.Fatalf("%d %+v", code, st)
	}
	if filepath.Dir(seen) != dir {
		t.Errorf("the upload was written to %s, want it in %s", seen, dir)
	}
}

type pathEngine struct{ seen *string }

func (p *pathEngine) Check(ctx context.Context, path string) (Bundle, error) {
	*p.seen = path
	return Bundle{}, nil
}
func (p *pathEngine) Install(context.Context, string, func(string)) error { return nil }
func (p *pathEngine) Reboot() error                                       { return nil }

// pattern reads left bytes of a counting pattern, so the sender holds no bundle in memory.
type pattern struct{ n, left int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	k := min(int64(len(b)), p.left)
	for i := range b[:k] {
		b[i] = byte(p.n + int64(i))
	}
	p.n += k
	p.left -= k
	return int(k), nil
}

// A 64 MiB upload goes to disk as it arrives: the heap never grows by more than a few MiB
// (a Pi 3 has 1 GB, a Zero 2 W 512 MB).
func TestUploadIsNotHeldInMemory(t *testing.T) {
	const size = 64 << 20
	u := New(Options{Engine: &sizeEngine{}, Dir: t.TempDir()})
	url := serve(t, u)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := make(chan struct{})
	peak := make(chan uint64, 1)
	go func() {
		var m runtime.MemStats
		var hi uint64
		for {
			runtime.ReadMemStats(&m)
			hi = max(hi, m.HeapAlloc)
			select {
			case <-stop:
				peak <- hi
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	req, _ := http.NewRequest("POST", url+"/api/update?reboot=0", &pattern{left: size})
	req.ContentLength = size
	resp, err := http.DefaultClient.Do(req)
	close(stop)
	hi := <-peak
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || u.Status().Received != size {
		t.Fatalf("a 64 MiB upload: %d %+v", resp.StatusCode, u.Status())
	}
	grew := int64(hi) - int64(base.HeapAlloc)
	t.Logf("64 MiB upload: heap %d MiB before, peak %d MiB", base.HeapAlloc>>20, hi>>20)
	if grew > 16<<20 {
		t.Errorf("the heap grew by %d MiB during a 64 MiB upload: the bundle is being held in memory", grew>>20)
	}
}

// sizeEngine accepts every bundle without reading it.
type sizeEngine struct{}

func (sizeEngine) Check(context.Context, string) (Bundle, error)       { return Bundle{}, nil }
func (sizeEngine) Install(context.Context, string, func(string)) error { return nil }
func (sizeEngine) Reboot() error                                       { return nil }

// Regression: the reboot came right after the answer was flushed, and on the QEMU card it took
// the network down before the answer got through (picam-client saw EOF instead of "installed").
// With RebootDelay the sender has the whole answer before the reboot starts.
func TestRebootWaitsForTheAnswerToLeave(t *testing.T) {
	f := &fake{bundle: Bundle{Compatible: "picam-rpi", Version: "2.0"}}
	u := New(Options{Engine: f, Dir: t.TempDir(), RebootDelay: 500 * time.Millisecond})
	url := serve(t, u)
	code, st := post(t, url, bundleBytes(10<<10))
	if _, reboots := f.state(); code != http.StatusOK || st.State != StateInstalled || !st.Reboot || reboots != 0 {
		t.Fatalf("answer %d %+v, %d reboots when the answer arrived; want installed, reboot pending, none yet", code, st, reboots)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, reboots := f.state(); reboots == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no reboot 5 s after the answer")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
