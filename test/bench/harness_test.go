package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/internal/testkit"
	"github.com/picam-project/picam/stream"
	"github.com/picam-project/picam/stream/zmtp"
)

// The cell figure is the median run's; failed runs are left out but counted.
func TestCondenseTakesTheMedianRun(t *testing.T) {
	c := cell{Kind: raw640, Pattern: 2, Clients: 2}
	sec := time.Second
	runs := []runResult{
		{Window: sec, Frames: []uint64{100, 300}, ServerCPU: 40 * time.Millisecond, ClientCPU: 80 * time.Millisecond},
		{Window: sec, Frames: []uint64{50, 50}},
		{Err: fmt.Errorf("port taken")},
		{Window: 2 * sec, Frames: []uint64{2000, 2000}},
	}
	st := condense(c, runs)
	if st.Runs != 4 || st.OK != 3 || len(st.Errs) != 1 {
		t.Fatalf("runs %d ok %d errs %v", st.Runs, st.OK, st.Errs)
	}
	if st.Summed != 400 || st.PerClient != 200 || st.MinClient != 100 {
		t.Fatalf("summed %v per client %v min client %v, want 400, 200, 100", st.Summed, st.PerClient, st.MinClient)
	}
	if st.ServerUS != 100 || st.ClientUS != 200 {
		t.Fatalf("CPU per frame %v / %v µs, want 100 / 200", st.ServerUS, st.ClientUS)
	}
	even := condense(c, runs[:2])
	if even.Summed != 250 {
		t.Fatalf("median of 100 and 400 frames/s: %v, want 250", even.Summed)
	}
}

// The plain-TCP reference puts as many bytes before each payload as picam does: its prefix is
// compared with a header a real stream.Server sends.
func TestWirePrefixMatchesPicamHeader(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv, err := stream.NewServer(stream.ServerConfig{Endpoints: []string{ln.Addr().String()}, Pattern: stream.PubSub})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := zmtp.Handshake(nc, zmtp.Options{SocketType: zmtp.SUB})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.WriteMsg([]byte{1}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("server not ready")
	}
	payload := make([]byte, 640*480*3)
	srv.Send(av.Packet{Codec: av.Raw, Data: payload, Width: 640, Height: 480, Seq: 123456, Captured: time.Now(), Keyframe: true})
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m zmtp.Msg
	if err := conn.ReadMsg(&m, nil); err != nil {
		t.Fatal(err)
	}
	if len(m.Parts) != 2 || len(m.Parts[1]) != len(payload) {
		t.Fatalf("message of %d parts", len(m.Parts))
	}
	got := len(m.Parts[0]) + 2 + 9
	if want := wirePrefix(raw640, 2); got != want {
		t.Fatalf("picam sends %d bytes before the payload (%s); the TCP reference uses %d", got, m.Parts[0], want)
	}
	if wirePrefix(raw640, 1) != got+8 {
		t.Fatalf("pattern 1 prefix %d, want %d (request id and delimiter frames)", wirePrefix(raw640, 1), got+8)
	}
}

// The TCP roles deliver whole messages: every message the writer completed reaches the
// reader (pattern 1 with an ack each), and the counts line up in pattern 2.
func TestTCPRolesCountWholeMessages(t *testing.T) {
	for _, pattern := range []int{1, 2} {
		t.Run(fmt.Sprint(pattern), func(t *testing.T) {
			port := testkit.Port(t)
			var rout, rerr, wout bytes.Buffer
			readerDone := make(chan int)
			go func() {
				readerDone <- runTCPReader([]string{"--port", fmt.Sprint(port), "--pattern", fmt.Sprint(pattern), "--max-seconds", "20s"}, &rout, &rerr)
			}()
			if code := runTCPWriter([]string{"--ports", fmt.Sprint(port), "--pattern", fmt.Sprint(pattern),
				"--prefix", "200", "--payload", "100000", "--seconds", "200ms"}, &wout, io.Discard); code != 0 {
				t.Fatalf("writer exit %d: %s", code, wout.String())
			}
			if code := <-readerDone; code != 0 {
				t.Fatalf("reader exit %d: %s", code, rout.String())
			}
			var w tcpWriterResult
			var r tcpReaderResult
			if err := json.Unmarshal(wout.Bytes(), &w); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(rout.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if len(w.Sent) != 1 || w.Sent[0] == 0 {
				t.Fatalf("writer sent %v", w.Sent)
			}
			if r.Frames != w.Sent[0] {
				t.Fatalf("reader counted %d frames, writer completed %d", r.Frames, w.Sent[0])
			}
			if r.Bytes != r.Frames*100200 {
				t.Fatalf("reader counted %d bytes for %d frames of 100200", r.Bytes, r.Frames)
			}
			if !strings.Contains(rerr.String(), "READY tcp-reader") {
				t.Fatalf("reader did not announce itself: %q", rerr.String())
			}
		})
	}
}
