package stream

import (
	"errors"
	"testing"
	"time"

	"github.com/picam-project/picam/stream/curve"
)

type keys struct {
	server, client curve.KeyPair
}

func newKeys(t *testing.T) keys {
	t.Helper()
	s, err := curve.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	c, err := curve.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return keys{server: s, client: c}
}

// Secure mode end to end in both patterns; IronHouse accepts the known client key only.
func TestSecureModeBothPatterns(t *testing.T) {
	k := newKeys(t)
	for _, p := range []Pattern{ReqRep, PubSub} {
		t.Run("pattern"+p.String(), func(t *testing.T) {
			auth := curve.IronHouse([]curve.PublicKey{k.client.Public})
			clients, ports := startClients(t, 2, ClientConfig{Pattern: p, Curve: curve.NewServer(k.server, auth), QueueLen: lossless})
			s := newServer(t, ServerConfig{Ports: ports, Pattern: p, Curve: curve.NewClient(k.client, k.server.Public)})
			waitReady(t, s)
			var results []<-chan result
			for _, c := range clients {
				results = append(results, drain(t, c))
			}
			sendInStep(t, s, 20, ports)
			s.Close()
			for i, ch := range results {
				if r := <-ch; !errors.Is(r.err, ErrTerminated) || len(r.seqs) != 20 {
					t.Fatalf("client %d: %d/20 frames, %v", i, len(r.seqs), r.err)
				}
			}
		})
	}
}

// A sender without the right keys, or without secure mode at all, never gets a frame through
// to a secure client, and a secure sender never sends plaintext to a plain client. Each sender
// has a client of its own, and the test waits for the evidence that the handshake was tried
// and refused (that client's Rejected counter) before checking that the sender is not ready.
func TestSecureModeRefusals(t *testing.T) {
	k := newKeys(t)
	stranger := newKeys(t)
	auth := curve.IronHouse([]curve.PublicKey{k.client.Public})
	secure := ClientConfig{Pattern: PubSub, Curve: curve.NewServer(k.server, auth)}
	cases := []struct {
		name   string
		client ClientConfig
		sender ServerConfig
	}{
		{"plaintext to a secure client", secure, ServerConfig{Pattern: PubSub}},
		{"unknown client key", secure, ServerConfig{Pattern: PubSub, Curve: curve.NewClient(stranger.client, k.server.Public)}},
		{"wrong server key", secure, ServerConfig{Pattern: PubSub, Curve: curve.NewClient(k.client, stranger.server.Public)}},
		{"secure to a plain client", ClientConfig{Pattern: PubSub}, ServerConfig{Pattern: PubSub, Curve: curve.NewClient(k.client, k.server.Public)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			clients, ports := startClients(t, 1, c.client)
			cl := clients[0]
			cfg := c.sender
			cfg.Ports = ports
			s := newServer(t, cfg)
			// The sender redials after each refusal: wait for the first one counted.
			deadline := time.Now().Add(30 * time.Second)
			for cl.Stats().Rejected == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if st := cl.Stats(); st.Rejected == 0 {
				t.Fatalf("no refused handshake counted in 30 s: stats %+v, sender %+v", st, s.Clients())
			}
			select {
			case <-s.Ready():
				t.Fatal("the sender became ready: its handshake should have failed")
			default:
			}
			if s.Send(packet(1)) {
				t.Fatal("Send reported the frame sent by a sender that never completed a handshake")
			}
			// Wait for a second refusal: the sender kept trying after the frame was offered,
			// and still nothing got through.
			n := cl.Stats().Rejected
			for cl.Stats().Rejected == n && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if st := cl.Stats(); st.Rejected == n || st.Frames != 0 || st.Connections != 0 {
				t.Fatalf("after the frame was offered: client stats %+v (want another refusal, no frame, no connection)", st)
			}
		})
	}
}
