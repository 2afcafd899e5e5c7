package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"log/slog"
	"net"
	"slices"
	"testing"

	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/cmd/picam-client/record"
	"github.com/picam-project/picam/codec/fwht/fwhttest"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/stream"
	"github.com/picam-project/picam/stream/wire"
)

// testReceiver is picam-client's receive state on a bound (but unused) port, fed frames by
// hand.
func testReceiver(t *testing.T) (*receiver, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c, err := stream.NewClient(stream.ClientConfig{Address: "127.0.0.1", Port: port, Pattern: stream.PubSub})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return newReceiver(&options{port: port, jpegQuality: 90}, c, slog.New(slog.DiscardHandler)), port
}

// recordingReceiver is testReceiver with one output that records the elementary stream.
func recordingReceiver(t *testing.T) (*receiver, int, *bytes.Buffer, *output) {
	t.Helper()
	r, port := testReceiver(t)
	rec := new(bytes.Buffer)
	out := startOutput("test", 0, false, record.NewElementary(rec), recordQueue, func(err error) { t.Error(err) }, slog.New(slog.DiscardHandler))
	r.outputs = []*output{out}
	return r, port, rec, out
}

func frame(port int, codecName string, seq uint64, payload []byte) *stream.Frame {
	return &stream.Frame{Port: port, Header: wire.Header{Pattern: "2", Picam: &wire.Ext{Seq: seq, Codec: codecName}}, Payload: payload}
}

// FWHT frames are decoded: the shape is reported like a raw array's, the outputs get JPEG of
// the decoded picture, and the summary says the stream started at a keyframe.
func TestFWHTDecodedAndRecorded(t *testing.T) {
	r, port := testReceiver(t)
	var rec bytes.Buffer
	out := startOutput("test", 0, false, record.NewElementary(&rec), recordQueue, func(err error) { t.Error(err) }, slog.New(slog.DiscardHandler))
	r.outputs = []*output{out}
	for i := range 2 {
		r.account(frame(port, "fwht", uint64(i), fwhttest.Golden(t, i)))
	}
	out.stop()
	s := r.finish()
	if s.FirstKeyframe == nil || !*s.FirstKeyframe || s.DecodeErrors != 0 || s.Frames != 2 || !slices.Equal(s.Shapes, []string{"[480 640 3]"}) {
		t.Fatalf("summary: first_keyframe %v decode_errors %d frames %d shapes %v", s.FirstKeyframe, s.DecodeErrors, s.Frames, s.Shapes)
	}
	if len(s.Cameras) != 1 || s.Cameras[0].Codec != "fwht" || s.Cameras[0].Width != 640 || s.Cameras[0].Height != 480 {
		t.Fatalf("camera status %+v", s.Cameras)
	}
	// The recording holds two JPEGs of the test pattern, frame counters 0 and 1 burnt in.
	jpegs := bytes.SplitAfter(rec.Bytes(), []byte{0xff, 0xd9})
	if len(jpegs) < 2 || out.w.Frames() != 2 {
		t.Fatalf("recorded %d frames, %d bytes", out.w.Frames(), rec.Len())
	}
	for i, j := range jpegs[:2] {
		img, err := jpeg.Decode(bytes.NewReader(j))
		if err != nil {
			t.Fatalf("recorded frame %d: %v", i, err)
		}
		if n, ok := picimage.ReadCounter(bgrOf(img), 640, 480); !ok || n != uint64(i) {
			t.Errorf("recorded frame %d shows counter %d (read %v)", i, n, ok)
		}
	}
}

// bgrOf flattens a decoded image to BGR24.
func bgrOf(img image.Image) []byte {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, byte(bl>>8), byte(g>>8), byte(r>>8))
		}
	}
	return out
}

// A stream that starts at a P-frame is reported: first_keyframe false, and the P-frame that
// has no picture to add to is a decode error.
func TestFirstKeyframeReported(t *testing.T) {
	r, port := testReceiver(t)
	r.account(frame(port, "fwht", 1, fwhttest.Golden(t, 1)))
	r.account(frame(port, "fwht", 2, fwhttest.Golden(t, 0)))
	s := r.finish()
	if s.FirstKeyframe == nil || *s.FirstKeyframe || s.DecodeErrors != 1 {
		t.Fatalf("P-frame first: first_keyframe %v, decode_errors %d", s.FirstKeyframe, s.DecodeErrors)
	}

	sps := []byte{0x67, 0x42, 0xc0, 0x1e, 0xd9}
	pps := []byte{0x68, 0xce, 0x3c, 0x80}
	idr := h264.AppendNAL(h264.AppendNAL(h264.AppendNAL(nil, sps), pps), []byte{0x65, 0x88, 0x80})
	bareIDR := h264.AppendNAL(nil, []byte{0x65, 0x88, 0x80})
	for _, c := range []struct {
		name  string
		first []byte
		want  bool
	}{
		{"IDR with SPS and PPS", idr, true},
		{"IDR without parameter sets", bareIDR, false},
		{"P-frame", h264.AppendNAL(nil, []byte{0x41, 0x9a}), false},
	} {
		r, port := testReceiver(t)
		r.account(frame(port, "h264", 0, c.first))
		r.account(frame(port, "h264", 1, idr))
		if s := r.finish(); s.FirstKeyframe == nil || *s.FirstKeyframe != c.want {
			t.Errorf("H.264 starting with %s: first_keyframe %v, want %v", c.name, s.FirstKeyframe, c.want)
		}
	}

	// Raw and JPEG streams have no such field.
	r, port = testReceiver(t)
	r.account(&stream.Frame{Port: port, Header: wire.Header{Pattern: "2", DType: "uint8", Shape: []int{2, 2, 3}, Picam: &wire.Ext{Codec: "raw"}}, Payload: make([]byte, 12)})
	if s := r.finish(); s.FirstKeyframe != nil {
		t.Errorf("raw stream: first_keyframe %v", *s.FirstKeyframe)
	}
}

// After the client itself dropped a frame, FWHT P-frames are skipped until an I-frame rather
// than added to the wrong picture.
func TestFWHTWaitsAfterOwnLoss(t *testing.T) {
	r, port, rec, out := recordingReceiver(t)
	var lost uint64
	r.dropped = func() uint64 { return lost }
	r.account(frame(port, "fwht", 0, fwhttest.Golden(t, 0)))
	lost = 1                                                 // the queue dropped a frame
	r.account(frame(port, "fwht", 2, fwhttest.Golden(t, 1))) // a P-frame after the loss: skipped
	r.account(frame(port, "fwht", 3, fwhttest.Golden(t, 0))) // the I-frame resynchronises
	r.account(frame(port, "fwht", 4, fwhttest.Golden(t, 1))) // and the P-frame after it decodes
	out.stop()
	s := r.finish()
	if s.KeyframeWaits != 1 || s.DecodeErrors != 0 || s.Frames != 4 || out.w.Frames() != 3 {
		t.Fatalf("keyframe_waits %d (want 1), decode_errors %d, frames %d, recorded %d (want 3)", s.KeyframeWaits, s.DecodeErrors, s.Frames, out.w.Frames())
	}
	for i, j := range bytes.SplitAfter(rec.Bytes(), []byte{0xff, 0xd9})[:3] {
		img, err := jpeg.Decode(bytes.NewReader(j))
		if err != nil {
			t.Fatalf("recorded frame %d: %v", i, err)
		}
		if n, ok := picimage.ReadCounter(bgrOf(img), 640, 480); !ok || n != []uint64{0, 0, 1}[i] {
			t.Errorf("recorded frame %d shows counter %d (read %v)", i, n, ok)
		}
	}
}

// After the client itself dropped a frame, H.264 P-frames are kept from the outputs until the
// next IDR: a recorder or viewer would otherwise decode them against the wrong pictures.
func TestH264OutputsWaitForIDRAfterOwnLoss(t *testing.T) {
	r, port, rec, out := recordingReceiver(t)
	var lost uint64
	r.dropped = func() uint64 { return lost }
	sps := []byte{0x67, 0x42, 0xc0, 0x1e, 0xd9}
	pps := []byte{0x68, 0xce, 0x3c, 0x80}
	idr := h264.AppendNAL(h264.AppendNAL(h264.AppendNAL(nil, sps), pps), []byte{0x65, 0x88, 0x80})
	p := func(n byte) []byte { return h264.AppendNAL(nil, []byte{0x41, 0x9a, n}) }
	r.account(frame(port, "h264", 0, idr))
	r.account(frame(port, "h264", 1, p(1)))
	lost = 1 // the queue dropped frame 2
	r.account(frame(port, "h264", 3, p(3)))
	r.account(frame(port, "h264", 4, p(4)))
	r.account(frame(port, "h264", 5, idr))
	r.account(frame(port, "h264", 6, p(6)))
	out.stop()
	s := r.finish()
	want := slices.Concat(idr, p(1), idr, p(6))
	if !bytes.Equal(rec.Bytes(), want) || s.KeyframeWaits != 2 || s.Frames != 6 {
		t.Fatalf("recorded %x (want %x), keyframe_waits %d (want 2), frames %d", rec.Bytes(), want, s.KeyframeWaits, s.Frames)
	}
}
