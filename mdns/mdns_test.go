package mdns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/picam-project/picam/internal/testkit"
)

// The responder runs on loopback only (Interfaces: lo), so nothing leaves the machine, under a
// random name, so an answer can only come from this test's responder.
func startLoopback(t *testing.T, services ...Service) *Responder {
	t.Helper()
	testkit.LockMDNS(t) // port 5353 is the machine's: one test package at a time
	b := make([]byte, 4)
	rand.Read(b)
	r, err := Start(context.Background(), Config{Host: "picamtest-" + hex.EncodeToString(b), Services: services,
		Interfaces: []string{"lo"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if got := r.Interfaces(); !slices.Equal(got, []string{"lo"}) {
		t.Fatalf("answering on %v, want [lo]", got)
	}
	return r
}

// dig asks the responder at 127.0.0.1:5353 with dig (Debian's dnsutils, ISC's resolver: an
// independent implementation), as an mDNS "legacy unicast" query (RFC 6762 §6.7: from a port
// other than 5353, answered to that port). It returns dig's +short lines.
func dig(t *testing.T, typ, name string) []string {
	t.Helper()
	return digOr(t, typ, name, false)
}

// digSilent is dig for a question that should get no reply at all (dig's exit status 9).
func digSilent(t *testing.T, typ, name string) []string {
	t.Helper()
	return digOr(t, typ, name, true)
}

func digOr(t *testing.T, typ, name string, silent bool) []string {
	t.Helper()
	if _, err := exec.LookPath("dig"); err != nil {
		t.Fatal("dig is missing: apt-get install dnsutils (make deps)")
	}
	out, err := exec.Command("dig", "@127.0.0.1", "-p", "5353", "+short", "+tries=3", "+time=1", "-t", typ, name).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 9 && silent {
		return nil // no reply: an mDNS responder stays silent about names it does not own
	}
	if err != nil {
		t.Fatalf("dig -t %s %s: %v\n%s", typ, name, err, out)
	}
	if silent {
		t.Errorf("dig -t %s %s: a reply, want none:\n%s", typ, name, out)
	}
	return strings.Fields(string(out))
}

func TestDigResolvesTheNameAndBrowsesTheServices(t *testing.T) {
	r := startLoopback(t,
		Service{Type: "_rtsp._tcp", Port: 8554, Text: []string{"path=/cam"}},
		Service{Type: "_http._tcp", Port: 8080, Text: []string{"path=/"}})
	host := r.Name()
	if got := dig(t, "A", host); !slices.Equal(got, []string{"127.0.0.1"}) {
		t.Errorf("A %s: %q, want 127.0.0.1", host, got)
	}
	for _, s := range []struct{ typ, port, path string }{{"_rtsp._tcp", "8554", "/cam"}, {"_http._tcp", "8080", "/"}} {
		instance := r.cfg.Host + "." + s.typ + ".local."
		if got := dig(t, "PTR", s.typ+".local"); !slices.Equal(got, []string{instance}) {
			t.Errorf("PTR %s.local (browse): %q, want %s", s.typ, got, instance)
		}
		if got := dig(t, "SRV", instance); !slices.Equal(got, []string{"0", "0", s.port, host + "."}) {
			t.Errorf("SRV %s: %q, want 0 0 %s %s.", instance, got, s.port, host)
		}
		if got := dig(t, "TXT", instance); !slices.Equal(got, []string{`"path=` + s.path + `"`}) {
			t.Errorf("TXT %s: %q, want \"path=%s\"", instance, got, s.path)
		}
	}
	// Service type enumeration (RFC 6763 §9), what "avahi-browse -a" and phone apps start with.
	got := dig(t, "PTR", "_services._dns-sd._udp.local")
	slices.Sort(got)
	if !slices.Equal(got, []string{"_http._tcp.local.", "_rtsp._tcp.local."}) {
		t.Errorf("PTR _services._dns-sd._udp.local: %q, want _http._tcp.local. and _rtsp._tcp.local.", got)
	}
	// A name it does not own gets no answer.
	if got := digSilent(t, "A", "not-"+host); len(got) != 0 {
		t.Errorf("A not-%s: %q, want no answer", host, got)
	}
}

// TestMulticastQuery asks as a full mDNS querier does: from port 5353 to 224.0.0.251 on
// loopback, with the answer multicast back.
func TestMulticastQuery(t *testing.T) {
	r := startLoopback(t)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenMulticastUDP("udp4", lo, &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q := query(t, r.Name()+".", dnsmessage.TypeA)
	deadline := time.Now().Add(5 * time.Second)
	c.SetReadDeadline(deadline)
	buf := make([]byte, 9000)
	for time.Now().Before(deadline) {
		// Sent from this socket (port 5353) so it is not a legacy query; loopback multicast
		// delivers it to the responder.
		if _, err := c.WriteTo(q, &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}); err != nil {
			t.Fatal(err)
		}
		for {
			c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				break
			}
			var m dnsmessage.Message
			if m.Unpack(buf[:n]) != nil || !m.Response {
				continue
			}
			for _, a := range m.Answers {
				if ar, ok := a.Body.(*dnsmessage.AResource); ok && strings.EqualFold(a.Header.Name.String(), r.Name()+".") {
					if net.IP(ar.A[:]).String() != "127.0.0.1" {
						t.Fatalf("multicast answer %v, want 127.0.0.1", net.IP(ar.A[:]))
					}
					return
				}
			}
		}
	}
	t.Fatal("no multicast answer in 5 s")
}

// TestFloodOfAnswersAndJunk sends what any peer on the LAN can: thousands of answers for names
// of its own with large TXT records (which pion caches, at most 4096) and malformed packets.
// The responder keeps answering.
func TestFloodOfAnswersAndJunk(t *testing.T) {
	r := startLoopback(t, Service{Type: "_rtsp._tcp", Port: 8554, Text: []string{"path=/cam"}})
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}
	big := strings.Repeat("x", 250)
	for i := 0; i < 6000; i++ {
		name := dnsmessage.MustNewName(fmt.Sprintf("flood%d.local.", i))
		m := dnsmessage.Message{Header: dnsmessage.Header{Response: true}}
		m.Answers = append(m.Answers, dnsmessage.Resource{
			Header: dnsmessage.ResourceHeader{Name: name, Type: dnsmessage.TypeTXT, Class: dnsmessage.ClassINET, TTL: 4500},
			Body:   &dnsmessage.TXTResource{TXT: []string{big, big, big, big}},
		})
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		c.WriteTo(b, to)
		c.WriteTo([]byte{0, 1, 2, 3, 0xff, 0xff, 0xff, 0xff, 9, 9}, to)
		if i%500 == 0 {
			time.Sleep(10 * time.Millisecond) // let the reader keep up, so the packets arrive
		}
	}
	if got := dig(t, "SRV", r.cfg.Host+"._rtsp._tcp.local"); !slices.Equal(got, []string{"0", "0", "8554", r.Name() + "."}) {
		t.Errorf("after the flood: SRV %q, want 0 0 8554 %s.", got, r.Name())
	}
}

func query(t *testing.T, name string, typ dnsmessage.Type) []byte {
	t.Helper()
	m := dnsmessage.Message{Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET}}}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCloseStopsAnswering(t *testing.T) {
	r := startLoopback(t)
	if got := dig(t, "A", r.Name()); len(got) != 1 {
		t.Fatalf("before Close: %q", got)
	}
	r.Close()
	if got := r.Interfaces(); len(got) != 0 {
		t.Errorf("after Close: answering on %v", got)
	}
	if got := digSilent(t, "A", r.Name()); len(got) != 0 {
		t.Errorf("after Close: A %s answered %q", r.Name(), got)
	}
}

// An interface that is not there is waited for, not an error: on the Pi the network comes up
// after picam-server has started.
func TestNoInterfaceYetIsNotAnError(t *testing.T) {
	r, err := Start(context.Background(), Config{Host: "picam", Interfaces: []string{"picamnone0"}, Rescan: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	time.Sleep(50 * time.Millisecond)
	if got := r.Interfaces(); len(got) != 0 {
		t.Errorf("answering on %v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Host: "pi cam"}, "host name"},
		{Config{Host: "-picam"}, "host name"},
		{Config{Host: strings.Repeat("a", 64)}, "host name"},
		{Config{Host: "picam", Services: []Service{{Type: "rtsp", Port: 8554}}}, "service type"},
		{Config{Host: "picam", Services: []Service{{Type: "_rtsp._tcp", Port: 0}}}, "port 0"},
	} {
		_, err := Start(context.Background(), c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error with %q", c.cfg, err, c.want)
		}
	}
	// picam.local and picam.local. are picam.
	r, err := Start(context.Background(), Config{Host: "picam.local.", Interfaces: []string{"picamnone0"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Name() != "picam.local" {
		t.Errorf("Name %q", r.Name())
	}
}
