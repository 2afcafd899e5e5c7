package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// NetGear without an exclusive mode ("plain": NetGear() and NetGear(receive_mode=True), one
// server and one client) in patterns 0 (PAIR, NetGear's default), 1 and 2, both ways, and
// NetGear's Multi-Servers mode with picam-server as the servers. The Python side is
// netgear_peer.py --mode plain / --mode multiserver, written from the protocol spec.

// pyMultiServerClient is netgear_peer.py client --mode multiserver's JSON line.
type pyMultiServerClient struct {
	pyClient
	ByPort          map[string]int `json:"by_port"`
	TerminatedPorts []any          `json:"terminated_ports"`
	Replies         int            `json:"replies"`
	Errors          []string       `json:"errors"`
}

// picam-server → a plain NetGear receiver, patterns 0, 1 and 2. In patterns 0 and 1 every
// frame the server sent is received and answered (TCP, one request at a time); the share of
// frames sent at all is bounded because picam's sender drops a frame a slow receiver has not
// taken yet rather than queueing it.
func TestPicamServerToPlainNetGearClient(t *testing.T) {
	requirePython(t)
	cases := []struct {
		name, pattern, codec string
		bidirectional        bool
		pyArgs               []string // extra stand-in flags
		wantSaid             string   // a line picam-server must print ("" = none); %d is the port
	}{
		{name: "p0-raw", pattern: "0", codec: "raw"},
		{name: "p0-jpeg-bidirectional", pattern: "0", codec: "jpeg", bidirectional: true,
			pyArgs: []string{"--return", "py {n}"}, wantSaid: "Client at port %d said: py 5"},
		// NetGear's default ndarray reply (simplejpeg installed): a JPEG with array_dtype and
		// array_shape "" — picam-server must take it as return data.
		{name: "p0-bidirectional-jpeg-array-reply", pattern: "0", codec: "raw", bidirectional: true,
			pyArgs: []string{"--return-array-jpeg"}, wantSaid: "Client at port %d said: ndarray jpeg BGR ("},
		{name: "p1-raw", pattern: "1", codec: "raw"},
		{name: "p2-jpeg", pattern: "2", codec: "jpeg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const frames = 60
			port := freePorts(t, 1)[0]
			args := []string{"client", "--mode", "plain", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", c.pattern, "--max-seconds", "60"}
			if c.bidirectional {
				args = append(args, "--bidirectional")
			}
			py := start(t, "netgear_peer.py", append(args, c.pyArgs...)...)
			waitReadyLine(t, py)
			sargs := []string{"--client", fmt.Sprintf("127.0.0.1:%d", port), "--pattern", c.pattern, "--codec", c.codec,
				"--resolution", "320x240", "--framerate", "30", "--frames", fmt.Sprint(frames), "--json"}
			if c.bidirectional {
				sargs = append(sargs, "--bidirectional", "--message", "hello plain")
			}
			srv := start(t, "picam-server", sargs...)
			if code := srv.wait(40 * time.Second); code != 0 {
				t.Fatalf("server exit %d", code)
			}
			var ss serverSummary
			srv.jsonLine(&ss)
			if code := py.wait(10 * time.Second); code != 0 {
				t.Fatalf("python client exit %d: %s", code, py.Stdout())
			}
			var s pyClient
			py.jsonLine(&s)
			if !s.Terminated || s.Exit != "terminate" || s.DecodeErrors != 0 || s.MissingParts != 0 {
				t.Errorf("python client: %+v", s)
			}
			if len(ss.Clients) != 1 {
				t.Fatalf("server clients %+v", ss.Clients)
			}
			sent := ss.Clients[0].FramesSent
			if s.UniqueSeqs != sent || s.Frames != sent {
				t.Errorf("server sent %d frames to the client, it received %d (%d distinct)", sent, s.Frames, s.UniqueSeqs)
			}
			if sent < frames*9/10 {
				t.Errorf("only %d of %d frames went out", sent, frames)
			}
			if c.pattern != "2" && ss.Clients[0].Replies != sent {
				t.Errorf("%d replies to %d frames", ss.Clients[0].Replies, sent)
			}
			if len(s.Codecs) != 1 || s.Codecs[0] != c.codec {
				t.Errorf("codecs %v", s.Codecs)
			}
			if c.bidirectional && (len(s.Messages) != 1 || s.Messages[0] != "hello plain") {
				t.Errorf("server message not received: %v", s.Messages)
			}
			out := srv.Stdout()
			if c.wantSaid != "" && !strings.Contains(out, fmt.Sprintf(c.wantSaid, port)) {
				t.Errorf("server output lacks %q:\n%s", fmt.Sprintf(c.wantSaid, port), tail(out, 1500))
			}
			if c.wantSaid == "" && strings.Contains(out, "said:") {
				t.Errorf("a plain client's acknowledgements were printed as data:\n%s", tail(out, 500))
			}
			if strings.Contains(srv.Stderr(), "malformed reply") {
				t.Errorf("server rejected replies:\n%s", tail(srv.Stderr(), 1500))
			}
		})
	}
}

// A plain NetGear sender → picam-client, patterns 0, 1 and 2. The Python sender waits for
// each reply in patterns 0 and 1, so every frame arrives; it sends its terminate in every
// pattern (only Multi-Clients mode forgets it in pattern 2).
func TestPlainNetGearServerToPicamClient(t *testing.T) {
	requirePython(t)
	for _, c := range []struct {
		name, pattern string
		jpeg, bidi    bool
	}{
		{"p0-raw", "0", false, false},
		{"p0-jpeg-bidirectional", "0", true, true},
		{"p1-raw", "1", false, false},
		{"p2-jpeg", "2", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			const frames = 60
			port := freePorts(t, 1)[0]
			args := []string{"--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", c.pattern, "--json", "--stats", "0", "--timeout", "5s"}
			if c.bidi {
				args = append(args, "--bidirectional", "--return", "picam got {n}")
			}
			client := start(t, "picam-client", args...)
			waitListening(t, port)
			pargs := []string{"server", "--mode", "plain", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", c.pattern,
				"--fps", "30", "--size", "320x240", "--frames", fmt.Sprint(frames), "--max-seconds", "60"}
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
			if len(ps.Errors) != 0 {
				t.Errorf("python server errors: %v", ps.Errors)
			}
			code := client.wait(10 * time.Second)
			var s clientSummary
			client.jsonLine(&s)
			if code != 0 || s.Exit != "terminate" || s.DecodeErrors != 0 {
				t.Errorf("client: exit %d %+v", code, s)
			}
			min := frames
			if c.pattern == "2" {
				min = frames * 9 / 10 // the stand-in's PUB has HWM 1, as NetGear's
			}
			if s.Frames < min || s.Frames > frames {
				t.Errorf("client got %d frames, want %d..%d", s.Frames, min, frames)
			}
			if c.pattern != "2" {
				key := fmt.Sprint(port)
				if ps.Replies[key] != frames {
					t.Errorf("python server got %d replies, want %d", ps.Replies[key], frames)
				}
				want := `{"port": "` // picam-client answers as a multi-client NetGear client in pattern 1
				switch {
				case c.bidi:
					want = "picam got "
				case c.pattern == "0":
					want = "Data received on device: " // NetGear's plain pattern-0 answer
				}
				if got := fmt.Sprint(ps.LastData[key]); !strings.HasPrefix(got, want) {
					t.Errorf("python server's last reply %q, want %q...", got, want)
				}
			}
			if c.bidi && (len(s.Messages) == 0 || !strings.Contains(s.Messages[0], "py says")) {
				t.Errorf("server messages %v", s.Messages)
			}
		})
	}
}

// picam-server --pattern 0 refuses a second client, and an explicit --multiclient on
// picam-client --pattern 0 is NetGear's ValueError: both exit 2 naming the fix.
func TestPattern0UsageErrors(t *testing.T) {
	srv := start(t, "picam-server", "--pattern", "0", "--address", "127.0.0.1", "--ports", "5577,5578")
	if code := srv.wait(10 * time.Second); code != 2 || !strings.Contains(srv.Stderr(), "pattern 0 (PAIR) sends to exactly one client") {
		t.Errorf("server: exit %d, stderr %q", code, srv.Stderr())
	}
	cl := start(t, "picam-client", "--pattern", "0", "--multiclient")
	if code := cl.wait(10 * time.Second); code != 2 || !strings.Contains(cl.Stderr(), "`0` pattern is not valid when Multi-Client Mode is enabled") {
		t.Errorf("client: exit %d, stderr %q", code, cl.Stderr())
	}
	ms := start(t, "picam-server", "--multiserver", "--address", "127.0.0.1", "--ports", "5577,5578")
	if code := ms.wait(10 * time.Second); code != 2 || !strings.Contains(ms.Stderr(), "Multi-Server Mode sends to exactly one client") {
		t.Errorf("multiserver: exit %d, stderr %q", code, ms.Stderr())
	}
}

// NetGear's Multi-Servers mode: three picam-servers --multiserver feed one NetGear
// multiserver_mode receiver, which tells them apart by the "port" in their headers and ends
// once each has sent its terminate. Before --multiserver, NetGear's receive thread died on
// the first frame with KeyError: 'port'.
func TestThreePicamServersToNetGearMultiServerClient(t *testing.T) {
	requirePython(t)
	for _, pat := range patterns() {
		t.Run("pattern"+pat, func(t *testing.T) {
			const frames = 60
			ports := freePorts(t, 3)
			// The servers start first and redial until the receiver binds, so all three stream
			// at once: like NetGear's, the receiver ends as soon as every server it has seen so
			// far has sent its terminate.
			var srvs []*proc
			for _, p := range ports {
				srvs = append(srvs, start(t, "picam-server", "--multiserver", "--address", "127.0.0.1", "--ports", fmt.Sprint(p),
					"--pattern", pat, "--codec", "jpeg", "--resolution", "320x240", "--framerate", "15", "--frames", fmt.Sprint(frames), "--json"))
			}
			py := start(t, "netgear_peer.py", "client", "--mode", "multiserver", "--address", "127.0.0.1", "--ports", joinPorts(ports),
				"--pattern", pat, "--max-seconds", "60")
			waitReadyLine(t, py)
			sent := map[string]int{}
			for i, srv := range srvs {
				if code := srv.wait(40 * time.Second); code != 0 {
					t.Fatalf("server %d exit %d", ports[i], code)
				}
				var ss serverSummary
				srv.jsonLine(&ss)
				sent[fmt.Sprint(ports[i])] = ss.Clients[0].FramesSent
			}
			if code := py.wait(10 * time.Second); code != 0 {
				t.Fatalf("multiserver client exit %d: %s", code, py.Stdout())
			}
			var s pyMultiServerClient
			py.jsonLine(&s)
			if !s.Terminated || s.Exit != "terminate" || len(s.TerminatedPorts) != 3 || s.DecodeErrors != 0 || len(s.Errors) != 0 {
				t.Errorf("multiserver client: %+v", s)
			}
			// What a server sent arrives (all of it in pattern 1). What it sends at all is
			// bounded looser: one Python socket serves all three servers and decodes each JPEG
			// before reading the next, and a picam sender replaces a frame its client has not
			// taken yet instead of queueing it, so a loaded machine costs frames here.
			for _, p := range ports {
				key := fmt.Sprint(p)
				min := sent[key]
				if pat == "2" {
					min = sent[key] * 9 / 10 // the receiver's SUB has HWM 1, as NetGear's
				}
				if got := s.ByPort[key]; got < min || got > sent[key] || sent[key] < frames*2/3 {
					t.Errorf("port %s: received %d of %d sent (of %d)", key, got, sent[key], frames)
				}
			}
		})
	}
}

// NetGear's default ndarray reply in Multi-Clients mode (pattern 1): what a NetGear client
// with simplejpeg sends back for recv(return_data=array) — a JPEG with array_dtype and
// array_shape "" — is taken by picam-server as that client's return data, every frame.
func TestPicamServerTakesNetGearJPEGArrayReply(t *testing.T) {
	requirePython(t)
	const frames = 30
	port := freePorts(t, 1)[0]
	py := start(t, "netgear_peer.py", "client", "--address", "127.0.0.1", "--port", fmt.Sprint(port), "--pattern", "1",
		"--return-array-jpeg", "--max-seconds", "60")
	waitReadyLine(t, py)
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(port), "--pattern", "1", "--codec", "jpeg",
		"--resolution", "320x240", "--framerate", "30", "--frames", fmt.Sprint(frames), "--json")
	if code := srv.wait(40 * time.Second); code != 0 {
		t.Fatalf("server exit %d", code)
	}
	var ss serverSummary
	srv.jsonLine(&ss)
	if code := py.wait(10 * time.Second); code != 0 {
		t.Fatalf("python client exit %d: %s", code, py.Stdout())
	}
	var s pyClient
	py.jsonLine(&s)
	sent := ss.Clients[0].FramesSent
	if s.Frames != sent || ss.Clients[0].Replies != sent || sent < frames*9/10 {
		t.Errorf("sent %d, client got %d, replies %d", sent, s.Frames, ss.Clients[0].Replies)
	}
	want := fmt.Sprintf("Client at port %d said: ndarray jpeg BGR (", port)
	if out := srv.Stdout(); !strings.Contains(out, want) {
		t.Errorf("server output lacks %q:\n%s", want, tail(out, 1500))
	}
	if strings.Contains(srv.Stderr(), "malformed reply") {
		t.Errorf("server rejected replies:\n%s", tail(srv.Stderr(), 1500))
	}
}
