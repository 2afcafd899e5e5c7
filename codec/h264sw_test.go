//go:build openh264 && cgo

package codec

import (
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/codec/openh264"
	"github.com/picam-project/picam/fanout"
	picimage "github.com/picam-project/picam/image"
)

func patternFrames(t testing.TB, w, h, n int) []picimage.Frame {
	t.Helper()
	p, err := picimage.NewTestPattern(w, h)
	if err != nil {
		t.Fatal(err)
	}
	var out []picimage.Frame
	for i := range n {
		out = append(out, picimage.Frame{Width: w, Height: h, Format: picimage.BGR24,
			Data: p.Render(nil, uint64(i), time.Unix(1700000000, 0).Add(time.Duration(i)*33*time.Millisecond)), Seq: uint64(i)})
	}
	return out
}

// A picam client that joins an H.264 stream mid-way gets a picture it can
// decode on its first frame: the gate holds back P-frames, asks the
// encoder for a keyframe, and the first packet through is an IDR with SPS
// and PPS, which a decoder that has seen nothing before decodes.
func TestSoftwareH264JoinMidStream(t *testing.T) {
	enc, err := NewSoftwareH264(SoftwareH264Config{IFramePeriod: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	frames := patternFrames(t, 320, 240, 40)
	hub := fanout.New(fanout.Config{RequestKeyframe: enc.RequestKeyframe})
	var client *fanout.Sub
	var dec *openh264.Decoder
	delivered := 0
	for i, f := range frames {
		if i == 17 {
			client = hub.Subscribe("client") // the client connects while P-frames flow
			if dec, err = openh264.NewDecoder(); err != nil {
				t.Fatal(err)
			}
			defer dec.Close()
		}
		p, err := enc.Encode(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if p.Index != uint64(i) {
			t.Errorf("frame %d: index %d", i, p.Index)
		}
		if p.Keyframe != (i == 0 || i == 17) {
			t.Errorf("frame %d: keyframe %v", i, p.Keyframe)
		}
		hub.Publish(p) // the stream flows before the client joins
		if dec == nil {
			continue
		}
		got, ok := client.TryNext()
		data := got.Data
		if !ok {
			t.Errorf("frame %d held back although the requested IDR came at once", i)
			continue
		}
		if delivered == 0 {
			a := h264.Inspect(data)
			if !a.IDR || a.SPS == 0 || a.PPS == 0 {
				t.Fatalf("the first packet the client gets is %+v, not an IDR with SPS and PPS", a)
			}
		}
		pic, ok, err := dec.Decode(data)
		if err != nil || !ok {
			t.Fatalf("client's packet %d (frame %d) does not decode: %v %v", delivered, i, ok, err)
		}
		bgr, err := picimage.ToBGR(nil, picimage.Frame{Width: pic.Width, Height: pic.Height, Format: picimage.I420, Data: pic.I420()})
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := picimage.ReadCounter(bgr, pic.Width, pic.Height); !ok || n != uint64(i) {
			t.Errorf("client's packet %d shows frame %d (%v), want %d", delivered, n, ok, i)
		}
		delivered++
	}
	if delivered != 40-17 {
		t.Errorf("delivered %d packets", delivered)
	}
}

// A slow client whose sender skipped packets resyncs at the next IDR and
// never hands its decoder a P-frame that references a lost one.
func TestSoftwareH264SlowClient(t *testing.T) {
	enc, err := NewSoftwareH264(SoftwareH264Config{IFramePeriod: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	dec, err := openh264.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	hub := fanout.New(fanout.Config{}) // no keyframe requests: wait for the period
	client := hub.Subscribe("client")
	decoded := 0
	lost := false
	for i, f := range patternFrames(t, 160, 128, 30) {
		p, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if i == 3 || i == 4 || i == 20 {
			lost = true
			continue // lost on the way to the fan-out
		}
		p.Gap, lost = lost, false
		hub.Publish(p)
		got, ok := client.TryNext()
		if !ok {
			continue
		}
		if _, ok, err := dec.Decode(got.Data); err != nil || !ok {
			t.Fatalf("frame %d does not decode after the gate: %v %v", i, ok, err)
		}
		decoded++
	}
	// Frames 0-2, 8-19 and 24-29 get through; 5-7 and 21-23 are held back.
	if st := client.Stats(); decoded != 21 || st.Held != 6 {
		t.Errorf("decoded %d, stats %+v", decoded, st)
	}
}

func TestSoftwareH264Frames(t *testing.T) {
	enc, err := NewSoftwareH264(SoftwareH264Config{})
	if err != nil {
		t.Fatal(err)
	}
	if enc.Codec() != av.H264 || !SoftwareH264Available() {
		t.Error("codec or availability wrong")
	}
	dec, err := openh264.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	// Every raw format is accepted; a size change starts a new stream.
	for i, pf := range []picimage.PixelFormat{picimage.I420, picimage.NV12, picimage.YUYV, picimage.RGB24, picimage.GRAY8} {
		f := randomFrame(pf, 64, 48, uint64(i))
		p, err := enc.Encode(f)
		if err != nil {
			t.Fatalf("%s: %v", pf, err)
		}
		if _, ok, err := dec.Decode(p.Data); err != nil || !ok {
			t.Errorf("%s: %v %v", pf, ok, err)
		}
	}
	p, err := enc.Encode(randomFrame(picimage.I420, 96, 64, 9))
	if err != nil || !p.Keyframe || p.Index != 6 {
		t.Errorf("after a size change: keyframe %v index %d, %v", p.Keyframe, p.Index, err)
	}
	if _, err := enc.Encode(picimage.Frame{Width: 2, Height: 2, Format: picimage.MJPEG, Data: []byte{1}}); err == nil {
		t.Error("MJPEG accepted")
	}
	enc.Close()
	if _, err := enc.Encode(randomFrame(picimage.I420, 64, 48, 1)); err != ErrClosed {
		t.Errorf("after Close: %v", err)
	}
}
