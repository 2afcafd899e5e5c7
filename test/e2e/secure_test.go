package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// pyKeys makes a NetGear key tree in dir/.vidgear/keys with pyzmq's
// zmq.auth.create_certificates, moved into public_keys and private_keys as NetGear's
// generate_keys does, so the Go side is tested against files it did not write.
func pyKeys(t *testing.T, dir string) {
	t.Helper()
	requirePython(t)
	script := `
import os, shutil, sys, zmq.auth
k = os.path.join(sys.argv[1], ".vidgear", "keys")
pub, priv = os.path.join(k, "public_keys"), os.path.join(k, "private_keys")
for d in (k, pub, priv):
    os.makedirs(d, exist_ok=True)
for n in ("server", "client"):
    p, s = zmq.auth.create_certificates(k, n)
    shutil.move(p, os.path.join(pub, os.path.basename(p)))
    shutil.move(s, os.path.join(priv, os.path.basename(s)))
`
	if out, err := exec.Command("/usr/bin/python3", "-c", script, dir).CombinedOutput(); err != nil {
		t.Fatalf("create_certificates: %v\n%s", err, out)
	}
}

// goKeys makes the tree with picam-server keys.
func goKeys(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	k := start(t, "picam-server", "keys", "--out", dir)
	if code := k.wait(10 * time.Second); code != 0 {
		t.Fatalf("picam-server keys: exit %d", code)
	}
	return dir
}

// picam-server --secure-mode 2 --pattern 1 streams to NetGear-protocol receivers that use keys
// made by zmq.auth.create_certificates.
func TestSecurePicamServerToNetGearReceivers(t *testing.T) {
	dir := t.TempDir()
	pyKeys(t, dir)
	ports := freePorts(t, 2)
	var pys []*proc
	for _, p := range ports {
		py := start(t, "netgear_peer.py", "client", "--address", "127.0.0.1", "--port", fmt.Sprint(p), "--pattern", "1",
			"--secure-mode", "2", "--cert-dir", dir, "--return", "secure {n}", "--max-seconds", "60")
		waitReadyLine(t, py)
		pys = append(pys, py)
	}
	const frames = 40
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", joinPorts(ports), "--pattern", "1", "--delivery", "round-robin",
		"--secure-mode", "2", "--cert-dir", dir, "--codec", "jpeg", "--resolution", "320x240", "--framerate", "30",
		"--frames", fmt.Sprint(frames), "--json")
	if code := srv.wait(40 * time.Second); code != 0 {
		t.Fatalf("server exit %d", code)
	}
	var ss serverSummary
	srv.jsonLine(&ss)
	if ss.FramesSent != frames {
		t.Fatalf("server sent %d/%d", ss.FramesSent, frames)
	}
	// pyzmq writes secret files with the umask (0644): picam warns, and never prints a key.
	if !strings.Contains(srv.Stderr(), "secret key file is not private") {
		t.Errorf("no warning about the world-readable client.key_secret:\n%s", srv.Stderr())
	}
	assertNoSecretInLog(t, dir, "client", srv.Stderr())
	total := 0
	for i, py := range pys {
		if code := py.wait(15 * time.Second); code != 0 {
			t.Fatalf("python client %d exit %d: %s", ports[i], code, py.Stdout())
		}
		var pc pyClient
		py.jsonLine(&pc)
		if !pc.Terminated || pc.DecodeErrors != 0 || pc.Frames < frames/2-2 {
			t.Errorf("python client %d: %+v", ports[i], pc)
		}
		total += pc.Frames
	}
	if total != frames {
		t.Errorf("python clients got %d frames in all, want %d (round-robin)", total, frames)
	}
	for _, c := range ss.Clients {
		if c.Replies < frames/2-2 || !strings.Contains(string(c.LastData), "secure") {
			t.Errorf("replies through CURVE: %+v", c)
		}
	}
}

// assertNoSecretInLog checks that the Z85 secret key of NAME appears nowhere in the log.
func assertNoSecretInLog(t *testing.T, dir, name, log string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ".vidgear", "keys", "private_keys", name+".key_secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "secret-key" {
			secret := strings.Trim(strings.TrimSpace(v), `"`)
			if len(secret) != 40 {
				t.Fatalf("secret key line %q", line)
			}
			if strings.Contains(log, secret) {
				t.Fatalf("the %s secret key is in the log", name)
			}
			return
		}
	}
	t.Fatal("no secret-key line in the certificate")
}

// picam-client --secure-mode 2 receives from a Python NetGear-style secure sender, in pattern 1
// and in pattern 2 with NetGear's PUB HWM 1. (A NetGear *receiver* gets 0 frames in pattern 2
// secure mode because of libzmq's pipe accounting; see the interop self-test. Ours does not
// have that problem.)
func TestSecureNetGearSenderToPicamClient(t *testing.T) {
	for _, pat := range []string{"1", "2"} {
		t.Run("pattern"+pat, func(t *testing.T) {
			dir := t.TempDir()
			pyKeys(t, dir)
			port := freePorts(t, 1)[0]
			cl := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", pat,
				"--secure-mode", "ironhouse", "--cert-dir", dir, "--json", "--stats", "0", "--timeout", "3s")
			waitListening(t, port)
			const frames = 60
			args := []string{"server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", pat,
				"--secure-mode", "2", "--cert-dir", dir, "--jpeg", "--size", "320x240", "--fps", "30",
				"--frames", fmt.Sprint(frames), "--max-seconds", "60"}
			if pat == "2" {
				args = append(args, "--terminate-p2")
			}
			py := start(t, "netgear_peer.py", args...)
			if code := py.wait(40 * time.Second); code != 0 {
				t.Fatalf("python sender exit %d: %s", code, py.Stdout())
			}
			code := cl.wait(10 * time.Second)
			var s clientSummary
			cl.jsonLine(&s)
			if code != 0 || s.Exit != "terminate" || s.DecodeErrors != 0 || s.Frames < frames-5 {
				t.Fatalf("picam-client exit %d: %+v", code, s)
			}
			assertNoSecretInLog(t, dir, "server", cl.Stderr())
		})
	}
}

// picam-server → picam-client secure, 4 clients, patterns 1 and 2: one client is killed and
// restarted; it re-handshakes and gets a frame, the others keep receiving.
func TestSecureFourClientsKillRestart(t *testing.T) {
	dir := goKeys(t)
	for _, pat := range patterns() {
		t.Run("pattern"+pat, func(t *testing.T) {
			ports := freePorts(t, 5)
			httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[4])
			ports = ports[:4]
			clientArgs := func(p int) []string {
				return []string{"--address", "127.0.0.1", "--port", fmt.Sprint(p), "--pattern", pat, "--json", "--stats", "0",
					"--timeout", "10s", "--secure-mode", "2", "--cert-dir", dir}
			}
			var clients []*proc
			for _, p := range ports {
				clients = append(clients, start(t, "picam-client", clientArgs(p)...))
			}
			waitListening(t, ports...)
			srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", joinPorts(ports), "--pattern", pat,
				"--secure-mode", "2", "--cert-dir", dir, "--codec", "raw", "--resolution", "640x480", "--framerate", "30",
				"--frames", "240", "--json", "--http", httpAddr)
			waitSent(t, httpAddr, 10)
			clients[3].signal(syscall.SIGKILL)
			clients[3].wait(5 * time.Second)
			time.Sleep(500 * time.Millisecond) // the scenario: gone for a moment while the stream goes on
			restarted := start(t, "picam-client", append(clientArgs(ports[3]), "--frames", "1")...)
			waitListening(t, ports[3])
			// It gets its one frame before the server's 240 are out; how soon is for make bench.
			if code := restarted.wait(30 * time.Second); code != 0 {
				t.Fatalf("restarted client exit %d", code)
			}
			if code := srv.wait(30 * time.Second); code != 0 {
				t.Fatalf("server exit %d", code)
			}
			var ss serverSummary
			srv.jsonLine(&ss)
			if ss.FramesSent != 240 {
				t.Fatalf("server sent %d frames", ss.FramesSent)
			}
			for _, c := range clients[:3] {
				c.wait(5 * time.Second)
				var s clientSummary
				c.jsonLine(&s)
				// As in the plain twin (TestOneBadClientOfFour): every frame sent arrives; a live
				// source skips a frame for a client still busy with the last, and a twentieth
				// skipped means a client held up by the bad one, not a busy machine.
				sent := -1
				for _, cl := range ss.Clients {
					if cl.Port == s.Port {
						sent = cl.FramesSent
					}
				}
				if s.Frames != sent || ss.FramesSent-sent > ss.FramesSent/20 || s.DecodeErrors != 0 {
					t.Errorf("healthy client %d got %d/%d frames (%d sent to it), %d decode errors", s.Port, s.Frames, ss.FramesSent, sent, s.DecodeErrors)
				}
			}
		})
	}
}

// A secure server never sends a plaintext frame: a plaintext picam-client gets nothing and the
// server logs the refusal; through a recording proxy to a secure client, the NetGear header
// (sent in clear text with every plaintext frame) never appears on the wire.
func TestSecureNeverPlaintext(t *testing.T) {
	dir := goKeys(t)
	ports := freePorts(t, 3)
	plain, secure, proxyPort := ports[0], ports[1], ports[2]
	pc := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(plain), "--pattern", "2", "--json", "--stats", "0")
	sc := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(secure), "--pattern", "2", "--json", "--stats", "0",
		"--secure-mode", "1", "--cert-dir", dir, "--frames", "30")
	waitListening(t, plain, secure)
	rec := startRecordingProxy(t, proxyPort, secure)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprintf("%d,%d", plain, proxyPort), "--pattern", "2",
		"--wait", "any", "--secure-mode", "2", "--cert-dir", dir, "--codec", "raw", "--resolution", "160x120", "--framerate", "30")
	if code := sc.wait(20 * time.Second); code != 0 {
		t.Fatalf("secure client exit %d", code)
	}
	time.Sleep(300 * time.Millisecond)
	srv.signal(syscall.SIGINT)
	srv.wait(10 * time.Second)
	pc.signal(syscall.SIGINT)
	pc.wait(5 * time.Second)
	var s clientSummary
	pc.jsonLine(&s)
	if s.Frames != 0 {
		t.Fatalf("the plaintext client got %d frames from a secure server", s.Frames)
	}
	if !strings.Contains(srv.Stderr(), "client handshake failed") || !strings.Contains(srv.Stderr(), `security mechanism \"NULL\"`) {
		t.Errorf("server did not log the plaintext refusal:\n%s", srv.Stderr())
	}
	wire := rec.Bytes()
	if len(wire) < 30*160*120*3 {
		t.Fatalf("only %d bytes went through the proxy", len(wire))
	}
	for _, clear := range []string{`"terminate_flag"`, `"compression"`, `"pattern"`, "uint8", "NULL"} {
		if bytes.Contains(wire, []byte(clear)) {
			t.Fatalf("%q appears in clear text on the wire", clear)
		}
	}
	if !bytes.Contains(wire, []byte("CURVE")) || !bytes.Contains(wire, []byte("MESSAGE")) {
		t.Fatal("no CURVE greeting or MESSAGE commands on the wire")
	}
}

// startRecordingProxy forwards 127.0.0.1:listen to 127.0.0.1:to, recording the server→client
// direction. It stops with the test.
func startRecordingProxy(t *testing.T, listen, to int) *testkit.Buffer {
	t.Helper()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", listen))
	if err != nil {
		t.Fatal(err)
	}
	rec := &testkit.Buffer{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", to))
			if err != nil {
				in.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, in, out)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(io.MultiWriter(out, rec), in); out.Close() }()
			go func() { defer wg.Done(); io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return rec
}

// Missing keys: both commands exit 2, naming the files and the command that makes them.
func TestSecureMissingKeysExitTwo(t *testing.T) {
	empty := t.TempDir()
	port := freePorts(t, 1)[0]
	for _, c := range []struct {
		name  string
		args  []string
		files []string
	}{
		{"picam-server", []string{"--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--secure-mode", "2", "--cert-dir", empty},
			[]string{"private_keys/client.key_secret", "public_keys/server.key"}},
		{"picam-client", []string{"--address", "127.0.0.1", "--port", fmt.Sprint(port), "--secure-mode", "1", "--cert-dir", empty},
			[]string{"private_keys/server.key_secret"}},
	} {
		p := start(t, c.name, c.args...)
		if code := p.wait(10 * time.Second); code != 2 {
			t.Fatalf("%s: exit %d, want 2", c.name, code)
		}
		for _, want := range append(c.files, "picam-server keys --out "+empty) {
			if !strings.Contains(p.Stderr(), filepath.FromSlash(want)) {
				t.Errorf("%s stderr lacks %q:\n%s", c.name, want, p.Stderr())
			}
		}
	}
}

// picam-client's --allow holds the SENDER's address (NetGear's receiver lists its own): a
// sender from outside the list is refused with a clear log line.
func TestSecureAllowList(t *testing.T) {
	dir := goKeys(t)
	port := freePorts(t, 1)[0]
	cl := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", "2", "--json", "--stats", "0",
		"--secure-mode", "1", "--cert-dir", dir, "--allow", "127.0.0.2")
	waitListening(t, port)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", "2",
		"--secure-mode", "1", "--cert-dir", dir, "--codec", "raw", "--resolution", "160x120")
	waitFor(t, "the refusal log line", 10*time.Second, func() bool {
		return strings.Contains(cl.Stderr(), "sender REJECTED: its IP address is not in --allow")
	})
	srv.signal(syscall.SIGINT)
	srv.wait(10 * time.Second)
	cl.signal(syscall.SIGINT)
	cl.wait(5 * time.Second)
	var s clientSummary
	cl.jsonLine(&s)
	if s.Frames != 0 {
		t.Fatalf("a refused sender delivered %d frames", s.Frames)
	}
}

// --http beyond loopback needs a token: without one picam-server refuses to start; with one,
// /api/clients needs it and /healthz does not.
func TestSecureHTTPToken(t *testing.T) {
	ports := freePorts(t, 2)
	bind := fmt.Sprintf("0.0.0.0:%d", ports[1])
	p := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ports[0]), "--http", bind)
	if code := p.wait(10 * time.Second); code != 2 || !strings.Contains(p.Stderr(), "--http-token-file") {
		t.Fatalf("exit %d, want 2 naming --http-token-file:\n%s", code, p.Stderr())
	}
	const token = "e2e-token-0123456789abcdef"
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cl := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ports[0]), "--pattern", "2", "--stats", "0")
	waitListening(t, ports[0])
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ports[0]), "--pattern", "2",
		"--codec", "raw", "--resolution", "160x120", "--http", bind, "--http-token-file", tokFile)
	url := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	get := func(path, tok string) int {
		t.Helper()
		var lastErr error
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			req, _ := http.NewRequest("GET", url+path, nil)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				lastErr = err
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		t.Fatalf("GET %s: %v", path, lastErr)
		return 0
	}
	for _, c := range []struct {
		path, tok string
		want      int
	}{
		{"/healthz", "", 200},
		{"/api/clients", "", 401},
		{"/api/clients", "wrong-token-0123456789", 401},
		{"/api/clients", token, 200},
		{"/metrics", "", 401},
		{"/metrics", token, 200},
	} {
		if got := get(c.path, c.tok); got != c.want {
			t.Errorf("GET %s (token %v): %d, want %d", c.path, c.tok != "", got, c.want)
		}
	}
	if strings.Contains(srv.Stderr(), token) {
		t.Error("the token is in the log")
	}
	srv.signal(syscall.SIGINT)
	srv.wait(10 * time.Second)
	cl.wait(5 * time.Second) // the server's terminate ends it
}

// NetGear's own secure-mode defects, seen from picam-server (docs/curve.md §4.3), pinned so the
// README's compatibility table stays true: a NetGear receiver in pattern 2 secure mode gets no
// frames (libzmq's pipe accounting with HWM 1), and a NetGear receiver's IP allow-list holds its
// own bind address, so a sender from any other address is refused.
func TestSecureNetGearReceiverDefects(t *testing.T) {
	dir := t.TempDir()
	pyKeys(t, dir)
	t.Run("pattern2-zero-frames", func(t *testing.T) {
		port := freePorts(t, 1)[0]
		py := start(t, "netgear_peer.py", "client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", "2",
			"--secure-mode", "2", "--cert-dir", dir, "--max-seconds", "6")
		waitReadyLine(t, py)
		srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", "2",
			"--secure-mode", "2", "--cert-dir", dir, "--codec", "raw", "--resolution", "160x120", "--frames", "60", "--json")
		if code := srv.wait(20 * time.Second); code != 0 {
			t.Fatalf("server exit %d", code)
		}
		if !strings.Contains(srv.Stderr(), "client connected") {
			t.Fatalf("the CURVE handshake with the NetGear receiver did not complete:\n%s", srv.Stderr())
		}
		py.wait(15 * time.Second)
		var pc pyClient
		py.jsonLine(&pc)
		if pc.Frames != 0 {
			t.Fatalf("the NetGear pattern-2 secure receiver got %d frames; libzmq fixed? update the README", pc.Frames)
		}
	})
	t.Run("allow-list-own-address", func(t *testing.T) {
		port := freePorts(t, 1)[0]
		// Bound on 127.0.0.2, NetGear allows 127.0.0.2; picam-server connects from 127.0.0.1.
		py := start(t, "netgear_peer.py", "client", "--address", "127.0.0.2", "--port", fmt.Sprint(port), "--pattern", "1",
			"--secure-mode", "1", "--cert-dir", dir, "--max-seconds", "5")
		waitReadyLine(t, py)
		srv := start(t, "picam-server", "--address", "127.0.0.2", "--ports", fmt.Sprint(port), "--pattern", "1",
			"--secure-mode", "1", "--cert-dir", dir, "--codec", "raw", "--resolution", "160x120")
		waitFor(t, "the refusal", 10*time.Second, func() bool {
			return strings.Contains(srv.Stderr(), "client handshake failed")
		})
		if !strings.Contains(srv.Stderr(), "refused") {
			t.Errorf("refusal not named:\n%s", srv.Stderr())
		}
		srv.signal(syscall.SIGINT)
		srv.wait(10 * time.Second)
		py.wait(15 * time.Second)
		var pc pyClient
		py.jsonLine(&pc)
		if pc.Frames != 0 {
			t.Fatalf("got %d frames through NetGear's allow-list", pc.Frames)
		}
	})
}

// Secure mode with bidirectional pattern 1 and round-robin delivery, picam to picam.
func TestSecureBidirectionalRoundRobin(t *testing.T) {
	dir := goKeys(t)
	ports := freePorts(t, 2)
	var clients []*proc
	for _, p := range ports {
		clients = append(clients, start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(p), "--pattern", "1",
			"--bidirectional", "--return", "back {n}", "--json", "--stats", "0", "--secure-mode", "2", "--cert-dir", dir))
	}
	waitListening(t, ports...)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", joinPorts(ports), "--pattern", "1", "--bidirectional",
		"--message", "hello", "--delivery", "round-robin", "--secure-mode", "2", "--cert-dir", dir, "--codec", "jpeg",
		"--resolution", "160x120", "--frames", "40", "--json")
	if code := srv.wait(30 * time.Second); code != 0 {
		t.Fatalf("server exit %d", code)
	}
	var ss serverSummary
	srv.jsonLine(&ss)
	total := 0
	for i, c := range clients {
		c.wait(5 * time.Second)
		var s clientSummary
		c.jsonLine(&s)
		total += s.Frames
		if len(s.Messages) == 0 || !strings.Contains(s.Messages[0], "hello") || s.Frames < 18 {
			t.Errorf("client %d: %+v", ports[i], s)
		}
	}
	if total != 40 {
		t.Errorf("round-robin delivered %d of 40", total)
	}
	for _, c := range ss.Clients {
		if !strings.Contains(string(c.LastData), "back") {
			t.Errorf("no return data through CURVE: %+v", c)
		}
	}
}
