//go:build sdcard

package sdcard

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// watchFrames is how many pictures ffmpeg must decode from the card's RTSP stream.
const watchFrames = 10

// TestCardWatchable boots the card as flashed (its own picam.conf, untouched) with the two
// files its picam.conf asks the user to write on the boot partition, rtsp.password and
// http.token, and watches it as a user without picam-client does: ffmpeg decodes the RTSP
// stream (through QEMU's port forwarding, so picam-server sees a player off the Pi that must
// give the Digest credentials), the status API answers with the token, and the Pi answers
// mDNS for picam.local and its _rtsp._tcp and _http._tcp services, asked from this machine
// with dig.
//
// mDNS multicast does not cross QEMU's user network (slirp), so dig asks as an mDNS "legacy
// unicast" querier (RFC 6762 §6.7: from a port other than 5353, to the responder's port 5353,
// answered to the asking port), through a UDP port forwarded to the guest's 5353. Multicast
// queries and answers are tested on loopback in package mdns.
func TestCardWatchable(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"ffmpeg", "dig"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: make deps (ffmpeg, dnsutils)", tool)
		}
	}
	c := newCard(t)
	const password, token = "sdcard-watch-password", "sdcard-watch-token-0123"
	c.writeBoot(t, "rtsp.password", password+"\n")
	c.writeBoot(t, "http.token", token+"\n")
	rtspPort, httpPort, mdnsPort := freePort(t), freePort(t), freeUDPPort(t)
	g := c.boot(t, fmt.Sprintf("hostfwd=tcp:127.0.0.1:%d-:8554", rtspPort), fmt.Sprintf("hostfwd=tcp:127.0.0.1:%d-:8080", httpPort),
		fmt.Sprintf("hostfwd=udp:127.0.0.1:%d-:5353", mdnsPort))

	// mDNS: the name, as soon as the guest has its DHCP address (10.0.2.15 on QEMU's network).
	var addr []string
	deadline := time.Now().Add(*bootLimit)
	for time.Now().Before(deadline) {
		if addr = digCard(t, mdnsPort, "A", "picam.local"); len(addr) > 0 {
			break
		}
		select {
		case <-g.done:
			t.Fatalf("QEMU ended before picam.local was answered; guest console:\n%s", tail(g.serial(), 60))
		case <-time.After(time.Second):
		}
	}
	resolved := time.Since(g.start)
	if !slices.Equal(addr, []string{"10.0.2.15"}) {
		t.Fatalf("A picam.local: %q, want 10.0.2.15 (the guest's address); guest console:\n%s", addr, tail(g.serial(), 60))
	}
	t.Logf("picam.local resolved to %s %.1f s after power-on", addr[0], resolved.Seconds())
	for _, s := range []struct{ typ, port, path string }{{"_rtsp._tcp", "8554", "/cam"}, {"_http._tcp", "8080", "/"}} {
		if got := digCard(t, mdnsPort, "PTR", s.typ+".local"); !slices.Equal(got, []string{"picam." + s.typ + ".local."}) {
			t.Errorf("PTR %s.local (browse): %q, want picam.%s.local.", s.typ, got, s.typ)
		}
		if got := digCard(t, mdnsPort, "SRV", "picam."+s.typ+".local"); !slices.Equal(got, []string{"0", "0", s.port, "picam.local."}) {
			t.Errorf("SRV picam.%s.local: %q, want 0 0 %s picam.local.", s.typ, got, s.port)
		}
		if got := digCard(t, mdnsPort, "TXT", "picam."+s.typ+".local"); !slices.Equal(got, []string{`"path=` + s.path + `"`}) {
			t.Errorf("TXT picam.%s.local: %q, want \"path=%s\"", s.typ, got, s.path)
		}
	}

	// RTSP: ffmpeg decodes watchFrames pictures, giving the user picam and the password.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	url := fmt.Sprintf("rtsp://picam:%s@127.0.0.1:%d/cam", password, rtspPort)
	out, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", url,
		"-frames:v", fmt.Sprint(watchFrames), "-f", "framemd5", "-").CombinedOutput()
	frames := 0
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") && strings.Count(l, ",") >= 5 {
			frames++
		}
	}
	t.Logf("ffmpeg decoded %d pictures from the card's RTSP stream %.1f s after power-on", frames, time.Since(g.start).Seconds())
	if err != nil || frames != watchFrames {
		t.Errorf("ffmpeg -i rtsp://picam:***@127.0.0.1:%d/cam: %v, %d pictures decoded, want %d:\n%s\nguest console:\n%s",
			rtspPort, err, frames, watchFrames, tail(string(out), 10), tail(g.serial(), 40))
	}
	// Without the password: refused.
	out, err = exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", fmt.Sprintf("rtsp://127.0.0.1:%d/cam", rtspPort)).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "401") {
		t.Errorf("ffprobe without the password: %v\n%s; want 401", err, out)
	}

	// HTTP: the status API with the token, refused without it.
	for _, h := range []struct {
		auth string
		want int
	}{{"", http.StatusUnauthorized}, {"Bearer " + token, http.StatusOK}} {
		req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://127.0.0.1:%d/api/clients", httpPort), nil)
		if h.auth != "" {
			req.Header.Set("Authorization", h.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("GET /api/clients: %v", err)
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode != h.want {
			t.Errorf("GET /api/clients (%q): %d, want %d: %s", h.auth, resp.StatusCode, h.want, body)
		}
	}
	for _, l := range strings.Split(g.serial(), "\n") {
		if strings.Contains(l, "mdns") || strings.Contains(l, "rtsp") {
			t.Logf("console: %s", strings.TrimSpace(l))
		}
	}
	for _, bad := range []string{"settings file has errors", "does not exist"} {
		if strings.Contains(g.serial(), bad) {
			t.Errorf("the console says %q:\n%s", bad, tail(g.serial(), 40))
		}
	}
}

// digCard asks the guest's mDNS responder through the forwarded UDP port; no reply is no
// answer.
func digCard(t *testing.T, port int, typ, name string) []string {
	t.Helper()
	out, err := exec.Command("dig", "@127.0.0.1", "-p", fmt.Sprint(port), "+short", "+tries=1", "+time=2", "-t", typ, name).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 9 {
		return nil
	}
	if err != nil {
		t.Fatalf("dig -t %s %s: %v\n%s", typ, name, err, out)
	}
	return strings.Fields(string(out))
}

// freeUDPPort is a UDP port on 127.0.0.1 that nothing listens on now.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
