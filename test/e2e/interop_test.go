package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// waitReadyLine waits for the stand-in's "READY" line on stderr (Python start-up can take
// seconds on a loaded machine).
func waitReadyLine(t *testing.T, p *proc) {
	t.Helper()
	if _, err := p.WaitMark(readyLine, 20*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.Stderr())
	}
}

func requirePython(t *testing.T) {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import zmq, numpy, PIL").Run(); err != nil {
		t.Fatalf("interop tests need Debian's python3-zmq, python3-numpy and python3-pil (%v): run `make deps`", err)
	}
}

// picam-server → Python NetGear clients.
func TestPicamServerToNetGearClients(t *testing.T) {
	requirePython(t)
	type tc struct {
		name, pattern, codec string
		bidirectional        bool
		ret                  []string // --return per client
		minShare             float64  // frames each client must get, as a share of frames sent
	}
	cases := []tc{
		{name: "p2-raw", pattern: "2", codec: "raw", minShare: 1},
		{name: "p2-jpeg", pattern: "2", codec: "jpeg", minShare: 1},
		{name: "p1-raw-return", pattern: "1", codec: "raw", ret: []string{"from A {n}", "from B {n}"}, minShare: 0.95},
		{name: "p1-jpeg-bidirectional", pattern: "1", codec: "jpeg", bidirectional: true, ret: []string{"a", "b"}, minShare: 0.95},
		{name: "p1-array-return", pattern: "1", codec: "raw", ret: []string{"--array", "--array"}, minShare: 0.95},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Five seconds at 30 fps: the stand-in's first JPEG decode (PIL's lazy plugin import)
			// takes long enough to cost a frame or two, which must not dominate the share.
			const frames = 150
			ports := freePorts(t, 2)
			var pys []*proc
			for i, p := range ports {
				args := []string{"client", "--address", "127.0.0.1", "--port", fmt.Sprint(p), "--pattern", c.pattern, "--max-seconds", "60"}
				if c.bidirectional {
					args = append(args, "--bidirectional")
				}
				if c.ret != nil {
					if c.ret[i] == "--array" {
						args = append(args, "--return-array")
					} else {
						args = append(args, "--return", c.ret[i])
					}
				}
				py := start(t, "netgear_peer.py", args...)
				pys = append(pys, py)
			}
			for _, py := range pys {
				waitReadyLine(t, py)
			}
			sargs := []string{"--address", "127.0.0.1", "--ports", joinPorts(ports), "--pattern", c.pattern, "--codec", c.codec,
				"--framerate", "30", "--frames", fmt.Sprint(frames), "--json"}
			if c.bidirectional {
				sargs = append(sargs, "--bidirectional", "--message", "hello python")
			}
			srv := start(t, "picam-server", sargs...)
			if code := srv.wait(30 * time.Second); code != 0 {
				t.Fatalf("server exit %d", code)
			}
			var ss serverSummary
			srv.jsonLine(&ss)
			if ss.FramesSent != frames {
				t.Fatalf("server sent %d", ss.FramesSent)
			}
			for i, py := range pys {
				if code := py.wait(10 * time.Second); code != 0 {
					t.Fatalf("python client exit %d: %s", code, py.Stdout())
				}
				var s pyClient
				py.jsonLine(&s)
				if !s.Terminated || s.Exit != "terminate" {
					t.Errorf("python client %d did not get the terminate: %+v", ports[i], s)
				}
				if float64(s.UniqueSeqs) < c.minShare*frames {
					t.Errorf("python client %d got %d/%d frames (%+v); server: %s", ports[i], s.UniqueSeqs, frames, s, srv.Stdout())
				}
				// A frame can be skipped for a busy client (a live source does not queue, so
				// minShare above bounds that), but every frame sent to it arrives, once.
				for _, cl := range ss.Clients {
					if cl.Port == ports[i] && (s.UniqueSeqs != cl.FramesSent || s.Frames != s.UniqueSeqs) {
						t.Errorf("python client %d got %d frames (%d distinct); the server sent it %d", ports[i], s.Frames, s.UniqueSeqs, cl.FramesSent)
					}
				}
				if s.DecodeErrors != 0 || s.MissingParts != 0 {
					t.Errorf("python client %d: %+v", ports[i], s)
				}
				if len(s.Codecs) != 1 || s.Codecs[0] != c.codec {
					t.Errorf("codecs %v", s.Codecs)
				}
				if c.bidirectional && (len(s.Messages) != 1 || s.Messages[0] != "hello python") {
					t.Errorf("server message not received: %v", s.Messages)
				}
			}
			if c.ret != nil {
				out := srv.Stdout()
				for i, p := range ports {
					var want string
					switch {
					case c.ret[i] == "--array":
						want = fmt.Sprintf("Client at port %d said: ndarray uint8 [4 4 3] (48 bytes)", p)
					case strings.Contains(c.ret[i], "{n}"):
						want = fmt.Sprintf("Client at port %d said: %s", p, strings.ReplaceAll(c.ret[i], "{n}", "5"))
					default:
						want = fmt.Sprintf("Client at port %d said: %s", p, c.ret[i])
					}
					if !strings.Contains(out, want) {
						t.Errorf("server output lacks %q:\n%s", want, tail(out, 1500))
					}
				}
				for _, cl := range ss.Clients {
					// REQ/REP: every frame sent to a client is answered (the share sent is
					// bounded above by minShare).
					if cl.Replies != cl.FramesSent || float64(cl.Replies) < 0.95*frames {
						t.Errorf("client %d: %d replies to %d frames sent", cl.Port, cl.Replies, cl.FramesSent)
					}
				}
			}
		})
	}
}

// Python NetGear server → picam-client, both patterns.
func TestNetGearServerToPicamClients(t *testing.T) {
	requirePython(t)
	for _, c := range []struct {
		name, pattern string
		jpeg, bidi    bool
	}{
		{"p1-raw", "1", false, false},
		{"p1-jpeg-bidirectional", "1", true, true},
		{"p2-raw", "2", false, false},
		{"p2-jpeg", "2", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			const frames = 60
			ports := freePorts(t, 2)
			var clients []*proc
			for _, p := range ports {
				args := []string{"--address", "127.0.0.1", "--port", fmt.Sprint(p), "--pattern", c.pattern, "--json", "--stats", "0", "--timeout", "2s"}
				if c.pattern == "1" {
					args = append(args, "--return", fmt.Sprintf("picam %d got {n}", p))
				}
				if c.bidi {
					args = append(args, "--bidirectional")
				}
				clients = append(clients, start(t, "picam-client", args...))
			}
			waitListening(t, ports...)
			pargs := []string{"server", "--address", "127.0.0.1", "--ports", joinPorts(ports), "--pattern", c.pattern,
				"--fps", "30", "--frames", fmt.Sprint(frames), "--max-seconds", "60"}
			if c.jpeg {
				pargs = append(pargs, "--jpeg")
			}
			if c.bidi {
				pargs = append(pargs, "--bidirectional", "--message", "py says {n}")
			}
			py := start(t, "netgear_peer.py", pargs...)
			if code := py.wait(40 * time.Second); code != 0 {
				t.Fatalf("python server exit %d: %s", code, py.Stdout())
			}
			var ps pyServer
			py.jsonLine(&ps)
			if ps.Sent != frames || len(ps.Errors) != 0 || ps.Timeouts != 0 {
				t.Errorf("python server sent %d/%d frames, %d reply timeouts, errors %v", ps.Sent, frames, ps.Timeouts, ps.Errors)
			}
			total := 0
			for i, cl := range clients {
				code := cl.wait(10 * time.Second)
				var s clientSummary
				cl.jsonLine(&s)
				total += s.Frames
				if s.DecodeErrors != 0 {
					t.Errorf("client %d: decode errors %+v", ports[i], s)
				}
				if c.pattern == "1" {
					// NetGear's REQ round-robins: each client gets its share, then the terminate.
					if code != 0 || s.Exit != "terminate" {
						t.Errorf("client %d: exit %d %+v", ports[i], code, s)
					}
					// libzmq's REQ round-robins over the connections that are up: the second
					// may come up a frame or two after the first, so the split is within 2 of
					// half; but every frame a client got was answered, and the answer arrived.
					if s.Frames < frames/2-2 {
						t.Errorf("client %d got %d frames, want about %d", ports[i], s.Frames, frames/2)
					}
					key := fmt.Sprint(ports[i])
					if ps.Replies[key] != s.Frames || !strings.HasPrefix(fmt.Sprint(ps.LastData[key]), fmt.Sprintf("picam %d got", ports[i])) {
						t.Errorf("client %d got %d frames; python server saw replies %v last data %v", ports[i], s.Frames, ps.Replies, ps.LastData)
					}
				} else {
					// NetGear never terminates pattern-2 clients: they leave on their timeout.
					if code != 3 || s.Exit != "server-gone" {
						t.Errorf("client %d: exit %d %+v", ports[i], code, s)
					}
					if s.Frames < frames-5 {
						t.Errorf("client %d got %d/%d frames", ports[i], s.Frames, frames)
					}
				}
				if c.bidi && (len(s.Messages) == 0 || !strings.Contains(s.Messages[0], "py says")) {
					t.Errorf("client %d: server messages %v", ports[i], s.Messages)
				}
			}
			// REQ/REP loses a frame only when a reply times out, which the python server counts
			// (none, checked above): every frame, exactly.
			if c.pattern == "1" && total != frames {
				t.Errorf("clients got %d frames in all of %d", total, frames)
			}
		})
	}
}
