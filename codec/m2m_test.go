package codec

import (
	"bytes"
	"errors"
	"hash/crc32"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/hw/v4l2"
	picimage "github.com/picam-project/picam/image"
)

func randomFrame(pf picimage.PixelFormat, w, h int, seq uint64) picimage.Frame {
	n, _ := pf.FrameSize(w, h)
	r := rand.New(rand.NewPCG(seq, 99))
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(r.UintN(256))
	}
	return picimage.Frame{Width: w, Height: h, Format: pf, Data: data, Seq: seq, Captured: time.Unix(1700000000, int64(seq)), Keyframe: true}
}

func newTestM2M(t *testing.T, d *fakeM2M, cfg M2MConfig) *M2MEncoder {
	t.Helper()
	cfg.Device = d.Path()
	e, err := newM2M(d, cfg)
	if err != nil {
		t.Fatalf("newM2M: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestM2MH264(t *testing.T) {
	d := newFakeM2M()
	e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 360, Input: picimage.I420, Bitrate: 1234567, Profile: "High"})
	if e.Codec() != av.H264 {
		t.Errorf("Codec() = %s", e.Codec())
	}
	want := map[v4l2.CtrlID]int64{
		v4l2.CtrlMPEGVideoBitrate:         1225000, // rounded to the 25 kbit/s step
		v4l2.CtrlMPEGVideoH264IPeriod:     30,      // one second at the default 30 fps
		v4l2.CtrlMPEGVideoRepeatSeqHeader: 1,
		v4l2.CtrlMPEGVideoH264Profile:     v4l2.H264ProfileHigh,
	}
	for id, v := range want {
		if got, ok := d.set[id]; !ok || got != v {
			t.Errorf("control 0x%08x = %d (set %v), want %d", uint32(id), got, ok, v)
		}
	}
	if _, ok := d.set[v4l2.CtrlMPEGVideoH264Level]; ok {
		t.Error("level set although 640x360@30 needs no more than the default")
	}
	if f := e.InputFormat(); f.BytesPerLine != 640 || f.Height != 368 {
		t.Errorf("input format %v, want the fake's 16-line height alignment", f)
	}
	for i := range 5 {
		f := randomFrame(picimage.I420, 640, 360, uint64(100+i))
		p, err := e.Encode(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if p.Codec != av.H264 || p.Index != uint64(i) || p.Seq != f.Seq || !p.Captured.Equal(f.Captured) || p.Width != 640 {
			t.Errorf("frame %d: packet %+v", i, p)
		}
		if p.Keyframe != (i == 0) || p.Keyframe != h264.IsRandomAccess(p.Data) {
			t.Errorf("frame %d: keyframe %v, random access %v", i, p.Keyframe, h264.IsRandomAccess(p.Data))
		}
		crc, ok := auCRC(p.Data)
		if !ok || crc != crc32.ChecksumIEEE(f.Data) {
			t.Errorf("frame %d: the encoder did not get the frame's pixels (crc %08x, want %08x)", i, crc, crc32.ChecksumIEEE(f.Data))
		}
	}
	// Padding rows below the picture repeat its last row.
	buf := d.outBufs[0]
	last := buf[359*640 : 360*640]
	for y := 360; y < 368; y++ {
		if !bytes.Equal(buf[y*640:(y+1)*640], last) {
			t.Fatalf("padding row %d does not repeat the last row", y)
		}
	}

	e.RequestKeyframe()
	p, err := e.Encode(randomFrame(picimage.I420, 640, 360, 200))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Keyframe || !h264.IsRandomAccess(p.Data) {
		t.Error("requested keyframe did not come")
	}
	if _, ok := d.set[v4l2.CtrlMPEGVideoForceKeyFrame]; !ok {
		t.Error("FORCE_KEY_FRAME was not pressed")
	}
	if p, _ := e.Encode(randomFrame(picimage.I420, 640, 360, 201)); p.Keyframe {
		t.Error("the keyframe request stuck")
	}
}

func TestM2MStrideAndFormats(t *testing.T) {
	for _, pf := range []picimage.PixelFormat{picimage.NV12, picimage.YUYV, picimage.BGR24} {
		d := newFakeM2M()
		e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 656, Height: 368, Input: pf})
		f := randomFrame(pf, 656, 368, 1)
		p, err := e.Encode(f)
		if err != nil {
			t.Fatalf("%s: %v", pf, err)
		}
		if e.InputFormat().BytesPerLine <= uint32(656*bytesPerPixel(pf)) && pf != picimage.NV12 {
			t.Errorf("%s: the fake did not pad rows (%v); the test checks nothing", pf, e.InputFormat())
		}
		if crc, _ := auCRC(p.Data); crc != crc32.ChecksumIEEE(f.Data) || !bytes.Equal(d.received[0], f.Data) {
			t.Errorf("%s: the encoder got different pixels", pf)
		}
	}
}

func TestM2MConvertsWhatTheDeviceDoesNotTake(t *testing.T) {
	d := newFakeM2M()
	d.raw = []v4l2.PixelFormat{v4l2.PixFmtNV12, v4l2.PixFmtYUV420}
	e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.BGR24})
	f := randomFrame(picimage.BGR24, 640, 480, 1)
	if _, err := e.Encode(f); err != nil {
		t.Fatal(err)
	}
	want, err := toI420(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.received[0], want) {
		t.Error("the device did not get the frame converted to I420")
	}
	// And the frame itself was not touched.
	if again := randomFrame(picimage.BGR24, 640, 480, 1); !bytes.Equal(again.Data, f.Data) {
		t.Error("Encode modified the frame")
	}
}

func TestM2MParameterSetsInTheirOwnBuffer(t *testing.T) {
	d := newFakeM2M()
	d.headersApart, d.noRepeat, d.gop = true, true, 3
	e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420})
	for i := range 7 {
		p, err := e.Encode(randomFrame(picimage.I420, 640, 480, uint64(i)))
		if err != nil {
			t.Fatal(err)
		}
		if p.Index != uint64(i) {
			t.Errorf("frame %d: index %d (one packet per frame expected)", i, p.Index)
		}
		wantKey := i%3 == 0
		if p.Keyframe != wantKey || (wantKey && !h264.IsRandomAccess(p.Data)) {
			t.Errorf("frame %d: keyframe %v, decodable on its own %v", i, p.Keyframe, h264.IsRandomAccess(p.Data))
		}
	}
}

func TestM2MJoinThroughGate(t *testing.T) {
	d := newFakeM2M()
	d.noRepeat = true
	e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420})
	hub := fanout.New(fanout.Config{RequestKeyframe: e.RequestKeyframe})
	var client *fanout.Sub
	var first []byte
	for i := range 10 {
		if i == 4 {
			client = hub.Subscribe("client") // the client connects while P-frames flow
		}
		p, err := e.Encode(randomFrame(picimage.I420, 640, 480, uint64(i)))
		if err != nil {
			t.Fatal(err)
		}
		hub.Publish(p) // the stream flows before the client joins
		if i < 4 {
			continue
		}
		if p, ok := client.TryNext(); ok && first == nil {
			first = p.Data
			if i != 4 {
				t.Errorf("the client started at frame %d, want 4 (the one after its keyframe request)", i)
			}
		}
	}
	if !h264.IsRandomAccess(first) {
		t.Error("the first packet through the gate is not an IDR with SPS and PPS")
	}
}

func TestM2MJPEG(t *testing.T) {
	d := newFakeM2M()
	d.coded = []v4l2.PixelFormat{v4l2.PixFmtMJPEG}
	e := newTestM2M(t, d, M2MConfig{Codec: av.JPEG, Width: 640, Height: 480, Input: picimage.YUYV, JPEGQuality: 75})
	if d.capFmt.PixelFormat != v4l2.PixFmtMJPEG || d.set[v4l2.CtrlJPEGCompressionQuality] != 75 {
		t.Errorf("capture format %s, quality %d", d.capFmt.PixelFormat, d.set[v4l2.CtrlJPEGCompressionQuality])
	}
	for i := range 3 {
		p, err := e.Encode(randomFrame(picimage.YUYV, 640, 480, uint64(i)))
		if err != nil {
			t.Fatal(err)
		}
		if p.Codec != av.JPEG || !p.Keyframe || p.Index != uint64(i) || !bytes.HasPrefix(p.Data, []byte{0xff, 0xd8}) {
			t.Errorf("frame %d: %+v", i, p)
		}
		if !bytes.Contains(p.Data, []byte{0xff, 0xc4}) {
			t.Errorf("frame %d: the standard Huffman tables were not added", i)
		}
	}
}

func TestM2MFaults(t *testing.T) {
	d := newFakeM2M()
	// One frame in flight: Encode waits for each frame's bitstream.
	e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 64, Height: 48, Input: picimage.I420, Timeout: 100 * time.Millisecond, Buffers: 1})
	f := randomFrame(picimage.I420, 64, 48, 1)
	good := func(what string) {
		t.Helper()
		p, err := e.Encode(f)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if crc, _ := auCRC(p.Data); crc != crc32.ChecksumIEEE(f.Data) {
			t.Errorf("%s: the packet belongs to another frame", what)
		}
	}

	d.stale = true // a buffer left over from an earlier frame is skipped
	good("with a stale buffer first")
	d.corrupt = true
	if _, err := e.Encode(f); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt buffer: %v", err)
	}
	d.mute = true
	other := randomFrame(picimage.I420, 64, 48, 2)
	if _, err := e.Encode(other); !errors.Is(err, v4l2.ErrTimeout) {
		t.Errorf("mute encoder: %v", err)
	}
	// The late bitstream of the timed-out frame must not be taken for the
	// next frame's.
	d.mute = false
	d.late()
	good("after a timeout")
	if _, err := e.Encode(randomFrame(picimage.I420, 32, 48, 2)); err == nil || !strings.Contains(err.Error(), "set up for 64x48") {
		t.Errorf("wrong size: %v", err)
	}
	if _, err := e.EncodeDMABuf(DMABufFrame{FD: 3, Frame: f}); err == nil {
		t.Error("EncodeDMABuf on a copying encoder succeeded")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(f); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestM2MCloseWakesEncode(t *testing.T) {
	d := newFakeM2M()
	d.mute = true
	e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420, Timeout: time.Minute, Buffers: 1})
	done := make(chan error, 1)
	go func() {
		_, err := e.Encode(randomFrame(picimage.I420, 640, 480, 1))
		done <- err
	}()
	// Close while Encode waits for the bitstream (or before it starts:
	// either way it must return ErrClosed, not wait a minute).
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("Encode during Close: %v", err)
	}
}

func TestM2MDMABuf(t *testing.T) {
	d := newFakeM2M()
	e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.NV12, DMABuf: true})
	f := randomFrame(picimage.NV12, 640, 480, 1)
	if _, err := e.Encode(f); err == nil || !strings.Contains(err.Error(), "EncodeDMABuf") {
		t.Errorf("Encode on a dmabuf encoder: %v", err)
	}
	for i := range 5 {
		p, err := e.EncodeDMABuf(DMABufFrame{FD: 40 + i%3, Length: 1 << 20, BytesUsed: 460800, Frame: f})
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if p.Index != uint64(i) {
			t.Errorf("frame %d: index %d", i, p.Index)
		}
	}
	if len(d.dmabufFDs) != 5 || d.dmabufFDs[4] != 41 {
		t.Errorf("imported fds %v", d.dmabufFDs)
	}
	if len(e.free) != 1 || e.depth != 1 {
		t.Errorf("%d input slots free after each frame was released, %d in flight; want the one slot back", len(e.free), e.depth)
	}
}

func TestM2MSetupErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    M2MConfig
		tweak  func(*fakeM2M)
		expect string
	}{
		{"codec", M2MConfig{Codec: av.Raw, Width: 640, Height: 480, Input: picimage.I420}, nil, "use h264, jpeg or fwht"},
		{"size", M2MConfig{Codec: av.H264, Input: picimage.I420}, nil, "set the width and height"},
		{"input", M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.MJPEG}, nil, "must deliver one of"},
		{"profile name", M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420, Profile: "extreme"}, nil, "use baseline"},
		{"level name", M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420, Level: "7"}, nil, "use one of 1 to 5.1"},
		{"quality", M2MConfig{Codec: av.JPEG, Width: 640, Height: 480, Input: picimage.I420, JPEGQuality: 101}, nil, "1..100"},
		{"no H.264", M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420},
			func(d *fakeM2M) { d.coded = []v4l2.PixelFormat{v4l2.PixFmtFWHT} }, "does not produce h264 (it offers FWHT)"},
		{"no usable input", M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.BGR24},
			func(d *fakeM2M) { d.raw = []v4l2.PixelFormat{v4l2.PixFmtNV12} }, "takes neither BGR24 nor I420"},
		{"no profile control", M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420, Profile: "main"},
			func(d *fakeM2M) { delete(d.ctrls, v4l2.CtrlMPEGVideoH264Profile) }, "has no profile main control"},
		{"width rounded", M2MConfig{Codec: av.H264, Width: 650, Height: 480, Input: picimage.I420},
			func(d *fakeM2M) { d.strideAl = 1 }, ""},
	} {
		d := newFakeM2M()
		if tc.tweak != nil {
			tc.tweak(d)
		}
		_, err := newM2M(d, tc.cfg)
		if tc.expect == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.expect) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.expect)
		}
	}
}

func TestM2MAutoLevel(t *testing.T) {
	d := newFakeM2M()
	newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 1920, Height: 1080, Input: picimage.I420, FPS: 60})
	if v, ok := d.set[v4l2.CtrlMPEGVideoH264Level]; !ok || v != v4l2.H264Level4_2 {
		t.Errorf("1080p60: level %d (set %v), want 4.2", v, ok)
	}
	if d.set[v4l2.CtrlMPEGVideoH264IPeriod] != 60 {
		t.Errorf("I-frame period %d, want 60 (one second)", d.set[v4l2.CtrlMPEGVideoH264IPeriod])
	}
	d = newFakeM2M()
	newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 1920, Height: 1080, Input: picimage.I420, Level: "4.1"})
	if d.set[v4l2.CtrlMPEGVideoH264Level] != v4l2.H264Level4_1 {
		t.Errorf("explicit level: %d", d.set[v4l2.CtrlMPEGVideoH264Level])
	}
}

func TestRawLayout(t *testing.T) {
	if _, err := newRawLayout(picimage.I420, 650, 480, v4l2.PixFormat{Width: 656, Height: 480, BytesPerLine: 704, SizeImage: 704 * 720}); err == nil ||
		!strings.Contains(err.Error(), "takes 656x480") {
		t.Errorf("rounded width: %v", err)
	}
	if _, err := newRawLayout(picimage.I420, 640, 480, v4l2.PixFormat{Width: 640, Height: 480, BytesPerLine: 640, SizeImage: 1000}); err == nil {
		t.Error("too small a buffer accepted")
	}
	l, err := newRawLayout(picimage.YUYV, 4, 2, v4l2.PixFormat{Width: 4, Height: 4})
	if err != nil || l.stride != 8 || l.size != 32 {
		t.Errorf("zero stride and size: %+v, %v", l, err)
	}
	dst := make([]byte, l.size)
	l.fill(dst, []byte("abcdefghijklmnop"))
	if string(dst) != "abcdefghijklmnopijklmnopijklmnop" {
		t.Errorf("fill = %q", dst)
	}
}

func TestToI420(t *testing.T) {
	// Flat colours convert to the textbook limited-range values.
	for _, tc := range []struct {
		bgr     [3]byte
		y, u, v byte
	}{
		{[3]byte{0, 0, 0}, 16, 128, 128},
		{[3]byte{255, 255, 255}, 235, 128, 128},
		{[3]byte{0, 0, 255}, 82, 90, 240},  // red
		{[3]byte{255, 0, 0}, 41, 240, 110}, // blue
	} {
		f := picimage.Frame{Width: 2, Height: 2, Format: picimage.BGR24, Data: bytes.Repeat(tc.bgr[:], 4)}
		got, err := toI420(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != tc.y || got[4] != tc.u || got[5] != tc.v {
			t.Errorf("BGR %v -> Y %d U %d V %d, want %d %d %d", tc.bgr, got[0], got[4], got[5], tc.y, tc.u, tc.v)
		}
	}
	yuyv := picimage.Frame{Width: 2, Height: 2, Format: picimage.YUYV, Data: []byte{10, 100, 20, 200, 30, 110, 40, 210}}
	got, _ := toI420(nil, yuyv)
	if !bytes.Equal(got, []byte{10, 20, 30, 40, 105, 205}) {
		t.Errorf("YUYV -> %v", got)
	}
	nv12 := picimage.Frame{Width: 2, Height: 2, Format: picimage.NV12, Data: []byte{1, 2, 3, 4, 5, 6}}
	if got, _ := toI420(nil, nv12); !bytes.Equal(got, []byte{1, 2, 3, 4, 5, 6}) {
		t.Errorf("NV12 -> %v", got)
	}
	gray := picimage.Frame{Width: 2, Height: 2, Format: picimage.GRAY8, Data: []byte{0, 255, 0, 255}}
	if got, _ := toI420(nil, gray); !bytes.Equal(got, []byte{16, 235, 16, 235, 128, 128}) {
		t.Errorf("GRAY8 -> %v", got)
	}
	if _, err := toI420(nil, picimage.Frame{Width: 3, Height: 2, Format: picimage.GRAY8, Data: make([]byte, 6)}); err == nil {
		t.Error("odd width accepted")
	}
}

func TestFindM2MEncoders(t *testing.T) {
	devs := map[string]*fakeM2M{}
	enc := newFakeM2M()
	jpegOnly := newFakeM2M()
	jpegOnly.coded = []v4l2.PixelFormat{v4l2.PixFmtJPEG}
	decoder := newFakeM2M()
	decoder.coded = []v4l2.PixelFormat{v4l2.PixFmtYUV420} // a decoder's CAPTURE side is raw
	devs["/dev/video10"], devs["/dev/video11"], devs["/dev/video31"] = decoder, enc, jpegOnly
	open := func(p string) (m2mDevice, error) {
		if d, ok := devs[p]; ok {
			return d, nil
		}
		return nil, errors.New("no such device")
	}
	got := findM2MEncoders([]string{"/dev/video0", "/dev/video10", "/dev/video11", "/dev/video31"}, open)
	if len(got) != 2 || got[0].Path != "/dev/video11" || got[1].Path != "/dev/video31" {
		t.Fatalf("found %+v", got)
	}
	if len(got[0].Codecs) != 2 || got[0].Codecs[0] != av.H264 || got[0].Codecs[1] != av.JPEG || !got[0].MPlane {
		t.Errorf("video11: %+v", got[0])
	}
	for _, d := range []*fakeM2M{enc, jpegOnly, decoder} {
		select {
		case <-d.closed:
		default:
			t.Error("a probed device was left open")
		}
	}
}

// The encoder reads the first SPS back and warns when its picture size is
// not the frames' (the fake's SPS says 640x480).
func TestM2MChecksSPS(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want string
	}{{640, 480, "H.264 stream"}, {640, 368, "differs from the frames"}} {
		var logs bytes.Buffer
		d := newFakeM2M()
		e := newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: tc.w, Height: tc.h, Input: picimage.I420,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		for i := range 2 {
			if _, err := e.Encode(randomFrame(picimage.I420, tc.w, tc.h, uint64(i))); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Count(logs.String(), tc.want) != 1 { // once, on the first keyframe
			t.Errorf("%dx%d: log %q", tc.w, tc.h, logs.String())
		}
	}
}

// A default the device cannot take is clamped to its range (vicodec's GOP
// size is 1..16, while picam's default is one second of frames), not refused.
func TestM2MClampsDefaultsToTheDeviceRange(t *testing.T) {
	d := newFakeM2M()
	delete(d.ctrls, v4l2.CtrlMPEGVideoH264IPeriod)
	d.ctrls[v4l2.CtrlMPEGVideoGOPSize] = v4l2.ControlInfo{ID: v4l2.CtrlMPEGVideoGOPSize, Type: v4l2.CtrlTypeInteger, Min: 1, Max: 16, Step: 1}
	newTestM2M(t, d, M2MConfig{Codec: av.H264, Width: 640, Height: 480, Input: picimage.I420, FPS: 25})
	if v, ok := d.set[v4l2.CtrlMPEGVideoGOPSize]; !ok || v != 16 {
		t.Errorf("GOP size %d (set %v), want 16: one second (25) clamped to the device's maximum", v, ok)
	}
}
