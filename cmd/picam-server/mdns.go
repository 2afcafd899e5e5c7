package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/picam-project/picam/mdns"
)

// mdnsOptions are --mdns and --mdns-name: the camera answers NAME.local and advertises its RTSP
// and HTTP outputs (package mdns), so players find it without knowing its address.
type mdnsOptions struct {
	on   bool
	name string
}

func (m *mdnsOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&m.on, "mdns", false, "answer multicast DNS as --mdns-name.local and advertise the RTSP (_rtsp._tcp, TXT path=) and HTTP (_http._tcp) outputs that other machines can reach, "+
		"so players open rtsp://NAME.local:8554/cam (on in the SD-card image; off by default, as a laptop usually has its own responder, avahi-daemon)")
	fs.StringVar(&m.name, "mdns-name", "", "the name --mdns answers, without .local (default: this machine's host name, which the SD-card image sets from system.hostname, picam unless changed)")
}

// hostName is the name --mdns answers: --mdns-name, else the machine's host name (its first
// label), else picam.
func (m *mdnsOptions) hostName() (string, error) {
	if m.name != "" {
		name := strings.TrimSuffix(strings.TrimSuffix(m.name, "."), ".local")
		if !mdns.ValidHost(name) {
			return "", fmt.Errorf("--mdns-name %q: use letters, digits and hyphens (at most 63), e.g. picam or garden-cam", m.name)
		}
		return name, nil
	}
	h, _ := os.Hostname()
	h, _, _ = strings.Cut(h, ".")
	if !mdns.ValidHost(h) {
		return "picam", nil
	}
	return strings.ToLower(h), nil
}

// prepare checks the flags before anything starts; the name is "" when --mdns is off.
func (m *mdnsOptions) prepare() (string, error) {
	if !m.on {
		if m.name != "" {
			return "", fmt.Errorf("--mdns-name is the name --mdns answers: add --mdns")
		}
		return "", nil
	}
	return m.hostName()
}

// mdnsInterfaces are the interfaces --mdns answers on: nil, every one (the tests keep it to lo).
var mdnsInterfaces []string

// startMDNS answers name.local and advertises the outputs other machines can reach: RTSP on
// rtspAddr (its listener's address; "" when off) with path, and HTTP on httpBind ("" when off).
// A listener bound to loopback is not advertised: no other machine could use it.
func startMDNS(ctx context.Context, name, rtspAddr, rtspPath, httpBind string, log *slog.Logger) (*mdns.Responder, error) {
	var services []mdns.Service
	if rtspAddr != "" && !loopbackAddr(rtspAddr) {
		services = append(services, mdns.Service{Type: "_rtsp._tcp", Port: mdns.PortOf(rtspAddr), Text: []string{"path=" + rtspPath}})
	}
	if httpBind != "" && !loopbackAddr(httpBind) && mdns.PortOf(httpBind) != 0 {
		services = append(services, mdns.Service{Type: "_http._tcp", Port: mdns.PortOf(httpBind), Text: []string{"path=/"}})
	}
	r, err := mdns.Start(ctx, mdns.Config{Host: name, Services: services, Interfaces: mdnsInterfaces, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("--mdns: %w", err)
	}
	return r, nil
}

// loopbackAddr reports whether a listener's address (host:port) is reachable from this
// machine only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
