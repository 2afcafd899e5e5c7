package publish

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"github.com/picam-project/picam/av"
	ph264 "github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/fanout"
)

// testNALs are one SPS, PPS, IDR slice and non-IDR slice of a real H.264 stream (the camera
// package's test stream).
func testNALs(t *testing.T) (sps, pps, idr, p []byte) {
	t.Helper()
	b, err := os.ReadFile("../hw/camera/testdata/stream.h264")
	if err != nil {
		t.Fatal(err)
	}
	for nal := range ph264.NALUnits(b) {
		switch ph264.TypeOf(nal) {
		case ph264.NALSPS:
			sps = nal
		case ph264.NALPPS:
			pps = nal
		case ph264.NALIDR:
			idr = nal
		case ph264.NALSlice:
			p = nal
		}
		if sps != nil && pps != nil && idr != nil && p != nil {
			return sps, pps, idr, p
		}
	}
	t.Fatal("the test stream lacks an SPS, PPS, IDR or P slice")
	return
}

// rtmpSink is an in-process RTMP server (gortmplib's ServerConn) that records, per
// publishing session, whether each access unit it received starts with SPS, PPS and an IDR,
// and hangs up on a session after dropAfter access units, as a relay that goes away.
type rtmpSink struct {
	ln        net.Listener
	dropAfter int

	mu       sync.Mutex
	sessions [][]bool      // per session: keyframe (SPS+PPS+IDR) flag of each access unit
	meta     []amf0.Object // per session: the last onMetaData before the first access unit
}

func newRTMPSink(t *testing.T, dropAfter int) *rtmpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rtmpSink{ln: ln, dropAfter: dropAfter}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *rtmpSink) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	sc := &gortmplib.ServerConn{RW: c}
	if sc.Initialize() != nil || sc.AcceptConn() != nil || !sc.Publish || sc.AcceptAction() != nil {
		return
	}
	s.mu.Lock()
	n := len(s.sessions)
	s.sessions = append(s.sessions, nil)
	s.meta = append(s.meta, nil)
	s.mu.Unlock()
	// Message by message (gortmplib's Reader would take the first pictures to find the
	// tracks): each H.264 access unit, length-prefixed NAL units (AVCC).
	for got := 0; got < s.dropAfter; {
		msg, err := sc.Read()
		if err != nil {
			return
		}
		if d, ok := msg.(*message.DataAMF0); ok && got == 0 && len(d.Payload) == 3 && d.Payload[1] == "onMetaData" {
			if m, ok := d.Payload[2].(amf0.Object); ok {
				s.mu.Lock()
				s.meta[n] = m
				s.mu.Unlock()
			}
		}
		v, ok := msg.(*message.Video)
		if !ok || v.Type != message.VideoTypeAU {
			continue
		}
		var au h264.AVCC
		if err := au.Unmarshal(v.AU); err != nil {
			return
		}
		key := v.IsKeyFrame && len(au) >= 3 && ph264.TypeOf(au[0]) == ph264.NALSPS &&
			ph264.TypeOf(au[1]) == ph264.NALPPS && ph264.TypeOf(au[2]) == ph264.NALIDR
		s.mu.Lock()
		s.sessions[n] = append(s.sessions[n], key)
		s.mu.Unlock()
		got++
	}
}

func (s *rtmpSink) snapshot() [][]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]bool, len(s.sessions))
	for i, ss := range s.sessions {
		out[i] = append([]bool(nil), ss...)
	}
	return out
}

// Every RTMP session, the first and each one after the relay dropped the connection, starts
// with an IDR that has SPS and PPS in front, which the hub asked the encoder for as the
// session subscribed; it is not waited for until the stream's next periodic keyframe (there is
// none here: the producer makes a keyframe only when asked). Before it, the stream's metadata
// has the picture size and the frame rate (without which ffmpeg spends a second of pictures
// estimating the rate before it shows one).
func TestEverySessionStartsAtAnIDRAskedFor(t *testing.T) {
	sps, pps, idr, pslice := testNALs(t)
	var asked atomic.Int32
	var want atomic.Bool // the producer's "next one is a keyframe"
	hub := fanout.New(fanout.Config{RequestKeyframe: func() { asked.Add(1); want.Store(true) }})
	defer hub.Close()
	sink := newRTMPSink(t, 10)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The producer: 100 packets a second, a keyframe only when asked.
	go func() {
		var k ph264.Packager
		start := time.Now()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		first := true
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			var au []byte
			if first || want.Swap(false) {
				au = ph264.AppendNAL(ph264.AppendNAL(ph264.AppendNAL(nil, sps), pps), idr)
				first = false
			} else {
				au = ph264.AppendNAL(nil, pslice)
			}
			p := k.Packet(au)
			p.Width, p.Height = 64, 48
			p.Captured = start.Add(time.Duration(p.Index) * 10 * time.Millisecond)
			hub.Publish(p)
		}
	}()
	tg, err := New(Config{URL: fmt.Sprintf("rtmp://%s/live/cam", sink.ln.Addr()), Codec: av.H264, Framerate: 100,
		Subscribe: func(name string) Feed { return hub.Subscribe(name) },
		Backoff:   Backoff{Min: 20 * time.Millisecond, Max: 50 * time.Millisecond, Refused: time.Hour, Reset: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); tg.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for len(sink.snapshot()) < 4 || len(sink.snapshot()[3]) < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("sessions after 20 s: %v; status %+v", sink.snapshot(), tg.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	for i, s := range sink.snapshot()[:4] {
		if len(s) == 0 || !s[0] {
			t.Errorf("session %d starts with %v (keyframe flags), want an IDR with SPS and PPS first", i+1, s)
		}
	}
	sink.mu.Lock()
	metas := sink.meta[:4]
	sink.mu.Unlock()
	for i, m := range metas {
		got := map[string]any{}
		for _, e := range m {
			got[e.Key] = e.Value
		}
		if got["framerate"] != float64(100) || got["videocodecid"] != float64(7) || got["width"] != float64(64) || got["height"] != float64(48) {
			t.Errorf("session %d's metadata %v, want framerate 100, videocodecid 7, width 64, height 48", i+1, m)
		}
	}
	if n := asked.Load(); n < 3 {
		t.Errorf("the hub asked for %d keyframes, want one per session after the first (3 or more)", n)
	}
	if st := tg.Status(); st.Sessions < 4 || st.Failures < 3 {
		t.Errorf("status %+v, want at least 4 sessions and 3 lost", st)
	}
}
