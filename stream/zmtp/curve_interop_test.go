package zmtp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/stream/curve"
)

// The CURVE interop suite runs our zmtp CURVE layer against libzmq 4.3 through Debian's
// python3-zmq, with pyzmq's ThreadAuthenticator doing ZAP exactly as NetGear configures it.

// pyCurveServer is a pyzmq CURVE server (REP or SUB) with NetGear's ZAP set-up: argv kind
// (rep|sub), mode (stone|iron), keys dir, allow address or "-", number of messages to serve.
const pyCurveServer = `
import sys, zmq, zmq.auth
from zmq.auth.thread import ThreadAuthenticator
kind, mode, keys, allow, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
ctx = zmq.Context()
auth = ThreadAuthenticator(ctx)
auth.start()
if allow != "-":
    auth.allow(allow)
if mode == "iron":
    auth.configure_curve(domain="*", location=keys + "/public_keys")
else:
    auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
pub, sec = zmq.auth.load_certificate(keys + "/private_keys/server.key_secret")
s = ctx.socket(zmq.REP if kind == "rep" else zmq.SUB)
s.curve_secretkey = sec
s.curve_publickey = pub
s.curve_server = True
if kind == "sub":
    s.setsockopt(zmq.SUBSCRIBE, b"")
s.bind("tcp://127.0.0.1:*")
print("ready", s.getsockopt_string(zmq.LAST_ENDPOINT).rsplit(":", 1)[1], flush=True)
for i in range(n):
    m = s.recv_multipart()
    if kind == "rep":
        s.send_multipart([b"ok %d" % len(m[-1])])
    print("got", len(m), len(m[-1]), flush=True)
print("done", flush=True)
auth.stop()
s.close(0)
ctx.term()
`

// pyCurveClient is a pyzmq CURVE client (REQ or PUB): argv kind (req|pub), keys dir, client
// keys (client|stranger), server key (ok|wrong), port, messages, source address or "-". It
// prints the handshake's monitor events, then "reply ..." lines (REQ), and finally "exit ok" or
// "exit failed". A PUB sends probes until a line arrives on stdin, then the real messages.
const pyCurveClient = `
import sys, time, select, zmq, zmq.auth
from zmq.utils.monitor import recv_monitor_message
kind, keys, who, srvkey, port, n, src = sys.argv[1:8]
n = int(n)
names = {getattr(zmq, k): k for k in dir(zmq) if k.startswith("EVENT_") and isinstance(getattr(zmq, k), int)}
ctx = zmq.Context()
s = ctx.socket(zmq.REQ if kind == "req" else zmq.PUB)
if who == "stranger":
    pub, sec = zmq.curve_keypair()
else:
    pub, sec = zmq.auth.load_certificate(keys + "/private_keys/client.key_secret")
if srvkey == "wrong":
    spub, _ = zmq.curve_keypair()
else:
    spub, _ = zmq.auth.load_certificate(keys + "/public_keys/server.key")
s.curve_secretkey, s.curve_publickey, s.curve_serverkey = sec, pub, spub
mon = s.get_monitor_socket()
s.connect("tcp://%s127.0.0.1:%s" % (src + ":0;" if src != "-" else "", port))
ok = False
deadline = time.time() + 10
while time.time() < deadline:
    if not mon.poll(max(1, int((deadline - time.time()) * 1000))):
        break
    ev = recv_monitor_message(mon)
    e = ev["event"]
    if e in (zmq.EVENT_CONNECTED, zmq.EVENT_CONNECT_DELAYED, zmq.EVENT_CONNECT_RETRIED):
        continue
    print("event", names.get(e, e), ev["value"], flush=True)
    if e == zmq.EVENT_HANDSHAKE_SUCCEEDED:
        ok = True
        break
    if e in (zmq.EVENT_HANDSHAKE_FAILED_AUTH, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL, zmq.EVENT_DISCONNECTED):
        break
if ok and kind == "req":
    s.RCVTIMEO = 10000
    for i in range(n):
        s.send_multipart([b'{"i": %d}' % i, b"x" * 100000])
        print("reply", s.recv_multipart()[-1].decode(), flush=True)
elif ok:
    while not select.select([sys.stdin], [], [], 0.02)[0]:
        s.send_multipart([b"probe"])
    sys.stdin.readline()
    for i in range(n):
        s.send_multipart([b'{"i": %d}' % i, b"x" * 100000])
print("exit", "ok" if ok else "failed", flush=True)
s.disable_monitor()
mon.close()
s.close(linger=5000)
ctx.term()
`

// pyMakeKeys makes a NetGear key tree with zmq.auth.create_certificates, as vidgear's
// generate_keys does: argv keys dir.
const pyMakeKeys = `
import sys, os, shutil, zmq.auth
d = sys.argv[1]
os.makedirs(d + "/public_keys")
os.makedirs(d + "/private_keys")
for name in ("server", "client"):
    p, s = zmq.auth.create_certificates(d, name)
    shutil.move(p, d + "/public_keys/")
    shutil.move(s, d + "/private_keys/")
`

const interopMessages = 20 // 100 KB messages per scenario

// interopTimeout bounds every wait on a Python helper.
const interopTimeout = 30 * time.Second

// pyProc is a running Python helper whose stdout lines are collected.
type pyProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	seen  []string
}

func startPy(t *testing.T, ctx context.Context, py, script string, args ...string) *pyProc {
	t.Helper()
	cmd := exec.CommandContext(ctx, py, append([]string{"-c", script}, args...)...)
	cmd.Stderr = testWriter{t}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &pyProc{cmd: cmd, stdin: stdin, lines: make(chan string, 4096)}
	// The scanner goroutine ends when the process's stdout closes (exit or kill).
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		stdin.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return p
}

// expect waits for a stdout line starting with prefix and returns it.
func (p *pyProc) expect(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(interopTimeout)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("python exited without printing %q; it printed %q", prefix, p.seen)
			}
			p.seen = append(p.seen, l)
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			t.Fatalf("python did not print %q within %v; it printed %q", prefix, interopTimeout, p.seen)
		}
	}
}

// wait checks that the helper exits cleanly.
func (p *pyProc) wait(t *testing.T) {
	t.Helper()
	p.stdin.Close()
	timeout := time.After(interopTimeout)
	for open := true; open; {
		select {
		case _, open = <-p.lines:
		case <-timeout:
			p.cmd.Process.Kill()
			t.Fatalf("python helper did not exit within %v", interopTimeout)
		}
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("python helper: %v", err)
	}
}

func pyzmqKeyTree(t *testing.T, py string) curve.VidgearKeys {
	t.Helper()
	v, err := curve.VidgearDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(py, "-c", pyMakeKeys, v.Dir).CombinedOutput(); err != nil {
		t.Fatalf("create_certificates: %v\n%s", err, out)
	}
	return v
}

func goKeyTree(t *testing.T) curve.VidgearKeys {
	t.Helper()
	v, err := curve.VidgearDir(t.TempDir() + "/.vidgear")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Create(false); err != nil {
		t.Fatal(err)
	}
	return v
}

// dialCurve connects from src (an address on lo; "" for the default) and handshakes.
func dialCurve(ctx context.Context, src, port, typ string, cl curve.Handshaker) (*Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	nc, err := d.DialContext(ctx, "tcp", "127.0.0.1:"+port)
	if err != nil {
		return nil, err
	}
	c, err := Handshake(nc, Options{SocketType: typ, Curve: cl, Picam: true})
	if err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(interopTimeout)) // a stuck peer fails the test, not the run
	return c, nil
}

// reqRoundTrips sends n REQ messages [id, "", header, 100 KB] and checks pyzmq REP's replies.
func reqRoundTrips(t *testing.T, c *Conn, n int) int {
	t.Helper()
	payload := bytes.Repeat([]byte{'x'}, 100000)
	var m Msg
	ok := 0
	for i := 0; i < n; i++ {
		id := []byte{byte(i), 1, 2, 3}
		if err := c.WriteMsg(id, nil, []byte(fmt.Sprintf(`{"i": %d}`, i)), payload); err != nil {
			t.Fatal(err)
		}
		if err := c.ReadMsg(&m, nil); err != nil {
			t.Fatal(err)
		}
		if len(m.Parts) != 3 || !bytes.Equal(m.Parts[0], id) || len(m.Parts[1]) != 0 || string(m.Parts[2]) != "ok 100000" {
			t.Fatalf("reply %d: %q", i, m.Parts)
		}
		ok++
	}
	return ok
}

func TestCurveLibzmqInterop(t *testing.T) {
	py := requirePyzmq(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pyKeys := pyzmqKeyTree(t, py) // made by pyzmq, read by our certificate reader
	goKeys := goKeyTree(t)        // made by us, read by pyzmq's load_certificate
	var warnings strings.Builder
	ourClient, err := pyKeys.NewClient(slog.New(slog.NewTextHandler(&warnings, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// pyzmq writes secret certificates with the umask (0644 here): we load them and warn.
	if !strings.Contains(warnings.String(), "chmod 600") {
		t.Fatalf("no warning about pyzmq's world-readable client.key_secret: %q", warnings.String())
	}

	for _, mode := range []string{"stone", "iron"} {
		t.Run("our REQ to pyzmq REP "+mode, func(t *testing.T) {
			p := startPy(t, ctx, py, pyCurveServer, "rep", mode, pyKeys.Dir, "-", fmt.Sprint(interopMessages))
			port := strings.Fields(p.expect(t, "ready"))[1]
			c, err := dialCurve(ctx, "", port, REQ, ourClient)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.PeerType != REP {
				t.Fatalf("peer type %q", c.PeerType)
			}
			n := reqRoundTrips(t, c, interopMessages)
			p.expect(t, "done")
			p.wait(t)
			t.Logf("%s: %d/%d REQ round trips of 100 KB", mode, n, interopMessages)
		})

		t.Run("our PUB to pyzmq SUB "+mode, func(t *testing.T) {
			p := startPy(t, ctx, py, pyCurveServer, "sub", mode, pyKeys.Dir, "-", fmt.Sprint(interopMessages))
			port := strings.Fields(p.expect(t, "ready"))[1]
			c, err := dialCurve(ctx, "", port, PUB, ourClient)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var m Msg
			if err := c.ReadMsg(&m, nil); err != nil || len(m.Parts) != 1 || !bytes.Equal(m.Parts[0], []byte{1}) {
				t.Fatalf("subscription: %q %v", m.Parts, err)
			}
			payload := make([]byte, 100000)
			for i := 0; i < interopMessages; i++ {
				if err := c.WriteMsg([]byte(fmt.Sprintf(`{"i": %d}`, i)), payload); err != nil {
					t.Fatal(err)
				}
			}
			got := 0
			for i := 0; i < interopMessages; i++ {
				if l := p.expect(t, "got"); l == "got 2 100000" {
					got++
				}
			}
			p.expect(t, "done")
			p.wait(t)
			if got != interopMessages {
				t.Fatalf("pyzmq SUB got %d/%d", got, interopMessages)
			}
			t.Logf("%s: pyzmq SUB got %d/%d 100 KB frames", mode, got, interopMessages)
		})

		t.Run("pyzmq REQ to our REP "+mode, func(t *testing.T) {
			srv, err := goKeys.NewServer(modeOf(mode), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			ln, port := listenLoopback(t)
			p := startPy(t, ctx, py, pyCurveClient, "req", goKeys.Dir, "client", "ok", port, fmt.Sprint(interopMessages), "-")
			c := acceptCurve(t, ln, REP, srv, true)
			served := 0
			var m Msg
			for i := 0; i < interopMessages; i++ {
				if err := c.ReadMsg(&m, nil); err != nil {
					t.Fatal(err)
				}
				// REQ's envelope: the empty delimiter, then the two parts.
				if len(m.Parts) != 3 || len(m.Parts[0]) != 0 || len(m.Parts[2]) != 100000 {
					t.Fatalf("request %d: %d parts", i, len(m.Parts))
				}
				if err := c.WriteMsg(nil, []byte(fmt.Sprintf("ok %d", i))); err != nil {
					t.Fatal(err)
				}
				served++
			}
			for i := 0; i < interopMessages; i++ {
				if l := p.expect(t, "reply"); l != fmt.Sprintf("reply ok %d", i) {
					t.Fatalf("pyzmq REQ printed %q", l)
				}
			}
			p.expect(t, "exit ok")
			p.wait(t)
			if key, _ := c.PeerKey(); key != mustClientKey(t, goKeys) {
				t.Fatalf("peer key %s is not the tree's client key", key)
			}
			t.Logf("%s: %d/%d pyzmq REQ round trips of 100 KB", mode, served, interopMessages)
		})

		t.Run("pyzmq PUB to our SUB "+mode, func(t *testing.T) {
			srv, err := goKeys.NewServer(modeOf(mode), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			ln, port := listenLoopback(t)
			p := startPy(t, ctx, py, pyCurveClient, "pub", goKeys.Dir, "client", "ok", port, fmt.Sprint(interopMessages), "-")
			c := acceptCurve(t, ln, SUB, srv, true)
			if err := c.WriteMsg([]byte{1}); err != nil {
				t.Fatal(err)
			}
			var m Msg
			got, probes := 0, 0
			for got < interopMessages {
				if err := c.ReadMsg(&m, nil); err != nil {
					t.Fatal(err)
				}
				if len(m.Parts) == 1 && string(m.Parts[0]) == "probe" {
					if probes == 0 {
						io.WriteString(p.stdin, "go\n")
					}
					probes++
					continue
				}
				if len(m.Parts) != 2 || len(m.Parts[1]) != 100000 || string(m.Parts[0]) != fmt.Sprintf(`{"i": %d}`, got) {
					t.Fatalf("frame %d: %d parts", got, len(m.Parts))
				}
				got++
			}
			p.expect(t, "exit ok")
			p.wait(t)
			t.Logf("%s: our SUB got %d/%d 100 KB frames from pyzmq PUB (after %d probes)", mode, got, interopMessages, probes)
		})
	}

	t.Run("our client refused by pyzmq", func(t *testing.T) {
		stranger, err := curve.GenerateKeyPair()
		if err != nil {
			t.Fatal(err)
		}
		wrongServer, err := curve.GenerateKeyPair()
		if err != nil {
			t.Fatal(err)
		}
		serverKey, err := pyKeys.ServerPublicKey()
		if err != nil {
			t.Fatal(err)
		}
		// One pyzmq IronHouse REP that allows only 127.0.0.9 (NetGear's allow(address)),
		// refusing three clients and then serving a good one: it keeps running throughout.
		p := startPy(t, ctx, py, pyCurveServer, "rep", "iron", pyKeys.Dir, "127.0.0.9", "2")
		port := strings.Fields(p.expect(t, "ready"))[1]

		_, err = dialCurve(ctx, "127.0.0.9", port, REQ, curve.NewClient(stranger, serverKey))
		if !errors.Is(err, ErrProtocol) || !errors.Is(err, curve.ErrRefused) || !strings.Contains(err.Error(), `"400"`) {
			t.Fatalf("unknown client key: %v", err)
		}
		t.Logf("unknown client key: %v", err)
		_, err = dialCurve(ctx, "127.0.0.9", port, REQ, curve.NewClient(mustKeyPair(t, pyKeys), wrongServer.Public))
		if !errors.Is(err, ErrProtocol) || !errors.Is(err, curve.ErrNoWelcome) {
			t.Fatalf("wrong server key: %v", err)
		}
		t.Logf("wrong server key: %v", err)
		_, err = dialCurve(ctx, "127.0.0.1", port, REQ, ourClient)
		if !errors.Is(err, curve.ErrRefused) || !strings.Contains(err.Error(), `"400"`) {
			t.Fatalf("address not allowed: %v", err)
		}
		t.Logf("address not allowed: %v", err)
		c, err := dialCurve(ctx, "127.0.0.9", port, REQ, ourClient)
		if err != nil {
			t.Fatalf("allowed client after the refusals: %v", err)
		}
		defer c.Close()
		reqRoundTrips(t, c, 2)
		p.expect(t, "done")
		p.wait(t)
	})

	t.Run("pyzmq clients refused by our server", func(t *testing.T) {
		allow := []netip.Prefix{netip.MustParsePrefix("127.0.0.9/32")}
		srv, err := goKeys.NewServer(curve.ModeIronHouse, allow, nil)
		if err != nil {
			t.Fatal(err)
		}
		ln, port := listenLoopback(t)
		for _, tc := range []struct {
			name, who, srvKey, src, event string
			want                          error
		}{
			{"unknown client key", "stranger", "ok", "127.0.0.9", "event EVENT_HANDSHAKE_FAILED_AUTH 400", curve.ErrKeyNotAllowed},
			{"wrong server key", "client", "wrong", "127.0.0.9", "event ", curve.ErrBadBox},
			{"address not allowed", "client", "ok", "-", "event EVENT_HANDSHAKE_FAILED_AUTH 400", curve.ErrAddressNotAllowed},
		} {
			p := startPy(t, ctx, py, pyCurveClient, "req", goKeys.Dir, tc.who, tc.srvKey, port, "1", tc.src)
			_, err := acceptOne(t, ln, REP, srv)
			if !errors.Is(err, ErrProtocol) || !errors.Is(err, tc.want) {
				t.Fatalf("%s: our server says %v", tc.name, err)
			}
			ev := p.expect(t, "event")
			if !strings.HasPrefix(ev, tc.event) || strings.Contains(ev, "SUCCEEDED") {
				t.Fatalf("%s: pyzmq saw %q", tc.name, ev)
			}
			p.expect(t, "exit failed")
			p.wait(t)
			t.Logf("%s: ours: %v; pyzmq: %s", tc.name, err, ev)
		}
		// The same listener and server still take a good client.
		p := startPy(t, ctx, py, pyCurveClient, "req", goKeys.Dir, "client", "ok", port, "1", "127.0.0.9")
		c := acceptCurve(t, ln, REP, srv, false)
		var m Msg
		if err := c.ReadMsg(&m, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteMsg(nil, []byte("ok 0")); err != nil {
			t.Fatal(err)
		}
		p.expect(t, "reply ok 0")
		p.wait(t)
	})
}

func modeOf(s string) curve.Mode {
	if s == "iron" {
		return curve.ModeIronHouse
	}
	return curve.ModeStoneHouse
}

func mustKeyPair(t *testing.T, v curve.VidgearKeys) curve.KeyPair {
	t.Helper()
	c, err := curve.LoadCert(filepath.Join(v.PrivateDir(), "client"+curve.SecretSuffix))
	if err != nil {
		t.Fatal(err)
	}
	kp, err := c.KeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func mustClientKey(t *testing.T, v curve.VidgearKeys) curve.PublicKey {
	return mustKeyPair(t, v).Public
}

func listenLoopback(t *testing.T) (*net.TCPListener, string) {
	t.Helper()
	return listenLoopbackTB(t)
}

func listenLoopbackTB(t testing.TB) (*net.TCPListener, string) {
	t.Helper()
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	tl := ln.(*net.TCPListener)
	return tl, fmt.Sprint(tl.Addr().(*net.TCPAddr).Port)
}

// acceptOne accepts one connection (within interopTimeout) and runs the CURVE server handshake on it.
func acceptOne(t *testing.T, ln *net.TCPListener, typ string, srv *curve.Server) (*Conn, error) {
	t.Helper()
	ln.SetDeadline(time.Now().Add(interopTimeout))
	nc, err := ln.Accept()
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	c, err := Handshake(nc, Options{SocketType: typ, Curve: srv, Picam: true})
	if err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(interopTimeout))
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// acceptCurve accepts until a handshake succeeds. Unless strict, failed attempts are skipped:
// libzmq clients refused earlier may still be reconnecting and sit in the backlog.
func acceptCurve(t *testing.T, ln *net.TCPListener, typ string, srv *curve.Server, strict bool) *Conn {
	t.Helper()
	for {
		c, err := acceptOne(t, ln, typ, srv)
		if err == nil {
			return c
		}
		if strict {
			t.Fatalf("handshake with pyzmq: %v", err)
		}
		t.Logf("skipping a stale connection: %v", err)
	}
}
