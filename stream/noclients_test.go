package stream

import (
	"errors"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
)

// With NoClientsOK and no client, the server is valid, has no senders and never becomes
// Ready, and FramesSent counts what another output's producer publishes to the shared hub;
// without it (or in Multi-Server Mode) no client is still NetGear's error.
func TestNoClientsOK(t *testing.T) {
	for _, cfg := range []ServerConfig{{Pattern: ReqRep}, {Pattern: PubSub}, {Pattern: ReqRep, MultiServer: true, NoClientsOK: true}} {
		if _, err := NewServer(cfg); !errors.Is(err, ErrPorts) {
			t.Errorf("%+v: err %v, want ErrPorts", cfg, err)
		}
	}
	hub := fanout.New(fanout.Config{})
	defer hub.Close()
	for _, p := range []Pattern{Pair, ReqRep, PubSub} {
		s, err := NewServer(ServerConfig{Pattern: p, Hub: hub, NoClientsOK: true})
		if err != nil {
			t.Fatalf("pattern %d: %v", p, err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		before := s.FramesSent()
		hub.Publish(av.Packet{Codec: av.JPEG, Data: []byte{1}, Keyframe: true})
		if got := s.FramesSent(); got != before+1 {
			t.Errorf("pattern %d: FramesSent %d, want %d", p, got, before+1)
		}
		if n := len(s.Clients()); n != 0 {
			t.Errorf("pattern %d: %d clients, want none", p, n)
		}
		select {
		case <-s.Ready():
			t.Errorf("pattern %d: Ready with no client", p)
		case <-time.After(50 * time.Millisecond):
		}
		done := make(chan error, 1)
		go func() { done <- s.Close() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("pattern %d: Close: %v", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("pattern %d: Close hangs", p)
		}
	}
}
