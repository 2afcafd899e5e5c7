package testkit

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// FreePorts returns n distinct TCP ports on host that were free a moment ago: all n are held
// open together while they are picked, so none is returned twice. Another process may take one
// before the caller binds it; on loopback during a test run that is rare.
func FreePorts(host string, n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for len(ports) < n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("finding a free port on %s: %w", host, err)
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Ports returns n distinct free ports on 127.0.0.1, failing the test if there are none.
func Ports(t TB, n int) []int {
	t.Helper()
	ports, err := FreePorts("127.0.0.1", n)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return ports
}

// Port returns one free port on 127.0.0.1, failing the test if there is none.
func Port(t TB) int {
	t.Helper()
	return Ports(t, 1)[0]
}

// JoinPorts writes ports the way picam-server's --ports flag reads them: "5555,5556".
func JoinPorts(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

// WaitListening waits up to limit, in all, until something accepts TCP connections on each of
// ports on 127.0.0.1.
func WaitListening(limit time.Duration, ports ...int) error {
	deadline := time.Now().Add(limit)
	for _, p := range ports {
		for {
			c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("nothing listening on %d after %v", p, limit)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}
