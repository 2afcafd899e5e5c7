package rtsp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/codec"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/internal/testkit"
)

// This file holds the tests' video: real encoded streams (H.264 from the Debian ffmpeg's
// libx264, JPEG from picam's own encoder) played in a loop by a broadcaster that hands them
// out the way picam's fan-out does.

// needTool fails the test (never skips it) when a program the test runs is missing.
func needTool(t testing.TB, name, debPackage string) string {
	t.Helper()
	return testkit.NeedTool(t, name, debPackage)
}

// source is a loop of packets and the MD5s of their decoded pictures (as ffmpeg's framemd5
// prints them), so a client's decoded frames can be checked against the original.
type source struct {
	packets []av.Packet
	md5s    map[string]bool
}

var (
	sourceMu    sync.Mutex
	sourceCache = map[string]*source{}
)

// h264Source returns frames 320x240 frames of ffmpeg's testsrc as H.264 (no B-frames, an IDR
// with SPS and PPS every keyint frames), one access unit per packet.
func h264Source(t testing.TB, frames, keyint int) *source {
	t.Helper()
	key := fmt.Sprintf("h264-%d-%d", frames, keyint)
	sourceMu.Lock()
	defer sourceMu.Unlock()
	if s := sourceCache[key]; s != nil {
		return s
	}
	ffmpeg := needTool(t, "ffmpeg", "ffmpeg")
	file := filepath.Join(t.TempDir(), "src.h264")
	out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30",
		"-frames:v", fmt.Sprint(frames), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
		"-bf", "0", "-g", fmt.Sprint(keyint), "-pix_fmt", "yuv420p",
		"-x264-params", "aud=1:repeat-headers=1:scenecut=0", "-f", "h264", file).CombinedOutput()
	if err != nil {
		t.Fatalf("encoding the H.264 test stream: %v\n%s", err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// Access units start at access unit delimiters (aud=1).
	var aus [][]byte
	var cur []byte
	for nal := range h264.NALUnits(data) {
		if h264.TypeOf(nal) == h264.NALAUD && len(cur) > 0 {
			aus, cur = append(aus, cur), nil
		}
		cur = h264.AppendNAL(cur, nal)
	}
	aus = append(aus, cur)
	if len(aus) != frames {
		t.Fatalf("split %d access units from %d frames", len(aus), frames)
	}
	s := &source{md5s: frameMD5s(t, "h264", file)}
	var sps, pps []byte
	for i, au := range aus {
		for nal := range h264.NALUnits(au) {
			switch h264.TypeOf(nal) {
			case h264.NALSPS:
				sps = nal
			case h264.NALPPS:
				pps = nal
			}
		}
		s.packets = append(s.packets, av.Packet{Codec: av.H264, Data: au, Width: 320, Height: 240,
			Keyframe: h264.IsIDR(au), SPS: sps, PPS: pps, Index: uint64(i)})
	}
	if !s.packets[0].Keyframe || s.packets[0].SPS == nil {
		t.Fatal("the test stream does not start with an IDR and SPS")
	}
	sourceCache[key] = s
	return s
}

// jpegSource returns frames 320x240 JPEGs from picam's encoder, cut into two stripes joined
// with restart markers (as picam sends them on a multi-core Pi).
func jpegSource(t testing.TB, frames int) *source {
	t.Helper()
	key := fmt.Sprintf("jpeg-%d", frames)
	sourceMu.Lock()
	defer sourceMu.Unlock()
	if s := sourceCache[key]; s != nil {
		return s
	}
	enc, err := codec.NewJPEGWith(codec.JPEGConfig{Quality: 80, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	const w, h = 320, 240
	var all []byte
	s := &source{}
	for i := range frames {
		px := make([]byte, w*h*3)
		for y := range h {
			for x := range w {
				o := (y*w + x) * 3
				px[o], px[o+1], px[o+2] = byte(x+4*i), byte(y+2*i), byte((x^y)+i)
			}
		}
		p, err := enc.Encode(picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: px, Seq: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Data...)
		s.packets = append(s.packets, av.Packet{Codec: av.JPEG, Data: p.Data, Width: w, Height: h, Keyframe: true, Index: uint64(i)})
	}
	file := filepath.Join(t.TempDir(), "src.mjpeg")
	if err := os.WriteFile(file, all, 0o644); err != nil {
		t.Fatal(err)
	}
	s.md5s = frameMD5s(t, "mjpeg", file)
	sourceCache[key] = s
	return s
}

// frameMD5s decodes a file with ffmpeg and returns the MD5s of its pictures.
func frameMD5s(t testing.TB, format, file string) map[string]bool {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", format, "-i", file, "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("decoding %s: %v", file, err)
	}
	m := map[string]bool{}
	for _, md5 := range parseFrameMD5(out) {
		m[md5] = true
	}
	return m
}

// parseFrameMD5 returns the hash column of ffmpeg's framemd5 output, one per frame.
func parseFrameMD5(out []byte) []string {
	var hashes []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		f := strings.Split(line, ",")
		hashes = append(hashes, strings.TrimSpace(f[len(f)-1]))
	}
	return hashes
}

// broadcaster plays a source in a loop at fps and hands every packet to its subscribers the
// way picam's fan-out does: each subscriber has a one-packet mailbox that keeps the newest
// packet; it starts at a keyframe, and after a packet of an inter-coded stream was replaced
// unread, it waits for the next keyframe.
type broadcaster struct {
	mu   sync.Mutex
	subs map[*testFeed]bool
	// subscribed counts Subscribe calls; lastSubscribe is the time of the last one.
	subscribed    int
	lastSubscribe time.Time
	// onSubscribe, when set, runs on every Subscribe (an encoder's RequestKeyframe).
	onSubscribe func()
	// published holds the capture time of every packet published.
	published []time.Time
	// all holds every feed ever subscribed.
	all []*testFeed
}

type testFeed struct {
	name string
	// lost counts packets this feed's consumer never got after its first: replaced unread
	// in the mailbox, or skipped while waiting for the next keyframe.
	lost            atomic.Int64
	b               *broadcaster
	mbox            chan av.Packet
	synced, started bool // under b.mu
	done            chan struct{}
	once            sync.Once
}

func newBroadcaster() *broadcaster { return &broadcaster{subs: map[*testFeed]bool{}} }

// Subscribe is the rtsp.Config.Subscribe of the tests.
func (b *broadcaster) Subscribe(name string) Feed {
	f := &testFeed{name: name, b: b, mbox: make(chan av.Packet, 1), done: make(chan struct{})}
	b.mu.Lock()
	b.subs[f] = true
	b.all = append(b.all, f)
	b.subscribed++
	b.lastSubscribe = time.Now()
	hook := b.onSubscribe
	b.mu.Unlock()
	if hook != nil {
		hook()
	}
	return f
}

func (b *broadcaster) feeds() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

func (b *broadcaster) publish(p av.Packet) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.published = append(b.published, p.Captured)
	for f := range b.subs {
		if !f.synced && !p.Keyframe {
			if f.started {
				f.lost.Add(1)
			}
			continue
		}
		f.started = true
		select {
		case f.mbox <- p:
			f.synced = true
			continue
		default:
		}
		// The mailbox is full: the unread packet is replaced, and an inter-coded stream
		// must restart at a keyframe.
		select {
		case <-f.mbox:
			f.lost.Add(1)
		default:
		}
		f.synced = p.Keyframe || !p.Codec.InterCoded()
		if f.synced {
			f.mbox <- p
		}
	}
}

// run plays packets in a loop at fps until ctx ends, stamping capture times and indexes.
func (b *broadcaster) run(ctx context.Context, packets []av.Packet, fps int) {
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	for i := 0; ; i++ {
		p := packets[i%len(packets)]
		p.Captured, p.Seq, p.Index = time.Now(), uint64(i), uint64(i)
		b.publish(p)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (f *testFeed) Next(ctx context.Context) (av.Packet, error) {
	select {
	case p := <-f.mbox:
		return p, nil
	case <-f.done:
		return av.Packet{}, errors.New("feed closed")
	case <-ctx.Done():
		return av.Packet{}, ctx.Err()
	}
}

func (f *testFeed) Close() {
	f.once.Do(func() {
		close(f.done)
		f.b.mu.Lock()
		delete(f.b.subs, f)
		f.b.mu.Unlock()
	})
}

// testServer is a server on a loopback port playing a source.
type testServer struct {
	*Server
	b   *broadcaster
	url string
	ln  net.Listener
}

// startServer serves src at fps on 127.0.0.1 until the test ends; cfg.Subscribe is filled in.
// opts change the server before it serves.
func startServer(t testing.TB, cfg Config, src *source, fps int, opts ...func(*Server)) *testServer {
	t.Helper()
	b := newBroadcaster()
	cfg.Subscribe = b.Subscribe
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.Serve(ctx, ln); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	if src != nil {
		wg.Go(func() { b.run(ctx, src.packets, fps) })
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if n := b.feeds(); n != 0 {
			t.Errorf("%d feeds still open after Serve returned", n)
		}
	})
	path := cfg.Path
	if path == "" {
		path = "/cam"
	}
	return &testServer{Server: s, b: b, url: "rtsp://" + ln.Addr().String() + path, ln: ln}
}
