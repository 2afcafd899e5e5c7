//go:build soak

package e2e

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/picam-project/picam/stream/zmtp"
)

// The soak of issue 16 (make soak; not part of make test): picam-server in pattern 1 streaming
// raw 640x480 at 30 fps to 4 picam-clients for SOAK_DURATION (default 30m). The fourth client
// is killed and restarted every 5 s; a hostile fifth "client" cycles through oversized and
// escape-laden replies; every minute 500 keep-alive connections sit on /healthz; picam-client 1
// also takes connections announcing 60 MiB frames and idle connections. RSS, FDs and goroutines
// (threads for picam-client, which has no /metrics) are printed first/last/max for both.

// goroutines reads go_goroutines from picam-server's /metrics.
func goroutines(httpPort int) int {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", httpPort))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	return 0
}

func threads(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return len(ents)
}

type series struct{ first, last, max int64 }

func (s *series) add(v int64) {
	if v <= 0 {
		return
	}
	if s.first == 0 {
		s.first = v
	}
	s.last, s.max = v, max(s.max, v)
}

func (s series) String() string { return fmt.Sprintf("%d/%d/%d", s.first, s.last, s.max) }

func TestSoak(t *testing.T) {
	dur := 30 * time.Minute
	if v := os.Getenv("SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("SOAK_DURATION=%q: %v", v, err)
		}
		dur = d
	}
	ports := freePorts(t, 6)
	honest, bad, httpPort := ports[:4], ports[4], ports[5]
	clientArgs := func(p int) []string {
		return []string{"--address", "127.0.0.1", "--port", fmt.Sprint(p), "--pattern", "1", "--json", "--stats", "0", "--timeout", "30s", "--return", "ok {n}"}
	}
	var clients []*proc
	for _, p := range honest[:3] {
		clients = append(clients, start(t, "picam-client", clientArgs(p)...))
	}
	waitListening(t, honest[:3]...)

	// The hostile fifth client: forged 60 KiB replies, then a 60 MiB one, on every connection.
	forged := []byte(`{"port": "1", "return_type": "str", "data": "` + strings.Repeat(`\u001b[2J\nClient at port 1 said: forged `, 60<<10/40) + `"}`)
	huge := make([]byte, 1<<20)
	var attacks atomic.Int64
	hostileClient(t, bad, zmtp.REP, func(c *zmtp.Conn) {
		attacks.Add(1)
		var m zmtp.Msg
		for n := 1; c.ReadMsg(&m, nil) == nil; n++ {
			env := [][]byte{append([]byte(nil), m.Parts[0]...), nil}
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if n%20 != 0 { // 19 escape-laden replies, then one of 60 MiB that gets it cut
				if c.WriteMsg(append(env, forged)...) != nil {
					return
				}
				continue
			}
			hdr := append([]byte{0x01, 4}, env[0]...)
			hdr = binary.BigEndian.AppendUint64(append(hdr, 0x01, 0, 0x02), 60<<20)
			if _, err := c.NetConn().Write(hdr); err != nil {
				return
			}
			for i := 0; i < 60; i++ {
				if _, err := c.NetConn().Write(huge); err != nil {
					return
				}
			}
		}
	})

	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", joinPorts(append(honest, bad)), "--pattern", "1", "--wait", "3",
		"--codec", "raw", "--resolution", "640x480", "--framerate", "30", "--json", "--http", fmt.Sprint(httpPort))
	waitListening(t, httpPort)

	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	// The fourth client, killed every 5 s.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			c := start(t, "picam-client", clientArgs(honest[3])...)
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			c.Kill()
		}
	}()
	// Every minute: 500 keep-alive connections on /healthz, and an attack on client 1's port.
	wg.Add(1)
	go func() {
		defer wg.Done()
		addr := fmt.Sprintf("127.0.0.1:%d", honest[0])
		chunk := make([]byte, 1<<20)
		hdr := []byte(`{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": [62914560]}`)
		for ctx.Err() == nil {
			var held []net.Conn
			for i := 0; i < 500; i++ {
				c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", httpPort))
				if err != nil {
					break
				}
				held = append(held, c)
				c.SetDeadline(time.Now().Add(2 * time.Second))
				fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
				if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
			var aw sync.WaitGroup
			for i := 0; i < 16; i++ {
				aw.Add(1)
				go func() {
					defer aw.Done()
					h, err := zmtp.Dial(context.Background(), addr, time.Second, zmtp.Options{SocketType: zmtp.REQ})
					if err != nil {
						return
					}
					defer h.Close()
					nc := h.NetConn()
					nc.SetDeadline(time.Now().Add(10 * time.Second))
					fh := append([]byte{0x01, 0, 0x01, byte(len(hdr))}, hdr...)
					fh = binary.BigEndian.AppendUint64(append(fh, 0x02), 60<<20)
					if _, err := nc.Write(fh); err == nil {
						for j := 0; j < 60; j++ {
							if _, err := nc.Write(chunk); err != nil {
								return
							}
						}
					}
				}()
			}
			for i := 0; i < 500; i++ {
				c, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					break
				}
				held = append(held, c)
			}
			aw.Wait()
			select {
			case <-ctx.Done():
			case <-time.After(time.Minute):
			}
			for _, c := range held {
				c.Close()
			}
		}
	}()

	var sRSS, sFDs, sG, cRSS, cFDs, cThreads series
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	began := time.Now()
	report := began
sample:
	for {
		select {
		case <-ctx.Done():
			break sample
		case <-tick.C:
		}
		if time.Since(began) < 5*time.Second {
			continue // "first" is the steady state, with every client connected
		}
		rss, _, fds := procMem(srv.Cmd.Process.Pid)
		sRSS.add(rss >> 10)
		sFDs.add(int64(fds))
		sG.add(int64(goroutines(httpPort)))
		rss, _, fds = procMem(clients[0].Cmd.Process.Pid)
		cRSS.add(rss >> 10)
		cFDs.add(int64(fds))
		cThreads.add(int64(threads(clients[0].Cmd.Process.Pid)))
		if time.Since(report) >= time.Minute {
			report = time.Now()
			t.Logf("%v: server RSS MiB %v FDs %v goroutines %v; client 1 RSS MiB %v FDs %v threads %v; %d hostile connections",
				time.Since(began).Round(time.Second), sRSS, sFDs, sG, cRSS, cFDs, cThreads, attacks.Load())
		}
	}
	wg.Wait()
	srv.signal(syscall.SIGINT)
	if code := srv.wait(30 * time.Second); code != 0 {
		t.Errorf("server exit %d", code)
	}
	var ss serverSummary
	srv.jsonLine(&ss)
	fmt.Printf("soak %v: picam-server RSS MiB first/last/max %v, FDs %v, goroutines %v; picam-client RSS MiB %v, FDs %v, threads %v; %d frames, %d hostile connections\n",
		dur, sRSS, sFDs, sG, cRSS, cFDs, cThreads, ss.FramesSent, attacks.Load())
	for _, c := range clients {
		c.wait(40 * time.Second)
		var s clientSummary
		c.jsonLine(&s)
		if float64(s.Frames) < 0.99*float64(ss.FramesSent) {
			t.Errorf("honest client %d got %d/%d frames", s.Port, s.Frames, ss.FramesSent)
		}
	}
	if sRSS.max > 64 {
		t.Errorf("server RSS peaked at %d MiB, want ≤ 64", sRSS.max)
	}
	if cRSS.max > 512 {
		t.Errorf("client RSS peaked at %d MiB, want ≤ 512", cRSS.max)
	}
	if sFDs.last > sFDs.first+8 || sG.last > sG.first+16 {
		t.Errorf("server FDs %v goroutines %v: not back to where they started", sFDs, sG)
	}
}
