// Package mdns makes a picam findable on the local network with no setup: it answers multicast
// DNS (RFC 6762) for NAME.local and advertises the outputs as DNS-SD services (RFC 6763), such
// as _rtsp._tcp and _http._tcp, so a user types rtsp://picam.local:8554/cam and the service
// browsers of VLC, phones and Home Assistant list the camera. The protocol is pion/mdns's; this
// package picks the sockets and interfaces, follows address changes (a DHCP lease that comes
// after the start) and ties the responder's life to a context.
//
// Bounds: pion/mdns reads each packet into one fixed buffer (the largest interface MTU less the
// headers, at most 9000 bytes), keeps no state per peer, and caps the records it caches from
// other hosts' answers at 4096 (each at most one packet, kept at most 75 minutes): a peer on
// the LAN can make the responder hold a few megabytes at most (4096 × 1472 bytes on Ethernet).
// Its warnings about malformed packets are logged at debug level here, so a peer cannot fill
// the log either.
package mdns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	pion "github.com/pion/mdns/v2"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Service is one DNS-SD service to advertise on the responder's host name.
type Service struct {
	// Type is the service type, "_rtsp._tcp" or "_http._tcp" for instance.
	Type string
	// Port is the TCP or UDP port it listens on.
	Port int
	// Text are the TXT record's key=value strings, e.g. "path=/cam".
	Text []string
}

// Config is what the responder answers for, and where.
type Config struct {
	// Host is the host name without ".local", e.g. "picam": the responder answers
	// Host.local with the address of the interface each query came in on.
	Host string
	// Instance is the services' instance name that browsers show; default Host.
	Instance string
	// Services are advertised on Host (none: the name is answered alone).
	Services []Service
	// Interfaces are the names of the interfaces to answer on; nil: every interface that is up
	// and has an address (loopback included, so the machine itself can resolve the name).
	Interfaces []string
	// Rescan is how often the interfaces' addresses are looked at again, so that a lease that
	// comes (or changes) after the start is answered with; default 5 s.
	Rescan time.Duration
	// Logger receives the responder's messages; nil: slog.Default().
	Logger *slog.Logger
}

// Responder answers mDNS queries until Close or the end of the context given to Start.
type Responder struct {
	cfg    Config
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	conn     *pion.Conn
	answered []string // the interfaces conn answers on, for Interfaces
}

// ValidHost reports whether name can be used as Config.Host: one DNS label of letters, digits
// and hyphens, at most 63 bytes, neither starting nor ending with a hyphen (RFC 952/1123).
func ValidHost(name string) bool {
	if name == "" || len(name) > 63 || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Start checks cfg and starts answering. When no interface has an address yet (the network
// comes up after the camera), it starts answering as soon as one has. Its errors are
// configuration errors; a socket that cannot be opened is retried and logged, not fatal.
func Start(ctx context.Context, cfg Config) (*Responder, error) {
	cfg.Host = strings.TrimSuffix(strings.TrimSuffix(cfg.Host, "."), ".local")
	if !ValidHost(cfg.Host) {
		return nil, fmt.Errorf("mdns: host name %q: use letters, digits and hyphens (at most 63, no leading or trailing hyphen), e.g. picam", cfg.Host)
	}
	if cfg.Instance == "" {
		cfg.Instance = cfg.Host
	}
	if len(cfg.Instance) > 63 {
		return nil, fmt.Errorf("mdns: instance name %q is longer than 63 bytes", cfg.Instance)
	}
	for _, s := range cfg.Services {
		if !validServiceType(s.Type) {
			return nil, fmt.Errorf("mdns: service type %q: want _NAME._tcp or _NAME._udp", s.Type)
		}
		if s.Port < 1 || s.Port > 65535 {
			return nil, fmt.Errorf("mdns: service %s: port %d out of range", s.Type, s.Port)
		}
	}
	if cfg.Rescan <= 0 {
		cfg.Rescan = 5 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Responder{cfg: cfg, log: log.With("mdns", cfg.Host+".local"), cancel: cancel, done: make(chan struct{})}
	first := r.refresh("\x00") // never a signature: the first look always logs
	go r.run(ctx, first)
	return r, nil
}

// Close stops answering and waits until the sockets are closed.
func (r *Responder) Close() error {
	r.cancel()
	<-r.done
	return nil
}

// Name is the name the responder answers for, "picam.local".
func (r *Responder) Name() string { return r.cfg.Host + ".local" }

// Interfaces are the interfaces the responder answers on now (none until one has an address).
func (r *Responder) Interfaces() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.answered)
}

// run owns the pion connection: it rebuilds it when the interfaces' addresses change, and
// closes it when ctx ends.
func (r *Responder) run(ctx context.Context, seen string) {
	defer close(r.done)
	t := time.NewTicker(r.cfg.Rescan)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			r.mu.Lock()
			if r.conn != nil {
				r.conn.Close()
				r.conn, r.answered = nil, nil
			}
			r.mu.Unlock()
			return
		case <-t.C:
			seen = r.refresh(seen)
		}
	}
}

// refresh looks at the interfaces and, when they differ from seen (or no connection is up),
// replaces the connection. It returns what it saw.
func (r *Responder) refresh(seen string) string {
	ifaces, sig := r.interfaces()
	r.mu.Lock()
	defer r.mu.Unlock()
	if sig == seen && r.conn != nil {
		return sig
	}
	if r.conn != nil {
		r.conn.Close()
		r.conn, r.answered = nil, nil
	}
	if len(ifaces) == 0 {
		if seen != sig {
			r.log.Info("mdns: no interface has an address yet; answering once one has")
		}
		return sig
	}
	conn, err := r.open(ifaces)
	if err != nil {
		if seen != sig {
			r.log.Warn("mdns: cannot answer yet; retrying", "err", err)
		}
		return sig
	}
	r.conn = conn
	r.answered = r.answered[:0]
	for _, ifc := range ifaces {
		r.answered = append(r.answered, ifc.Name)
	}
	r.log.Info("mdns: answering", "interfaces", strings.Join(r.answered, ","), "services", len(r.cfg.Services))
	return sig
}

// interfaces are the interfaces to answer on, and a signature of their addresses.
func (r *Responder) interfaces() ([]net.Interface, string) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, ""
	}
	var use []net.Interface
	var sig strings.Builder
	for _, ifc := range all {
		if r.cfg.Interfaces != nil && !slices.Contains(r.cfg.Interfaces, ifc.Name) {
			continue
		}
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&(net.FlagMulticast|net.FlagLoopback) == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil || len(addrs) == 0 {
			continue
		}
		use = append(use, ifc)
		fmt.Fprintf(&sig, "%d %s %d:", ifc.Index, ifc.Name, ifc.Flags)
		for _, a := range addrs {
			sig.WriteString(" " + a.String())
		}
		sig.WriteString("\n")
	}
	return use, sig.String()
}

// open starts a pion responder on ifaces: IPv4 always, IPv6 when the machine has it.
func (r *Responder) open(ifaces []net.Interface) (*pion.Conn, error) {
	// ListenUDP on a multicast address binds the wildcard address with SO_REUSEADDR, so the
	// socket also takes unicast queries to port 5353 and shares the port with another
	// responder (avahi-daemon) on the same machine.
	l4, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353})
	if err != nil {
		return nil, fmt.Errorf("listen on UDP port 5353: %w", err)
	}
	var p6 *ipv6.PacketConn
	if l6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.ParseIP("ff02::fb"), Port: 5353}); err == nil {
		p6 = ipv6.NewPacketConn(l6)
	}
	loopback := false
	for _, ifc := range ifaces {
		loopback = loopback || ifc.Flags&net.FlagLoopback != 0
	}
	conn, err := pion.NewServer(ipv4.NewPacketConn(l4), p6,
		pion.WithName(r.cfg.Host),
		pion.WithLocalNames(r.Name()),
		pion.WithInterfaces(ifaces...),
		pion.WithIncludeLoopback(loopback),
		pion.WithLoggerFactory(pionLogs{r.log}))
	if err != nil {
		l4.Close()
		if p6 != nil {
			p6.Close()
		}
		return nil, err
	}
	for _, s := range r.cfg.Services {
		var text []pion.TXTEntry
		for _, kv := range s.Text {
			k, v, ok := strings.Cut(kv, "=")
			if ok {
				text = append(text, pion.NewTXTString(k, v))
			} else {
				text = append(text, pion.TXTEntry{Key: k})
			}
		}
		err = errors.Join(err, conn.Register(pion.ServiceInstance{Instance: r.cfg.Instance, Service: s.Type, Domain: "local",
			Host: r.Name() + ".", Port: uint16(s.Port), Text: text}))
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("register the services: %w", err)
	}
	return conn, nil
}

func validServiceType(t string) bool {
	name, proto, ok := strings.Cut(t, ".")
	return ok && (proto == "_tcp" || proto == "_udp") && len(name) >= 2 && len(name) <= 16 && name[0] == '_' && ValidHost(name[1:])
}

// PortOf is the port of a listener address such as ":8554" or "0.0.0.0:8080" (0 when it has
// none), for Service.Port.
func PortOf(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}
