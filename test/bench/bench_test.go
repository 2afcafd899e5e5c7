package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/internal/testkit"
	"github.com/picam-project/picam/stream"
)

// BenchmarkLoopback measures the in-process path Server → Client over loopback TCP with raw
// 640x480 frames, so `go test -bench Loopback -cpuprofile` can profile picam's transport without
// processes. One op is one frame delivered to every client; frames/s is summed over clients.
// The producer calls Server.WaitDemand before each Send, as picam-server --source testcard
// --framerate 0 does, so it does not spin and every client finds a fresh frame when it is ready.
func BenchmarkLoopback(b *testing.B) {
	for _, p := range []stream.Pattern{stream.ReqRep, stream.PubSub} {
		for _, n := range []int{1, 4} {
			b.Run(fmt.Sprintf("raw640x480/p%d/clients=%d", p, n), func(b *testing.B) {
				benchLoopback(b, p, n, 640, 480)
			})
		}
	}
}

func benchLoopback(b *testing.B, pattern stream.Pattern, clients, w, h int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var eps []string
	var cls []*stream.Client
	for i := 0; i < clients; i++ {
		c, err := stream.NewClient(stream.ClientConfig{Address: "127.0.0.1", Port: testkit.Port(b), Pattern: pattern})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		cls = append(cls, c)
		eps = append(eps, c.Addrs()[0].String())
	}
	srv, err := stream.NewServer(stream.ServerConfig{Endpoints: eps, Pattern: pattern})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	select {
	case <-srv.Ready():
	case <-time.After(10 * time.Second):
		b.Fatal("clients did not connect")
	}
	payload := make([]byte, w*h*3)
	for i := range payload {
		payload[i] = byte(i)
	}

	// Each client receives b.N frames; when all have, the producer's context ends.
	produce, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	var total atomic.Uint64
	for _, c := range cls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < b.N; i++ {
				f, err := c.Recv(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				if len(f.Payload) != len(payload) {
					b.Errorf("payload of %d bytes, want %d", len(f.Payload), len(payload))
				}
				f.Release()
				total.Add(1)
			}
		}()
	}
	go func() {
		wg.Wait()
		stop()
	}()

	b.SetBytes(int64(len(payload)) * int64(clients))
	b.ResetTimer()
	start := time.Now()
	for seq := uint64(0); ; seq++ {
		if err := srv.WaitDemand(produce); err != nil {
			break
		}
		srv.Send(av.Packet{Codec: av.Raw, Data: payload, Width: w, Height: h, Seq: seq, Captured: time.Now(), Keyframe: true})
	}
	elapsed := time.Since(start)
	b.StopTimer()
	wg.Wait()
	b.ReportMetric(float64(total.Load())/elapsed.Seconds(), "frames/s")
}

func TestParseBenchOutput(t *testing.T) {
	out := `goos: linux
BenchmarkJPEG640x480Texture-2   	     512	   2310000 ns/op	       432.9 fps	         2.310 ms/frame	     41200 B/frame	       401.5 fps/cpu	     120 B/op	       2 allocs/op
BenchmarkOpenH2641280x720-2   	     40	   25000000 ns/op	        40.0 fps	        25.00 ms/frame	      9000 B/frame
PASS`
	r := parseBenchOutput(out)
	if got := r["JPEG640x480Texture"]; got.fpsCPU != 401.5 || got.msFrame != 2.31 || got.bytes != 41200 {
		t.Fatalf("JPEG: %+v", got)
	}
	if got, ok := r["OpenH2641280x720"]; !ok || got.fpsCPU != 0 || got.msFrame != 25 {
		t.Fatalf("OpenH264: %+v %v", got, ok)
	}
}
