package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/internal/cli"
)

// picam.conf's rtsp keys reach the options as the flags do, and the command line wins.
func TestRTSPConfKeys(t *testing.T) {
	p := writeConf(t, "rtsp = :8554\nrtsp-path = /front\nrtsp_user = viewer\nrtsp-password-file = /boot/rtsp.password\n")
	o, err := parseFlags([]string{"--config", p, "--rtsp-path", "/door"}, io.Discard)
	if err != nil || o.configErr != nil {
		t.Fatal(err, o.configErr)
	}
	if o.rtsp.addr != ":8554" || o.rtsp.path != "/door" || o.rtsp.user != "viewer" || o.rtsp.passwordFile != "/boot/rtsp.password" {
		t.Errorf("rtsp options %+v", o.rtsp)
	}
	o, _ = parseFlags(nil, io.Discard)
	if o.rtsp.addr != "" || o.rtsp.path != "/cam" {
		t.Errorf("defaults %+v: want RTSP off, path /cam", o.rtsp)
	}
}

// Every RTSP usage mistake is refused before anything starts, with the fix in the message.
func TestRTSPUsageErrors(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("abc\n"), 0o600)
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("a long secret\n"), 0o600)
	log := slog.New(slog.DiscardHandler)
	hub := fanout.New(fanout.Config{})
	defer hub.Close()
	for _, c := range []struct {
		o     rtspOptions
		codec av.Codec
		want  string // "" = accepted
	}{
		{rtspOptions{addr: ":8554", path: "/cam"}, av.Raw, "--codec h264 or --codec jpeg"},
		{rtspOptions{addr: ":8554", path: "/cam"}, av.FWHT, "--codec h264 or --codec jpeg"},
		{rtspOptions{addr: ":8554", path: "/cam"}, av.JPEG, ""},
		{rtspOptions{addr: ":8554", path: "/cam"}, av.H264, ""},
		{rtspOptions{addr: ":8554", path: "/cam", user: "viewer"}, av.JPEG, "give both --rtsp-user and --rtsp-password-file"},
		{rtspOptions{addr: ":8554", path: "/cam", passwordFile: good}, av.JPEG, "give both --rtsp-user and --rtsp-password-file"},
		{rtspOptions{addr: ":8554", path: "/cam", user: "viewer", passwordFile: short}, av.JPEG, "at least 8 characters"},
		// Missing: loopback only, not a usage error (the card's picam.conf names the file before
		// the user has written it; cardconf_test.go); unreadable is still an error.
		{rtspOptions{addr: ":8554", path: "/cam", user: "viewer", passwordFile: filepath.Join(dir, "none")}, av.JPEG, ""},
		{rtspOptions{addr: ":8554", path: "/cam", user: "viewer", passwordFile: dir}, av.JPEG, "is a directory"},
		{rtspOptions{addr: ":8554", path: "/cam", user: "viewer", passwordFile: good}, av.JPEG, ""},
		{rtspOptions{addr: ":8554", path: "cam"}, av.JPEG, "must start with /"},
		{rtspOptions{path: "/cam", user: "viewer"}, av.JPEG, "add --rtsp ADDR"},
		{rtspOptions{path: "/cam"}, av.Raw, ""}, // off: any codec
	} {
		srv, err := c.o.prepare(c.codec, hub, log)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v %s: %v", c.o, c.codec, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v %s: error %v, want %q", c.o, c.codec, err, c.want)
		case c.want == "" && (srv == nil) != (c.o.addr == ""):
			t.Errorf("%+v %s: server %v", c.o, c.codec, srv)
		}
	}
}

// An RTSP session is a fan-out consumer: DESCRIBE waits for the hub's first packet and
// answers with its SDP; stopping the server's context ends it and its subscription.
func TestRTSPServesTheHub(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	hub := fanout.New(fanout.Config{})
	defer hub.Close()
	srv, err := (&rtspOptions{addr: "127.0.0.1:0", path: "/cam"}).prepare(av.JPEG, hub, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, err := startRTSP(ctx, srv, "127.0.0.1:0", log)
	if err != nil {
		t.Fatal(err)
	}
	pubCtx, stopPub := context.WithCancel(ctx)
	defer stopPub()
	var pic bytes.Buffer
	if err := jpeg.Encode(&pic, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := uint64(0); pubCtx.Err() == nil; i++ {
			hub.Publish(av.Packet{Codec: av.JPEG, Keyframe: true, Seq: i, Index: i, Data: pic.Bytes(), Width: 16, Height: 16, Captured: time.Now()})
			time.Sleep(10 * time.Millisecond)
		}
	}()
	nc, err := net.Dial("tcp", out.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "DESCRIBE rtsp://%s/cam RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n", out.addr)
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var resp []byte
	for buf := make([]byte, 1024); !bytes.Contains(resp, []byte("JPEG/90000")); {
		n, err := nc.Read(buf)
		resp = append(resp, buf[:n]...)
		if err != nil {
			break
		}
	}
	if !strings.HasPrefix(string(resp), "RTSP/1.0 200") || !strings.Contains(string(resp), "JPEG/90000") {
		t.Fatalf("DESCRIBE answered %q", resp)
	}
	stopPub()
	cancel()
	done := make(chan struct{})
	go func() { out.wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the RTSP server did not stop with its context")
	}
	if _, err := nc.Read(make([]byte, 1)); err == nil {
		t.Error("the connection is still open after the server stopped")
	}
}

// --codec raw with --rtsp stops picam-server with exit status 2 and the fix, before any
// client is contacted.
func TestRTSPRawCodecExitsTwo(t *testing.T) {
	var stderr strings.Builder
	code := run([]string{"--rtsp", "127.0.0.1:0", "--codec", "raw", "--address", "127.0.0.1", "--ports", "1", "--status-led", "none"}, io.Discard, &stderr)
	if code != cli.ExitUsage || !strings.Contains(stderr.String(), "picam-server: --rtsp carries H.264 or JPEG, not raw: add --codec h264 or --codec jpeg") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}
