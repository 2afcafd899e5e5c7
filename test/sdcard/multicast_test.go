//go:build sdcard

package sdcard

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/picam-project/picam/internal/testkit"
)

// The private network: the namespace's tap0 (192.168.77.1) is the guest's LAN, with a DHCP
// server (busybox udhcpd) that leases the guest guestAddr.
const (
	lanHost   = "192.168.77.1"
	guestAddr = "192.168.77.10"
)

// TestCardAnswersMulticastDNS boots the card exactly as flashed (its picam.conf, nothing
// written on it) with its network card on a tap device in a private network namespace, and
// asks from there as a real mDNS querier does: multicast to 224.0.0.251:5353 from port 5353,
// the answers multicast back (RFC 6762 §5.2, §6). picam.local resolves to the guest's leased
// address and browsing _rtsp._tcp and _http._tcp finds the camera's services. The card as
// flashed, without rtsp.password and http.token on it, keeps running: HTTP refuses with 401
// naming the file to write (/healthz answers), as RTSP refuses players off the Pi.
// Root only (ip netns, a tap device); nothing leaves the namespace.
func TestCardAnswersMulticastDNS(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("this test makes a network namespace and a tap device: run it as root (or -run TestCardWatchable for the rest)")
	}
	for _, tool := range []string{"ip", "busybox", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: make deps (iproute2, busybox, curl)", tool)
		}
	}
	ns := fmt.Sprintf("picam-sdcard-%d", os.Getpid())
	ipCmd(t, "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	ipCmd(t, "-n", ns, "link", "set", "lo", "up")
	ipCmd(t, "-n", ns, "tuntap", "add", "dev", "tap0", "mode", "tap")
	ipCmd(t, "-n", ns, "addr", "add", lanHost+"/24", "dev", "tap0")
	ipCmd(t, "-n", ns, "link", "set", "tap0", "up")
	ipCmd(t, "-n", ns, "route", "add", "224.0.0.0/4", "dev", "tap0")
	dir := t.TempDir()
	conf := filepath.Join(dir, "udhcpd.conf")
	os.WriteFile(filepath.Join(dir, "leases"), nil, 0o644)
	os.WriteFile(conf, []byte(fmt.Sprintf("start %s\nend %s\ninterface tap0\nlease_file %s\npidfile %s\noption subnet 255.255.255.0\n",
		guestAddr, guestAddr, filepath.Join(dir, "leases"), filepath.Join(dir, "udhcpd.pid"))), 0o644)
	testkit.StartT(t, exec.Command("ip", "netns", "exec", ns, "busybox", "udhcpd", "-f", conf), testkit.Options{Name: "udhcpd"})

	c := newCard(t)
	c.netns = ns
	g := c.boot(t)

	ctx, cancel := context.WithTimeout(context.Background(), *bootLimit)
	defer cancel()
	q := exec.CommandContext(ctx, "ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestMDNSQuerier$")
	q.Env = append(os.Environ(), "PICAM_MDNS_QUERIER=picam.local")
	out, err := q.CombinedOutput()
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " => "); ok {
			got[k] = v
		}
	}
	t.Logf("multicast answers %.1f s after power-on: %v", time.Since(g.start).Seconds(), got)
	want := map[string]string{
		"A picam.local.":                    guestAddr,
		"PTR _rtsp._tcp.local.":             "picam._rtsp._tcp.local.",
		"PTR _http._tcp.local.":             "picam._http._tcp.local.",
		"SRV picam._rtsp._tcp.local.":       "8554 picam.local.",
		"SRV picam._http._tcp.local.":       "8080 picam.local.",
		"TXT picam._rtsp._tcp.local.":       "path=/cam",
		"TXT picam._http._tcp.local.":       "path=/",
		"PTR _services._dns-sd._udp.local.": "", // any of the two types
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || (v != "" && g != v) {
			t.Errorf("%s: %q, want %q", k, g, v)
		}
	}
	if t.Failed() {
		t.Fatalf("querier: %v\n%s\nguest console:\n%s", err, out, tail(g.serial(), 40))
	}

	// The card as flashed, without the credential files: running, and refusing.
	for _, h := range []struct {
		path string
		code string
		body string
	}{{"/healthz", "200", "ok"}, {"/api/clients", "401", "/boot/http.token"}} {
		out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "curl", "-sS", "-m", "10", "-w", "\n%{http_code}",
			"http://"+guestAddr+":8080"+h.path).CombinedOutput()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if err != nil || lines[len(lines)-1] != h.code || !strings.Contains(string(out), h.body) {
			t.Errorf("GET %s from the LAN: %v\n%s\nwant %s with %q", h.path, err, out, h.code, h.body)
		}
	}
	if !strings.Contains(g.serial(), "the RTSP password file does not exist") {
		t.Errorf("the console does not say that rtsp.password is missing:\n%s", tail(g.serial(), 40))
	}
}

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestMDNSQuerier is the multicast querier TestCardAnswersMulticastDNS runs in its network
// namespace (it does nothing on its own). Written from RFC 6762 and 6763 with the standard
// DNS message codec, independent of the responder's library: it asks from port 5353 to
// 224.0.0.251, once a second, and prints every answer it gets ("TYPE NAME => VALUE") until it
// has them all.
func TestMDNSQuerier(t *testing.T) {
	host := os.Getenv("PICAM_MDNS_QUERIER")
	if host == "" {
		return
	}
	ifi, err := net.InterfaceByName("tap0")
	if err != nil {
		t.Fatal(err)
	}
	group := &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	c, err := net.ListenMulticastUDP("udp4", ifi, group)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var m dnsmessage.Message
	for _, q := range []struct {
		name string
		typ  dnsmessage.Type
	}{{host + ".", dnsmessage.TypeA}, {"_rtsp._tcp.local.", dnsmessage.TypePTR}, {"_http._tcp.local.", dnsmessage.TypePTR},
		{"_services._dns-sd._udp.local.", dnsmessage.TypePTR}} {
		m.Questions = append(m.Questions, dnsmessage.Question{Name: dnsmessage.MustNewName(q.name), Type: q.typ, Class: dnsmessage.ClassINET})
	}
	query, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	label := strings.TrimSuffix(host, ".local")
	need := map[string]bool{"A " + host + ".": true, "PTR _services._dns-sd._udp.local.": true}
	for _, typ := range []string{"_rtsp._tcp", "_http._tcp"} {
		need["PTR "+typ+".local."] = true
		need["SRV "+label+"."+typ+".local."] = true
		need["TXT "+label+"."+typ+".local."] = true
	}
	seen := map[string]bool{}
	buf := make([]byte, 9000)
	next := time.Now()
	for len(need) > 0 {
		if time.Now().After(next) {
			if _, err := c.WriteTo(query, group); err != nil {
				fmt.Println("send:", err) // no carrier until QEMU has the tap: keep trying
			}
			next = time.Now().Add(time.Second)
		}
		c.SetReadDeadline(next)
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			continue
		}
		var r dnsmessage.Message
		if r.Unpack(buf[:n]) != nil || !r.Response {
			continue
		}
		for _, rr := range append(r.Answers, r.Additionals...) {
			var v string
			switch b := rr.Body.(type) {
			case *dnsmessage.AResource:
				v = net.IP(b.A[:]).String()
			case *dnsmessage.PTRResource:
				v = b.PTR.String()
			case *dnsmessage.SRVResource:
				v = fmt.Sprintf("%d %s", b.Port, b.Target)
			case *dnsmessage.TXTResource:
				v = strings.Join(b.TXT, " ")
			default:
				continue
			}
			k := fmt.Sprintf("%s %s", strings.TrimPrefix(rr.Header.Type.String(), "Type"), rr.Header.Name)
			if !seen[k+v] && slices.Contains([]string{"A", "PTR", "SRV", "TXT"}, strings.TrimPrefix(rr.Header.Type.String(), "Type")) {
				seen[k+v] = true
				delete(need, k)
				fmt.Printf("%s => %s\n", k, v)
			}
		}
	}
}
