package stream

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/picam-project/picam/internal/curve"
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
			clients, ports := startClients(t, 2, ClientConfig{Pattern: p, Curve: curve.NewServer(k.server, auth)})
			s := newServer(t, ServerConfig{Ports: ports, Pattern: p, Curve: curve.NewClient(k.client, k.server.Public)})
			waitReady(t, s)
			var results []<-chan result
			for _, c := range clients {
				results = append(results, drain(t, c))
			}
			sendPaced(s, 20, 20*time.Millisecond)
			s.Close(context.Background())
			for i, ch := range results {
				if r := <-ch; !errors.Is(r.err, ErrTerminated) || len(r.seqs) != 20 {
					t.Fatalf("client %d: %d/20 frames, %v", i, len(r.seqs), r.err)
				}
			}
		})
	}
}

// A sender without the right keys, or without secure mode at all, never gets a frame through
// to a secure client, and a secure sender never sends plaintext to a plain client.
func TestSecureModeRefusals(t *testing.T) {
	k := newKeys(t)
	stranger := newKeys(t)
	auth := curve.IronHouse([]curve.PublicKey{k.client.Public})
	secureClients, securePorts := startClients(t, 1, ClientConfig{Pattern: PubSub, Curve: curve.NewServer(k.server, auth)})
	plainClients, plainPorts := startClients(t, 1, ClientConfig{Pattern: PubSub})

	senders := []ServerConfig{
		{Ports: securePorts, Pattern: PubSub}, // plaintext to a secure client
		{Ports: securePorts, Pattern: PubSub, Curve: curve.NewClient(stranger.client, k.server.Public)}, // unknown client key
		{Ports: securePorts, Pattern: PubSub, Curve: curve.NewClient(k.client, stranger.server.Public)}, // wrong server key
		{Ports: plainPorts, Pattern: PubSub, Curve: curve.NewClient(k.client, k.server.Public)},         // secure to a plain client
	}
	var servers []*Server
	for _, cfg := range senders {
		servers = append(servers, newServer(t, cfg))
	}
	time.Sleep(1500 * time.Millisecond)
	for i, s := range servers {
		select {
		case <-s.Ready():
			t.Errorf("sender %d became ready: its handshake should have failed", i)
		default:
		}
		s.Send(packet(1))
	}
	for _, c := range append(secureClients, plainClients...) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		if f, err := c.Recv(ctx); err == nil {
			t.Fatalf("a frame got through: %+v", f.Header)
		}
		cancel()
		if st := c.Stats(); st.Frames != 0 || st.Connections != 0 {
			t.Fatalf("client stats %+v", st)
		}
	}
}
