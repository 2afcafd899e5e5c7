package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/stream"
)

// With --rtsp and no --ports or --client there is no NetGear client: the stream server has
// none, and the pipeline publishes from its first frame (no Wait policy to meet), so the
// RTSP sessions, fan-out consumers, get frames.
func TestRTSPOnlyPublishesAtOnce(t *testing.T) {
	cfg, pl := buildPipeline(t, "--source", "testsrc", "--codec", "jpeg", "--resolution", "160x120", "--rtsp", "127.0.0.1:0")
	log := slog.New(slog.DiscardHandler)
	if pl.netgear || !cfg.NoClientsOK {
		t.Fatalf("netgear %v, NoClientsOK %v: want a server with no NetGear client", pl.netgear, cfg.NoClientsOK)
	}
	srv, err := stream.NewServer(cfg)
	if err != nil {
		t.Fatalf("--rtsp alone refused: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sub := pl.hub.Subscribe("rtsp stand-in")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- pl.run(ctx, srv, 10, log) }()
	if pkt, err := sub.Next(ctx); err != nil || len(pkt.Data) == 0 {
		t.Fatalf("no packet for the consumer: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if n := srv.FramesSent(); n != 10 {
		t.Errorf("FramesSent %d, want 10 (--frames)", n)
	}
}

// With NetGear clients given, --wait holds back the NetGear clients only: with no other
// output the pipeline publishes nothing before they are there, and with --rtsp it publishes
// from the start (an RTSP viewer does not wait for NetGear clients), none of it to the
// NetGear client.
func TestNetGearWaitGatesOnlyNetGear(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rtsp    bool
		publish bool
	}{{"netgear only", false, false}, {"with rtsp", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--source", "testsrc", "--codec", "jpeg", "--resolution", "160x120", "--address", "127.0.0.1", "--ports", "1"}
			if tc.rtsp {
				args = append(args, "--rtsp", "127.0.0.1:0")
			}
			cfg, pl := buildPipeline(t, args...)
			log := slog.New(slog.DiscardHandler)
			if !pl.netgear || pl.viewers != tc.rtsp {
				t.Fatalf("netgear %v, viewers %v", pl.netgear, pl.viewers)
			}
			srv, err := stream.NewServer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			// Not started: its client (port 1) is never reached, so Ready never closes.
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			if err := pl.run(ctx, srv, 1000, log); err == nil {
				t.Fatal("run returned before its frame limit")
			}
			if n := srv.FramesSent(); (n > 0) != tc.publish {
				t.Errorf("%d frames published before the NetGear client was there; want some: %v", n, tc.publish)
			}
			if c := srv.Clients(); len(c) != 1 || c[0].FramesSent != 0 {
				t.Errorf("the NetGear client was sent frames before --wait was met: %+v", c)
			}
		})
	}
}

// --framerate 0 is paced by the NetGear clients' demand; with none it is refused, with the fix.
func TestRTSPOnlyNeedsAFrameRate(t *testing.T) {
	for _, src := range []string{"testsrc", "testcard"} {
		o, err := parseFlags([]string{"--source", src, "--codec", "jpeg", "--resolution", "160x120", "--framerate", "0", "--rtsp", "127.0.0.1:0"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		_, pl, err := o.build(slog.New(slog.DiscardHandler))
		if err == nil {
			pl.close()
			t.Fatalf("%s --framerate 0 with RTSP only accepted", src)
		}
		if !strings.Contains(err.Error(), "--framerate 30") {
			t.Errorf("%s: %v: want the fix", src, err)
		}
	}
}

// No output at all is still a usage error, and the message names both fixes.
func TestNoOutputNamesBothFixes(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"--pattern", "1", "--source", "testsrc", "--codec", "jpeg", "--resolution", "160x120", "--status-led", "none"}, io.Discard, &stderr)
	if code != cli.ExitUsage {
		t.Fatalf("exit %d, want %d", code, cli.ExitUsage)
	}
	for _, want := range []string{"--ports 5577,5578", "--rtsp ADDR"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr.String(), want)
		}
	}
}

// With no NetGear client the LEDs say waiting until an RTSP session plays, then streaming
// with the players counted (paused when paused).
func TestServerStateRTSPOnly(t *testing.T) {
	srv, err := stream.NewServer(stream.ServerConfig{Pattern: stream.ReqRep, NoClientsOK: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, c := range []struct {
		playing int
		paused  bool
		want    status.State
		n       int
	}{{0, false, status.Waiting, 0}, {0, true, status.Waiting, 0}, {2, false, status.Streaming, 2}, {1, true, status.Paused, 0}} {
		if st, n := serverState(srv, c.playing, c.paused); st != c.want || n != c.n {
			t.Errorf("playing %d paused %v: %v %d, want %v %d", c.playing, c.paused, st, n, c.want, c.n)
		}
	}
}
