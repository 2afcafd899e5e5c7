package record

import (
	"bytes"
	"errors"
	"github.com/picam-project/picam/av"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/cmd/picam-client/media/mediatest"
	"github.com/picam-project/picam/codec"
	picimage "github.com/picam-project/picam/image"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// at is frame i's capture time at 30 fps.
func at(i int) time.Time { return t0.Add(time.Duration(i) * time.Second / 30) }

func h264Packets(t *testing.T, frames, gop int) []*media.Packet {
	aus := mediatest.H264(t, 160, 120, frames, gop)
	out := make([]*media.Packet, len(aus))
	for i, au := range aus {
		out[i] = &media.Packet{Packet: av.Packet{Codec: av.H264, Data: au, Keyframe: i%gop == 0, Seq: uint64(i), Captured: at(i)}, Camera: 1, Received: at(i)}
	}
	return out
}

func jpegPackets(t *testing.T, frames int) []*media.Packet {
	pat, err := picimage.NewTestPattern(160, 120)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := codec.NewJPEG(80)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*media.Packet, frames)
	for i := range out {
		pk, err := enc.Encode(picimage.Frame{Width: 160, Height: 120, Format: picimage.BGR24, Data: pat.Render(nil, uint64(i), at(i)), Seq: uint64(i), Captured: at(i), Keyframe: true})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = &media.Packet{Packet: av.Packet{Codec: av.JPEG, Data: pk.Data, Keyframe: true, Width: 160, Height: 120, Seq: uint64(i), Captured: at(i)}, Camera: 1, Received: at(i)}
	}
	return out
}

func record(t *testing.T, name string, pkts []*media.Packet, closeIt bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if err := w.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if closeIt {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.002 }

func TestMP4FromH264(t *testing.T) {
	pkts := h264Packets(t, 90, 30)
	p := mediatest.FFprobe(t, record(t, "a.mp4", pkts, true), "")
	t.Logf("ffprobe: %s %dx%d, %d frames, %.3f s", p.Codec, p.Width, p.Height, p.Frames, p.Duration)
	if p.Codec != "h264" || p.Width != 160 || p.Height != 120 || p.Frames != 90 || !near(p.Duration, 3.0) {
		t.Fatalf("want h264 160x120, 90 frames, 3.000 s; ffprobe says %s", p.Raw)
	}
}

func TestMP4FromJPEGIsMotionJPEG(t *testing.T) {
	p := mediatest.FFprobe(t, record(t, "a.mp4", jpegPackets(t, 60), true), "")
	t.Logf("ffprobe: %s %dx%d, %d frames, %.3f s", p.Codec, p.Width, p.Height, p.Frames, p.Duration)
	if p.Codec != "mjpeg" || p.Width != 160 || p.Frames != 60 || !near(p.Duration, 2.0) {
		t.Fatalf("want mjpeg, 60 frames, 2.000 s; ffprobe says %s", p.Raw)
	}
}

// A writer that is never closed (the client was killed) leaves whole fragments: 100 frames at
// one keyframe a second make three complete one-second fragments and lose the last 10 frames.
func TestMP4CutOffKeepsWholeFragments(t *testing.T) {
	p := mediatest.FFprobe(t, record(t, "cut.mp4", h264Packets(t, 100, 30), false), "")
	if p.Frames != 90 || !near(p.Duration, 3.0) {
		t.Fatalf("want the 3 complete fragments (90 frames, 3.000 s); ffprobe says %s", p.Raw)
	}
}

func TestMP4StartsAtKeyframeAndSurvivesClockSteps(t *testing.T) {
	pkts := h264Packets(t, 60, 20)[5:]                      // joins mid-GOP: frames 5..19 cannot be decoded
	pkts[30].Captured = pkts[29].Captured                   // the camera clock stood still for a frame
	pkts[31].Captured = pkts[29].Captured.Add(-time.Second) // and then stepped back
	p := mediatest.FFprobe(t, record(t, "b.mp4", pkts, true), "")
	if p.Frames != 40 {
		t.Fatalf("want 40 frames from the keyframe at 20 on; ffprobe says %s", p.Raw)
	}
	if p.Duration < 1.2 || p.Duration > 1.4 {
		t.Fatalf("duration %.3f s, want about 40/30 s with the clock steps absorbed", p.Duration)
	}
}

func TestAnnexBStartsAtKeyframe(t *testing.T) {
	pkts := h264Packets(t, 45, 15)
	path := record(t, "a.h264", pkts[3:], true)
	p := mediatest.FFprobe(t, path, "h264")
	if p.Frames != 30 {
		t.Fatalf("want 30 frames from the keyframe at 15; ffprobe says %s", p.Raw)
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasPrefix(b, pkts[15].Data) {
		t.Fatal("the file does not start with the first keyframe")
	}
}

// Some encoders send SPS and PPS once, in a packet of their own, and never again: the writer
// caches them and puts them in front of the first keyframe, so the file still plays.
func TestAnnexBAddsMissingParameterSets(t *testing.T) {
	pkts := h264Packets(t, 30, 10)
	var paramSets []byte
	for nal := range h264.NALUnits(pkts[0].Data) {
		if t := h264.TypeOf(nal); t == h264.NALSPS || t == h264.NALPPS {
			paramSets = h264.AppendNAL(paramSets, nal)
		}
	}
	params := &media.Packet{Packet: av.Packet{Codec: av.H264, Data: paramSets}}
	var bare []*media.Packet
	for _, p := range pkts[10:] {
		q := *p
		q.Data = nil
		for nal := range h264.NALUnits(p.Data) {
			if h264.TypeOf(nal).IsSlice() {
				q.Data = h264.AppendNAL(q.Data, nal)
			}
		}
		bare = append(bare, &q)
	}

	var none bytes.Buffer
	w := NewElementary(&none)
	for _, p := range bare {
		if err := w.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if w.Frames() != 0 || none.Len() != 0 {
		t.Fatalf("wrote %d frames without ever seeing parameter sets", w.Frames())
	}

	path := filepath.Join(t.TempDir(), "late.h264")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w = NewElementary(f)
	for _, p := range append([]*media.Packet{params}, bare...) {
		if err := w.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	if pr := mediatest.FFprobe(t, path, "h264"); w.Frames() != 20 || pr.Frames != 20 {
		t.Fatalf("wrote %d frames, ffprobe decodes %d; want 20", w.Frames(), pr.Frames)
	}
}

func TestMJPEG(t *testing.T) {
	p := mediatest.FFprobe(t, record(t, "a.mjpeg", jpegPackets(t, 25), true), "mjpeg")
	if p.Codec != "mjpeg" || p.Frames != 25 {
		t.Fatalf("want 25 JPEG frames; ffprobe says %s", p.Raw)
	}
}

func TestCodecMismatch(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "x.mjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	err = w.Write(&media.Packet{Packet: av.Packet{Codec: av.H264, Data: []byte{0, 0, 0, 1, 0x65}}})
	if !errors.Is(err, ErrCodec) {
		t.Fatalf("H.264 into .mjpeg: %v", err)
	}
	m := NewFMP4(&bytes.Buffer{})
	if err := m.Write(jpegPackets(t, 1)[0]); err != nil {
		t.Fatal(err)
	}
	if err := m.Write(&media.Packet{Packet: av.Packet{Codec: av.H264, Data: []byte{0, 0, 0, 1, 0x65}}}); !errors.Is(err, ErrCodec) {
		t.Fatalf("codec change mid-recording: %v", err)
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{"a.MP4": MP4, "b.mjpg": MJPEG, "c.264": AnnexB, "d.h264": AnnexB} {
		if f, err := FormatOf(name); err != nil || f != want {
			t.Errorf("FormatOf(%q) = %q, %v; want %q", name, f, err, want)
		}
	}
	if _, err := FormatOf("e.avi"); err == nil {
		t.Error(".avi accepted")
	}
}
