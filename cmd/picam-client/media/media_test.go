package media

import (
	"context"
	"errors"
	"github.com/picam-project/picam/av"
	"testing"
	"time"
)

func pkt(seq uint64, key bool) *Packet {
	return &Packet{Packet: av.Packet{Seq: seq, Keyframe: key, Codec: av.H264}}
}

func TestFeedStartsAtKeyframeAndSkipsAfterOverflow(t *testing.T) {
	f := NewFeed(3)
	f.Push(pkt(1, false)) // before the first keyframe: dropped
	f.Push(pkt(2, true))
	f.Push(pkt(3, false))
	f.Push(pkt(4, false))
	f.Push(pkt(5, false)) // full: everything goes, wait for a keyframe
	f.Push(pkt(6, false))
	f.Push(pkt(7, true))
	f.Push(pkt(8, false))
	f.Close()
	var got []uint64
	for {
		p, err := f.Pop(context.Background())
		if errors.Is(err, ErrFeedClosed) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Seq)
	}
	if want := []uint64{7, 8}; !equal(got, want) {
		t.Fatalf("popped %v, want %v", got, want)
	}
	if d := f.Dropped(); d != 6 {
		t.Fatalf("Dropped = %d, want 6", d)
	}
}

func TestFeedPopWaitsAndHonoursContext(t *testing.T) {
	f := NewFeed(2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Pop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Pop on a cancelled context: %v", err)
	}
	done := make(chan uint64)
	go func() {
		p, _ := f.Pop(context.Background())
		done <- p.Seq
	}()
	f.Push(pkt(9, true))
	if s := <-done; s != 9 {
		t.Fatalf("Pop returned %d", s)
	}
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMeter(t *testing.T) {
	m := NewMeter(5566, time.Second)
	t0 := time.Unix(1000, 0)
	if st := m.Status(t0); st.State != StateWaiting || st.Port != 5566 {
		t.Fatalf("fresh meter: %+v", st)
	}
	for i := range 30 {
		at := t0.Add(time.Duration(i) * time.Second / 30)
		seq := uint64(i)
		if i >= 10 {
			seq += 2 // the server skipped two frames for us
		}
		m.Add(&Packet{Packet: av.Packet{Codec: av.JPEG, Seq: seq, Captured: at.Add(-20 * time.Millisecond), Width: 64, Height: 48}, Camera: 5566, Received: at, Message: []byte(`"hi"`)}, 12500)
	}
	st := m.Status(t0.Add(time.Second))
	if st.State != StateStreaming || st.Frames != 30 || st.Gaps != 2 || string(st.Message) != `"hi"` {
		t.Fatalf("status %+v", st)
	}
	if st.FPS < 29 || st.FPS > 31 || st.Mbps < 2.9 || st.Mbps > 3.1 {
		t.Fatalf("fps %v Mbit/s %v, want ~30 and ~3", st.FPS, st.Mbps)
	}
	if st.LatencyMS == nil || *st.LatencyMS != 20 {
		t.Fatalf("latency %v, want 20 ms", st.LatencyMS)
	}
	if st := m.Status(t0.Add(5 * time.Second)); st.State != StateStalled || st.FPS != 0 {
		t.Fatalf("after 4 s of silence: %+v", st)
	}
}

func TestDecoderCodec(t *testing.T) {
	// A constrained-baseline 320x240 SPS at level 3.0, as x264 writes it.
	sps := []byte{0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x01, 0x41, 0xfb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x62, 0xe4, 0x80}
	cs, err := DecoderCodec(sps)
	if err != nil || cs != "avc1.42C01E" {
		t.Fatalf("DecoderCodec = %q, %v; want avc1.42C01E", cs, err)
	}
	if _, err := DecoderCodec([]byte{0x67}); err == nil {
		t.Fatal("a truncated SPS was accepted")
	}
}
