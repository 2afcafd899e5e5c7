package codec

import (
	"errors"
	"hash/crc32"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

// Tests of what bcm2835-codec does on a real Pi and vicodec does not.

// An IDR larger than a bitstream buffer fills it and goes on in the next,
// with the same timestamp: Encode joins them into one packet.
func TestM2MKeyframeSpanningBuffers(t *testing.T) {
	d := newFakeM2M()
	d.idrBytes = 800 << 10 // more than the 512 KiB buffer of a 640x480 stream
	d.gop = 3
	e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420})
	if d.askedSize < 512<<10 {
		t.Errorf("S_FMT(CAPTURE) asked for %d bytes", d.askedSize)
	}
	for i := range 6 {
		f := randomFrame(picimage.I420, 640, 480, uint64(i))
		p, err := e.Encode(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if p.Index != uint64(i) || p.Seq != f.Seq {
			t.Errorf("frame %d: packet %d of frame %d", i, p.Index, p.Seq)
		}
		key := i%3 == 0
		if p.Keyframe != key || (key && (len(p.Data) < d.idrBytes || !h264.IsRandomAccess(p.Data))) {
			t.Errorf("frame %d: keyframe %v, %d bytes (the IDR is %d)", i, p.Keyframe, len(p.Data), d.idrBytes)
		}
		if crc, _ := auCRC(p.Data); crc != crc32.ChecksumIEEE(f.Data) {
			t.Errorf("frame %d: the packet does not carry its picture", i)
		}
	}
	// Larger frames get larger buffers: the driver keeps the larger size.
	d = newFakeM2M()
	newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 1920, Height: 1080, Input: picimage.I420})
	if d.askedSize < 1<<20 || d.capFmt.SizeImage != d.askedSize {
		t.Errorf("1080p: asked for %d bytes, got %d; want at least 1 MiB (the driver's default is 768 KiB)", d.askedSize, d.capFmt.SizeImage)
	}
}

// A firmware that gives a frame's bitstream back only when the next frame
// goes in costs a frame of latency, not a 2 s stall per frame.
func TestM2MFrameHeldBack(t *testing.T) {
	d := newFakeM2M()
	d.holdBack = true
	e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420, Timeout: time.Hour})
	var frames []picimage.Frame
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 8 {
			f := randomFrame(picimage.I420, 640, 480, uint64(i))
			frames = append(frames, f)
			p, err := e.Encode(f)
			if i == 0 {
				if !errors.Is(err, ErrNoPacket) {
					t.Errorf("frame 0: %v, want ErrNoPacket (the firmware kept it)", err)
				}
				continue
			}
			if err != nil {
				t.Errorf("frame %d: %v", i, err)
				return
			}
			// The packet is the previous frame's, in order.
			if p.Seq != uint64(i-1) || p.Index != uint64(i-1) {
				t.Errorf("call %d: packet %d of frame %d, want frame %d", i, p.Index, p.Seq, i-1)
			}
			if crc, _ := auCRC(p.Data); crc != crc32.ChecksumIEEE(frames[i-1].Data) {
				t.Errorf("call %d: the packet does not carry frame %d's picture", i, i-1)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a watchdog: Encode would otherwise wait its hour-long Timeout
		t.Fatal("Encode waits for the held-back frame")
	}
	if n := len(e.inflight); n != 1 {
		t.Errorf("%d frames in flight at the end, want the one held back", n)
	}

	// With one frame in flight, as Encode worked before, the same fake
	// costs a whole Timeout per frame and delivers nothing.
	d = newFakeM2M()
	d.holdBack = true
	e = newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420, Timeout: 20 * time.Millisecond, Buffers: 1})
	for i := range 3 {
		if _, err := e.Encode(randomFrame(picimage.I420, 640, 480, uint64(i))); !errors.Is(err, v4l2.ErrTimeout) {
			t.Errorf("one in flight, frame %d: %v, want a timeout", i, err)
		}
	}
}

// bcm2835-codec clamps sizes above 1920 instead of failing; picam refuses
// with an error that names the limit and the fix.
func TestM2MSizeLimit(t *testing.T) {
	d := newFakeM2M()
	d.maxSize = 1920
	_, err := newM2M(d, M2MConfig{Device: d.Path(), Codec: av.JPEG, Width: 2592, Height: 1944, Input: picimage.I420})
	var sl *SizeLimitError
	if !errors.As(err, &sl) || sl.MaxWidth != 1920 || !strings.Contains(err.Error(), "at most 1920") || !strings.Contains(err.Error(), "--resolution 1920x1080") {
		t.Errorf("2592x1944: %v", err)
	}
	if _, err := newM2M(newFakeM2MMax(1920), M2MConfig{Device: "x", Codec: av.H264, Width: 1920, Height: 1080, Input: picimage.I420}); err != nil {
		t.Errorf("1920x1080: %v", err)
	}
}

func newFakeM2MMax(n int) *fakeM2M {
	d := newFakeM2M()
	d.maxSize = n
	return d
}

// 25 Mbit/s at bcm2835-codec's default level 4.0 fails at STREAMON on some
// firmware (raspberrypi/linux#4938); picam raises the level, or lowers the
// bitrate to what a level the user chose allows.
func TestM2MBitrateEdges(t *testing.T) {
	// The fake reproduces the failure.
	d := newFakeM2M()
	d.strict25M = true
	d.set[v4l2.CtrlMPEGVideoBitrate] = 25_000_000
	if err := d.StreamOn(v4l2.BufTypeVideoOutputMPlane); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("the fake starts at 25 Mbit/s and level 4.0: %v", err)
	}
	for _, tc := range []struct {
		bitrate     int
		level       string
		wantBitrate int64
		wantLevel   int64 // -1: not set
		wantInLog   string
	}{
		{25_000_000, "", 25_000_000, v4l2.H264Level4_1, "level 4.1"},
		{100_000_000, "", 25_000_000, v4l2.H264Level4_1, "encoder's maximum"},
		{25_000_000, "4", 20_000_000, v4l2.H264Level4_0, "what the H.264 level allows"},
		{8_000_000, "", 8_000_000, -1, ""},
	} {
		d := newFakeM2M()
		d.strict25M = true
		log, buf := testLog()
		_, err := newM2M(d, M2MConfig{Device: d.Path(), Codec: av.H264, Width: 1280, Height: 720, Input: picimage.I420, Bitrate: tc.bitrate, Level: tc.level, Logger: log})
		if err != nil {
			t.Errorf("%d at level %q: %v", tc.bitrate, tc.level, err)
			continue
		}
		level, ok := d.set[v4l2.CtrlMPEGVideoH264Level]
		if !ok {
			level = -1
		}
		if d.set[v4l2.CtrlMPEGVideoBitrate] != tc.wantBitrate || level != tc.wantLevel || !strings.Contains(buf.String(), tc.wantInLog) {
			t.Errorf("%d at level %q: bitrate %d level %d, want %d and %d; log:\n%s", tc.bitrate, tc.level,
				d.set[v4l2.CtrlMPEGVideoBitrate], level, tc.wantBitrate, tc.wantLevel, buf)
		}
	}
}

// The JPEG encoder (/dev/video31) has a quality control and no bitrate:
// --bitrate is no reason to refuse it.
func TestM2MJPEGIgnoresBitrate(t *testing.T) {
	d := newFakeM2M()
	d.coded = []v4l2.PixelFormat{v4l2.PixFmtJPEG}
	delete(d.ctrls, v4l2.CtrlMPEGVideoBitrate)
	log, buf := testLog()
	e := newTestM2M(t, d, M2MConfig{Codec: av.JPEG, Width: 640, Height: 480, Input: picimage.I420, Bitrate: 5_000_000, Logger: log})
	if _, err := e.Encode(randomFrame(picimage.I420, 640, 480, 1)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "does not apply") {
		t.Errorf("log does not say the bitrate was ignored:\n%s", buf)
	}
}

// testLog is a logger whose text a test can read.
func testLog() (*slog.Logger, *strings.Builder) {
	var b strings.Builder
	return slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}
