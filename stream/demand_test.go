package stream

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A producer that waits for demand before each Send never has a frame replaced in a single
// client's mailbox, in either pattern: it produces exactly what the client's sender takes.
func TestWaitDemandPacesAProducerToOneClient(t *testing.T) {
	for _, p := range []Pattern{ReqRep, PubSub} {
		t.Run(p.String(), func(t *testing.T) {
			cls, ports := startClients(t, 1, ClientConfig{Pattern: p})
			s := newServer(t, ServerConfig{Ports: ports, Pattern: p})
			waitReady(t, s)
			got := drain(t, cls[0])
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			const n = 200
			for seq := uint64(0); seq < n; seq++ {
				if err := s.WaitDemand(ctx); err != nil {
					t.Fatalf("WaitDemand before frame %d: %v", seq, err)
				}
				if !s.Send(packet(seq)) {
					t.Fatalf("Send of frame %d refused", seq)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			r := <-got
			if !errors.Is(r.err, ErrTerminated) {
				t.Fatalf("client ended with %v, want ErrTerminated", r.err)
			}
			// Every frame reached the client; its own queue may drop some when drain is slow.
			if got := uint64(len(r.seqs)) + cls[0].Stats().Dropped; got != n {
				t.Errorf("client received %d frames (%d returned, %d dropped by its queue), want all %d",
					got, len(r.seqs), cls[0].Stats().Dropped, n)
			}
			if d := s.Clients()[0].Dropped; d != 0 {
				t.Errorf("%d frames replaced in the mailbox; a demand-paced producer should replace none", d)
			}
		})
	}
}

// Without a connected client there is no demand; after Close there never will be.
func TestWaitDemandWithoutClientsAndAfterClose(t *testing.T) {
	s := newServer(t, ServerConfig{Ports: []int{freePort(t)}, Pattern: PubSub})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.WaitDemand(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitDemand with no client connected: %v, want the context's deadline", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitDemand(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("WaitDemand after Close: %v, want ErrClosed", err)
	}
}
