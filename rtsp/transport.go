package rtsp

import (
	"fmt"
	"strconv"
	"strings"
)

// transport is the one Transport (RFC 2326 section 12.39) the server accepted for a SETUP.
type transport struct {
	tcp bool
	// interleaved channels for TCP (RTP, RTCP); ok is false when the client named none.
	channels   [2]byte
	channelsOK bool
	// clientPorts for UDP: the client's RTP and RTCP ports.
	clientPorts [2]int
}

// parseTransport picks the first transport spec the server supports from a Transport header:
// unicast RTP/AVP over UDP with client_port, or RTP/AVP/TCP (interleaved). It returns false
// when there is none, which SETUP answers with 461.
func parseTransport(h string) (transport, bool) {
	for spec := range strings.SplitSeq(h, ",") {
		parts := strings.Split(strings.TrimSpace(spec), ";")
		var t transport
		switch strings.ToUpper(parts[0]) {
		case "RTP/AVP", "RTP/AVP/UDP":
		case "RTP/AVP/TCP":
			t.tcp = true
		default:
			continue
		}
		ok := true
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			switch strings.ToLower(k) {
			case "multicast":
				ok = false
			case "interleaved":
				a, b, err := parseRange(v, 255)
				if err != nil {
					ok = false
				}
				t.channels, t.channelsOK = [2]byte{byte(a), byte(b)}, true
			case "client_port":
				a, b, err := parseRange(v, 65535)
				if err != nil || a == 0 {
					ok = false
				}
				t.clientPorts = [2]int{a, b}
			}
		}
		if ok && (t.tcp || t.clientPorts[0] != 0) {
			return t, true
		}
	}
	return transport{}, false
}

// parseRange parses "a-b" or "a" (then b = a+1), each at most limit.
func parseRange(v string, limit int) (int, int, error) {
	as, bs, two := strings.Cut(v, "-")
	a, err := strconv.Atoi(as)
	if err != nil || a < 0 || a > limit {
		return 0, 0, fmt.Errorf("bad range %q", v)
	}
	b := a + 1
	if two {
		if b, err = strconv.Atoi(bs); err != nil || b < 0 || b > limit {
			return 0, 0, fmt.Errorf("bad range %q", v)
		}
	}
	if b > limit {
		return 0, 0, fmt.Errorf("bad range %q", v)
	}
	return a, b, nil
}
