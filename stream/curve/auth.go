package curve

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Authorizer decides, at the end of a server handshake, whether a client may connect. remote is
// the client's network address (nil when unknown) and key its proven long-term public key. A
// non-nil error refuses the client; the server then sends ERROR "400" as libzmq's ZAP does.
type Authorizer interface {
	Authorize(remote net.Addr, key PublicKey) error
}

// Policy is the authorizer NetGear's receiver configures through pyzmq's ThreadAuthenticator:
// StoneHouse (secure_mode 1) accepts any client key, IronHouse (secure_mode 2) only the keys
// found in its public_keys directory. Both may restrict client IP addresses.
type Policy struct {
	anyKey bool
	keys   map[PublicKey]struct{}
	allow  []netip.Prefix
}

// StoneHouse accepts any client that completes the handshake, optionally only from allow.
func StoneHouse(allow ...netip.Prefix) *Policy {
	return &Policy{anyKey: true, allow: allow}
}

// IronHouse accepts only clients whose long-term public key is in keys, optionally only from
// allow.
func IronHouse(keys []PublicKey, allow ...netip.Prefix) *Policy {
	p := &Policy{keys: make(map[PublicKey]struct{}, len(keys)), allow: allow}
	for _, k := range keys {
		p.keys[k] = struct{}{}
	}
	return p
}

// LoadIronHouse builds an IronHouse policy from every *.key file in dir, as
// ThreadAuthenticator.configure_curve(location=dir) does. The keys are read once: restart to
// pick up new ones.
func LoadIronHouse(dir string, allow ...netip.Prefix) (*Policy, error) {
	keys, err := LoadPublicKeys(dir)
	if err != nil {
		return nil, err
	}
	return IronHouse(keys, allow...), nil
}

// Authorize implements Authorizer. The address is checked first, as ZAP does.
func (p *Policy) Authorize(remote net.Addr, key PublicKey) error {
	if len(p.allow) > 0 {
		ip, ok := addrIP(remote)
		if !ok {
			return fmt.Errorf("%w: cannot tell the IP address of %v", ErrAddressNotAllowed, remote)
		}
		allowed := false
		for _, pr := range p.allow {
			if pr.Contains(ip) {
				allowed = true
				break
			}
		}
		if !allowed {
			return fmt.Errorf("%w: %s is not in the allow-list", ErrAddressNotAllowed, ip)
		}
	}
	if p.anyKey {
		return nil
	}
	if _, ok := p.keys[key]; !ok {
		return fmt.Errorf("%w: %s is not in the trusted public keys (copy the sender's client.key into public_keys)", ErrKeyNotAllowed, key)
	}
	return nil
}

func addrIP(a net.Addr) (netip.Addr, bool) {
	switch a := a.(type) {
	case *net.TCPAddr:
		ip, ok := netip.AddrFromSlice(a.IP)
		return ip.Unmap(), ok
	case nil:
		return netip.Addr{}, false
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// ParseAllowList parses IP addresses ("10.0.0.5") and CIDR prefixes ("10.0.0.0/24"), as given
// on a command line or in NetGear's address argument.
func ParseAllowList(items []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range items {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("curve: allow-list entry %q: %w", s, err)
			}
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("curve: allow-list entry %q is not an IP address or prefix: %w", s, err)
		}
		ip = ip.Unmap()
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}
