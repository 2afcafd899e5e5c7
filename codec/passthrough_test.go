package codec

import (
	"errors"
	"strings"
	"testing"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/fanout"
	picimage "github.com/picam-project/picam/image"
)

// Synthetic H.264 NAL units (header byte plus a little payload).
var (
	tSPS   = []byte{0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xf6, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x58, 0xba, 0x80}
	tPPS   = []byte{0x68, 0xce, 0x3c, 0x80}
	tIDR   = []byte{0x65, 0x88, 0x84, 0x21}
	tSlice = []byte{0x41, 0x9a, 0x02, 0x01}
)

func annexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = h264.AppendNAL(b, n)
	}
	return b
}

func h264Frame(seq uint64, au []byte) picimage.Frame {
	return picimage.Frame{Width: 640, Height: 480, Format: picimage.H264, Data: au, Seq: seq}
}

func TestH264Passthrough(t *testing.T) {
	requests := 0
	e := NewH264Passthrough(func() { requests++ })
	defer e.Close()
	if e.Codec() != av.H264 {
		t.Errorf("Codec() = %s", e.Codec())
	}
	in := []struct {
		seq uint64
		au  []byte
	}{
		{0, annexB(tSPS, tPPS, tIDR)}, // index 0
		{1, annexB(tSlice)},           // 1
		{2, annexB(tIDR)},             // 2: bare IDR, completed from the cache
		{5, annexB(tSlice)},           // 5: the camera dropped frames 3 and 4
		{6, annexB(tSlice)},           // 6
		{2, annexB(tIDR)},             // 8: the camera restarted
	}
	wantIndex := []uint64{0, 1, 2, 5, 6, 8}
	wantKey := []bool{true, false, true, false, false, true}
	for i, tc := range in {
		p, err := e.Encode(h264Frame(tc.seq, tc.au))
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if p.Codec != av.H264 || p.Seq != tc.seq || p.Width != 640 {
			t.Errorf("frame %d: packet %+v", i, p)
		}
		if p.Index != wantIndex[i] || p.Keyframe != wantKey[i] {
			t.Errorf("frame %d: index %d keyframe %v, want %d %v", i, p.Index, p.Keyframe, wantIndex[i], wantKey[i])
		}
		if p.Keyframe && !h264.IsRandomAccess(p.Data) {
			t.Errorf("frame %d: keyframe packet is not decodable on its own", i)
		}
		if !p.Keyframe && &p.Data[0] != &tc.au[0] {
			t.Errorf("frame %d: unchanged unit was copied", i)
		}
	}
	e.RequestKeyframe()
	if requests != 1 {
		t.Errorf("RequestKeyframe reached the camera %d times", requests)
	}
	NewH264Passthrough(nil).RequestKeyframe() // no way to ask: a no-op
}

func TestH264PassthroughRejects(t *testing.T) {
	e := NewH264Passthrough(nil)
	_, err := e.Encode(picimage.Frame{Width: 2, Height: 2, Format: picimage.GRAY8, Data: make([]byte, 4)})
	if err == nil || !strings.Contains(err.Error(), "configure it for H.264") {
		t.Errorf("raw frame: %v", err)
	}
	if _, err := e.Encode(h264Frame(0, nil)); err == nil {
		t.Error("empty access unit accepted")
	}
	e.Close()
	if _, err := e.Encode(h264Frame(1, annexB(tIDR))); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// A client that joins a passthrough stream mid-way starts at a decodable
// IDR even though the camera sent its parameter sets only once, at the
// start.
func TestH264PassthroughJoinMidStream(t *testing.T) {
	e := NewH264Passthrough(nil)
	var pkts []av.Packet
	for seq := uint64(0); seq < 30; seq++ {
		au := annexB(tSlice)
		switch {
		case seq == 0:
			au = annexB(tSPS, tPPS, tIDR)
		case seq%10 == 0:
			au = annexB(tIDR)
		}
		p, err := e.Encode(h264Frame(seq, au))
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}
	hub := fanout.New(fanout.Config{RequestKeyframe: e.RequestKeyframe})
	client := hub.Subscribe("client")
	var got []av.Packet
	for _, p := range pkts[3:] {
		hub.Publish(p)
		if p, ok := client.TryNext(); ok {
			got = append(got, p)
		}
	}
	if len(got) != 20 || got[0].Seq != 10 || !h264.IsRandomAccess(got[0].Data) {
		t.Fatalf("delivered %d packets, first seq %d", len(got), got[0].Seq)
	}
}
