package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

func patterns() []string { return []string{"1", "2"} }

// Ctrl-C or --frames on the server: every client, both patterns, exits 0 within 1 s.
func TestServerStopEndsClientsWithinOneSecond(t *testing.T) {
	for _, pat := range patterns() {
		for _, how := range []string{"sigint", "frames"} {
			t.Run("pattern"+pat+"-"+how, func(t *testing.T) {
				t.Parallel()
				ports := freePorts(t, 2)
				var clients []*proc
				for _, p := range ports {
					clients = append(clients, start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(p), "--pattern", pat, "--json", "--stats", "0"))
				}
				waitListening(t, ports...)
				args := []string{"--address", "127.0.0.1", "--ports", joinPorts(ports), "--pattern", pat, "--codec", "raw", "--resolution", "320x240", "--json"}
				if how == "frames" {
					args = append(args, "--frames", "45")
				}
				srv := start(t, "picam-server", args...)
				if how == "sigint" {
					time.Sleep(1500 * time.Millisecond)
					srv.signal(syscall.SIGINT)
				}
				if code := srv.wait(10 * time.Second); code != 0 {
					t.Fatalf("server exit %d", code)
				}
				for _, c := range clients {
					if code := c.wait(5 * time.Second); code != 0 {
						t.Fatalf("client exit %d, want 0", code)
					}
					if d := c.exited.Sub(srv.exited); d > time.Second {
						t.Errorf("client exited %v after the server, want ≤ 1s", d)
					}
					var s clientSummary
					c.jsonLine(&s)
					if s.Exit != "terminate" || s.Frames == 0 {
						t.Errorf("client summary %+v", s)
					}
					if how == "frames" && s.Frames != 45 {
						t.Errorf("client got %d/45 frames", s.Frames)
					}
				}
			})
		}
	}
}

// A SIGKILLed server sends no terminate: every client exits 3 within its timeout.
func TestKilledServerClientsExitThree(t *testing.T) {
	for _, pat := range patterns() {
		t.Run("pattern"+pat, func(t *testing.T) {
			t.Parallel()
			ports := freePorts(t, 2)
			var clients []*proc
			for _, p := range ports {
				clients = append(clients, start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(p), "--pattern", pat, "--timeout", "1s", "--json", "--stats", "0"))
			}
			waitListening(t, ports...)
			srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", joinPorts(ports), "--pattern", pat, "--codec", "raw", "--resolution", "320x240")
			time.Sleep(1500 * time.Millisecond)
			srv.signal(syscall.SIGKILL)
			srv.wait(5 * time.Second)
			for _, c := range clients {
				if code := c.wait(5 * time.Second); code != 3 {
					t.Fatalf("client exit %d, want 3", code)
				}
				// 1 s timeout plus scheduling slack on a loaded 2-core machine.
				if d := c.exited.Sub(srv.exited); d > 1500*time.Millisecond {
					t.Errorf("client took %v to notice, timeout 1s", d)
				}
				var s clientSummary
				c.jsonLine(&s)
				if s.Exit != "server-gone" || s.Frames == 0 {
					t.Errorf("client summary %+v", s)
				}
			}
		})
	}
}

// With one of four clients frozen (SIGSTOP) or killed, the other three keep ≥ 99 % of their
// frames, the server keeps running, and a restarted client receives again within 1 s.
func TestOneBadClientOfFour(t *testing.T) {
	for _, pat := range patterns() {
		for _, how := range []string{"sigstop", "sigkill"} {
			t.Run("pattern"+pat+"-"+how, func(t *testing.T) {
				ports := freePorts(t, 4)
				var clients []*proc
				clientArgs := func(p int) []string {
					return []string{"--address", "127.0.0.1", "--port", fmt.Sprint(p), "--pattern", pat, "--json", "--stats", "0", "--timeout", "10s"}
				}
				for _, p := range ports {
					clients = append(clients, start(t, "picam-client", clientArgs(p)...))
				}
				waitListening(t, ports...)
				srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", joinPorts(ports), "--pattern", pat,
					"--codec", "raw", "--resolution", "640x480", "--framerate", "30", "--frames", "240", "--json")
				time.Sleep(1500 * time.Millisecond)
				bad := clients[3]
				if how == "sigstop" {
					bad.signal(syscall.SIGSTOP)
					time.Sleep(3 * time.Second)
					bad.signal(syscall.SIGKILL)
				} else {
					bad.signal(syscall.SIGKILL)
					time.Sleep(time.Second)
				}
				bad.wait(5 * time.Second)
				restarted := start(t, "picam-client", append(clientArgs(ports[3]), "--frames", "1")...)
				waitListening(t, ports[3])
				back := time.Now()
				if code := restarted.wait(5 * time.Second); code != 0 {
					t.Fatalf("restarted client exit %d", code)
				}
				if d := restarted.exited.Sub(back); d > time.Second {
					t.Errorf("restarted client took %v to get a frame, want ≤ 1s", d)
				}
				if code := srv.wait(20 * time.Second); code != 0 {
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
					if float64(s.Frames) < 0.99*float64(ss.FramesSent) {
						t.Errorf("healthy client %d got %d/%d frames (server: %s)", s.Port, s.Frames, ss.FramesSent, srv.stdout.String())
					}
				}
			})
		}
	}
}

// Invalid combinations print NetGear's error and exit 2.
func TestInvalidCombinationsExitTwo(t *testing.T) {
	cases := []struct {
		bin  string
		args []string
		want string
	}{
		{"picam-server", []string{"--address", "127.0.0.1", "--ports", "5577", "--pattern", "2", "--bidirectional"}, "`2` pattern is not valid when Bidirectional Mode"},
		{"picam-server", []string{"--address", "127.0.0.1", "--ports", "5577", "--pattern", "0"}, "`0` pattern is not valid"},
		{"picam-server", []string{"--pattern", "1"}, "Kindly provide a list of Client ports"},
		{"picam-server", []string{"--address", "127.0.0.1", "--ports", "5577,5577"}, "listed twice"},
		{"picam-server", []string{"--address", "127.0.0.1", "--ports", "5577", "--codec", "gif"}, "gif"},
		{"picam-client", []string{"--pattern", "1"}, "Kindly provide a unique & valid port"},
		{"picam-client", []string{"--port", "5577", "--pattern", "2", "--bidirectional"}, "`2` pattern is not valid when Bidirectional Mode"},
		{"picam-client", []string{"--port", "5577", "--pattern", "3"}, "`3` pattern is not valid"},
		{"picam-client", []string{"--port", "5577", "--bogus"}, "picam-client: unknown flag --bogus (see --help for the flags)\n"},
	}
	for _, c := range cases {
		p := start(t, c.bin, c.args...)
		if code := p.wait(10 * time.Second); code != 2 {
			t.Errorf("%s %v: exit %d, want 2", c.bin, c.args, code)
		}
		if !strings.Contains(p.stderr.String(), c.want) {
			t.Errorf("%s %v: stderr %q lacks %q", c.bin, c.args, p.stderr.String(), c.want)
		}
	}
}
