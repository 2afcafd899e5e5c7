package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The two NetGear receivers on the host. Both bind and wait for picam-server
// to connect (NetGear's Multi-Clients topology), and both reply to every frame
// with data the server reports back, so the return path is checked too.
//
// A third receiver, a picam-client again, takes the stream of a second
// picam-server run that encodes through the hardware (M2M) encoder: vicodec's
// FWHT in QEMU, bcm2835-codec's H.264 on a Pi. It must decode every frame.
const (
	picamClient   = "picam-client"
	netgearPeer   = "netgear-peer"
	encoderClient = "picam-client-encoder"
)

// encoderFrames is how many frames the encoder run sends.
const encoderFrames = 30

// clientResult is what one client did.
type clientResult struct {
	name     string
	port     int
	exitCode int
	stopped  bool           // still running at the end and had to be stopped
	summary  map[string]any // its --json / stdout summary line
	log      string
	err      error // it could not start, or printed no summary
}

// startClients starts the clients bound to addr, one per port (picam-client,
// the NetGear peer, then the encoder run's picam-client), and waits until
// they listen.
func startClients(ctx context.Context, c config, addr, clientBin string, ports []int) ([]*child, error) {
	wait := c.bootLimit + 30*time.Second
	pc, err := startChild(ctx, picamClient, filepath.Join(c.artifacts, picamClient+".log"), "picam-client listening", nil,
		clientBin, "--address", addr, "--port", strconv.Itoa(ports[0]), "--pattern", "1",
		"--return", "hil {n}", "--json", "--stats", "0", "--timeout", "30s", "--wait-limit", wait.String())
	if err != nil {
		return nil, err
	}
	// NetGear's pattern-1 receiver gives up after 3 x request_timeout without
	// a frame; the guest needs a while to boot, so allow minutes.
	np, err := startChild(ctx, netgearPeer, filepath.Join(c.artifacts, netgearPeer+".log"), "READY client", nil,
		"/usr/bin/python3", filepath.Join(c.repo, "test/interop/netgear_peer.py"), "client",
		"--address", addr, "--port", strconv.Itoa(ports[1]), "--pattern", "1", "--return", "py {n}",
		"--request-timeout", strconv.Itoa(int(wait.Seconds()/3)+1), "--max-seconds", strconv.Itoa(int(wait.Seconds())))
	if err != nil {
		return []*child{pc}, err
	}
	kids := []*child{pc, np}
	if len(ports) > 2 {
		ec, err := startChild(ctx, encoderClient, filepath.Join(c.artifacts, encoderClient+".log"), "picam-client listening", nil,
			clientBin, "--address", addr, "--port", strconv.Itoa(ports[2]), "--pattern", "1",
			"--json", "--stats", "0", "--timeout", "30s", "--wait-limit", wait.String())
		if err != nil {
			return kids, err
		}
		kids = append(kids, ec)
	}
	for _, k := range kids {
		if err := k.waitReady(30 * time.Second); err != nil {
			return kids, err
		}
	}
	return kids, nil
}

// finishClients waits for the clients to end (the server terminates them) and
// reads their summaries. serverRan says whether picam-server ever started:
// if not, nothing will terminate them and they are stopped at once.
func finishClients(kids []*child, ports []int, serverRan bool) []*clientResult {
	grace := 20 * time.Second
	if !serverRan {
		grace = 0
	}
	var out []*clientResult
	for i, k := range kids {
		r := &clientResult{name: k.Name, port: ports[i], log: k.log.Name()}
		r.exitCode, r.stopped = k.wait(grace)
		r.summary, r.err = lastJSON(k.Stdout())
		out = append(out, r)
	}
	return out
}

// lastJSON decodes the last stdout line that is a JSON object.
func lastJSON(s string) (map[string]any, error) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "{") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				return nil, fmt.Errorf("summary %q: %w", l, err)
			}
			return m, nil
		}
	}
	return nil, fmt.Errorf("no JSON summary on stdout")
}
