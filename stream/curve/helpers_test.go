package curve

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net"
	"testing"
)

// command is one handshake command in flight between two in-memory peers.
type command struct {
	name string
	body []byte
}

// memConn is an in-memory CommandConn; closing out makes the peer read io.EOF, like a TCP FIN.
type memConn struct {
	in  <-chan command
	out chan<- command
}

func (c memConn) WriteCommand(name string, body []byte) error {
	c.out <- command{name, append([]byte(nil), body...)}
	return nil
}

func (c memConn) ReadCommand() (string, []byte, error) {
	m, ok := <-c.in
	if !ok {
		return "", nil, io.EOF
	}
	return m.name, m.body, nil
}

// memPair returns two connected in-memory command channels and the channel ends each side
// writes to, so a test can hang up one side.
func memPair() (a, b memConn, aOut, bOut chan command) {
	ab := make(chan command, 8)
	ba := make(chan command, 8)
	return memConn{in: ba, out: ab}, memConn{in: ab, out: ba}, ab, ba
}

// detRand is a seeded random source so that handshakes (and the fuzz seeds built from them)
// are reproducible.
func detRand(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return rand.NewChaCha8(s)
}

func mustKeys(t testing.TB, seed uint64) KeyPair {
	t.Helper()
	kp, err := generateKeyPair(detRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// encodeMeta encodes ZMTP properties as zmtp does (name length byte, name, 4-byte value length,
// value).
func encodeMeta(kv ...string) []byte {
	var b []byte
	for i := 0; i+1 < len(kv); i += 2 {
		b = append(b, byte(len(kv[i])))
		b = append(b, kv[i]...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(kv[i+1])))
		b = append(b, kv[i+1]...)
	}
	return b
}

var loopback = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}

type result struct {
	s    *Session
	meta []byte
	err  error
}

// runHandshake runs client and server against each other in memory.
func runHandshake(t *testing.T, cl *Client, srv *Server, remote net.Addr) (c, s result) {
	t.Helper()
	a, b, aOut, bOut := memPair()
	done := make(chan result, 1)
	go func() {
		var r result
		r.s, r.meta, r.err = srv.Handshake(b, remote, encodeMeta("Socket-Type", "REP"))
		close(bOut) // the server hangs up after a failure, as zmtp does
		done <- r
	}()
	c.s, c.meta, c.err = cl.Handshake(a, nil, encodeMeta("Socket-Type", "REQ", "X-Picam", "1"))
	close(aOut)
	s = <-done
	return c, s
}
