package camera

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"testing"
	"time"

	"github.com/picam-project/picam/av/h264"
)

// splitAll feeds data to a splitter in pieces of chunk bytes (0: all at
// once) and returns the frames, with the piece number each began in.
func splitAll(t *testing.T, sp splitter, data []byte, chunk int) (frames [][]byte, arrived []int) {
	t.Helper()
	base := time.Unix(0, 0)
	emit := func(f []byte, at time.Time) {
		frames = append(frames, f)
		arrived = append(arrived, int(at.Sub(base)))
	}
	if chunk <= 0 {
		chunk = len(data)
	}
	for i, n := 0, 0; i < len(data); i, n = i+chunk, n+1 {
		end := min(i+chunk, len(data))
		if err := sp.write(data[i:end], base.Add(time.Duration(n)), emit); err != nil {
			t.Fatalf("write at %d: %v", i, err)
		}
	}
	sp.end(emit)
	return frames, arrived
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJPEGSplitter(t *testing.T) {
	data := readTestdata(t, "stream.mjpeg")
	whole, _ := splitAll(t, &jpegSplitter{}, data, 0)
	if len(whole) != 8 {
		t.Fatalf("%d images, want 8", len(whole))
	}
	if !bytes.Equal(bytes.Join(whole, nil), data) {
		t.Error("the images do not add up to the stream")
	}
	for i, f := range whole {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(f))
		if err != nil || cfg.Width != 64 || cfg.Height != 48 {
			t.Errorf("image %d: %+v, %v", i, cfg, err)
		}
	}
	for _, chunk := range []int{1, 2, 3, 7, 100, 4096} {
		got, arrived := splitAll(t, &jpegSplitter{}, data, chunk)
		if len(got) != len(whole) {
			t.Fatalf("chunk %d: %d images", chunk, len(got))
		}
		for i := range got {
			if !bytes.Equal(got[i], whole[i]) {
				t.Errorf("chunk %d: image %d differs", chunk, i)
			}
		}
		// Each image is stamped with the read its first byte came in.
		start := 0
		for i := range got {
			if want := start / chunk; arrived[i] != want {
				t.Errorf("chunk %d: image %d stamped with read %d, want %d", chunk, i, arrived[i], want)
			}
			start += len(got[i])
		}
	}
}

func TestJPEGSplitterThumbnailAndGarbage(t *testing.T) {
	enc := func(w, h int) []byte {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	thumb := enc(8, 8)
	main := enc(32, 16)
	// An EXIF-style APP1 segment carrying a whole JPEG (with its own SOI
	// and EOI) right after the main image's SOI.
	app1 := append([]byte{0xFF, 0xE1, byte((len(thumb) + 2) >> 8), byte(len(thumb) + 2)}, thumb...)
	withThumb := append(append(append([]byte{}, main[:2]...), app1...), main[2:]...)
	stream := append(append(append([]byte("garbage\xff"), withThumb...), "\x00\x00junk"...), main...)
	stream = append(stream, main[:len(main)/2]...) // cut off by the helper's exit
	for _, chunk := range []int{0, 1, 5} {
		got, _ := splitAll(t, &jpegSplitter{}, stream, chunk)
		if len(got) != 2 || !bytes.Equal(got[0], withThumb) || !bytes.Equal(got[1], main) {
			t.Fatalf("chunk %d: %d images (%d, ...) want the image with its thumbnail, then the plain one", chunk, len(got), len(got[0]))
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(got[0]))
		if err != nil || cfg.Width != 32 {
			t.Errorf("chunk %d: first image %+v %v (the thumbnail ended it early?)", chunk, cfg, err)
		}
	}
}

func TestJPEGSplitterResynchronises(t *testing.T) {
	good := readTestdata(t, "stream.mjpeg")
	first, _ := splitAll(t, &jpegSplitter{}, good, 0)
	// A broken image (a marker position holding something else), then a
	// good one: the good one must still come out.
	bad := append([]byte{0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00, 0x12, 0x34}, first[0]...)
	sp := &jpegSplitter{}
	var got [][]byte
	emit := func(f []byte, _ time.Time) { got = append(got, f) }
	err := sp.write(bad, time.Now(), emit)
	if err == nil {
		t.Error("no error for a broken image")
	}
	if err := sp.write(nil, time.Now(), emit); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !bytes.Equal(got[0], first[0]) {
		t.Errorf("after a broken image: %d images", len(got))
	}
}

func TestAnnexBSplitter(t *testing.T) {
	for _, name := range []string{"stream.h264", "stream-aud.h264", "stream-slices.h264"} {
		data := readTestdata(t, name)
		whole, _ := splitAll(t, &annexBSplitter{}, data, 0)
		if len(whole) != 8 {
			t.Fatalf("%s: %d access units, want 8", name, len(whole))
		}
		for i, au := range whole {
			info := h264.Inspect(au)
			idr := i%4 == 0 // ffmpeg -g 4
			if info.IDR != idr || h264.IsIDR(au) != idr {
				t.Errorf("%s: unit %d IDR %v, want %v", name, i, info.IDR, idr)
			}
			if idr && !h264.IsRandomAccess(au) {
				t.Errorf("%s: IDR unit %d lacks SPS/PPS in front", name, i)
			}
			if name == "stream-aud.h264" && !info.AUD {
				t.Errorf("%s: unit %d does not start with its delimiter", name, i)
			}
			slices := 0
			for nal := range h264.NALUnits(au) {
				if h264.TypeOf(nal).IsSlice() {
					slices++
				}
			}
			want := 1
			if name == "stream-slices.h264" {
				want = 2
			}
			if slices != want {
				t.Errorf("%s: unit %d has %d slices, want %d", name, i, slices, want)
			}
		}
		if sps := h264.Split(whole[0])[0]; h264.TypeOf(sps) == h264.NALSPS {
			if s, err := h264.ParseSPS(sps); err != nil || s.Width != 64 || s.Height != 48 {
				t.Errorf("%s: SPS %+v %v", name, s, err)
			}
		}
		// Same units whatever the read sizes.
		for _, chunk := range []int{1, 2, 3, 5, 64, 1000} {
			got, _ := splitAll(t, &annexBSplitter{}, data, chunk)
			if len(got) != len(whole) {
				t.Fatalf("%s chunk %d: %d units", name, chunk, len(got))
			}
			for i := range got {
				if !bytes.Equal(got[i], whole[i]) {
					t.Errorf("%s chunk %d: unit %d differs", name, chunk, i)
				}
			}
		}
	}
}

// A unit is emitted as soon as the next one starts, not when the next one
// is complete, and is stamped with the read its first NAL began in.
func TestAnnexBSplitterLatency(t *testing.T) {
	data := readTestdata(t, "stream.h264")
	units, _ := splitAll(t, &annexBSplitter{}, data, 0)
	sp := &annexBSplitter{}
	var got []int
	emit := func(_ []byte, at time.Time) { got = append(got, int(at.Unix())) }
	for i, u := range units {
		if err := sp.write(u, time.Unix(int64(i), 0), emit); err != nil {
			t.Fatal(err)
		}
		// After unit i is written (one read per picture, as rpicam-vid
		// --flush writes them), unit i-1 must be out.
		if len(got) != i {
			t.Fatalf("after writing unit %d, %d units emitted, want %d", i, len(got), i)
		}
	}
	sp.end(emit)
	for i, at := range got {
		if at != i {
			t.Errorf("unit %d stamped with read %d", i, at)
		}
	}
}

func TestIndexStartCode(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		from int
		want int
	}{
		{[]byte{0, 0, 1}, 0, 0},
		{[]byte{0, 0, 0, 1}, 0, 1},
		{[]byte{5, 0, 0, 1, 0, 0, 1}, 2, 4},
		{[]byte{0, 0, 2, 0, 0, 1}, 0, 3},
		{[]byte{0xff, 0xff, 0, 0}, 0, -1},
		{[]byte{0, 1, 0, 0, 1}, 0, 2},
	} {
		if got := indexStartCode(tc.b, tc.from); got != tc.want {
			t.Errorf("indexStartCode(%v, %d) = %d, want %d", tc.b, tc.from, got, tc.want)
		}
	}
}

// nalUnits cuts an Annex-B access unit at its start codes.
func nalUnits(au []byte) [][]byte {
	var out [][]byte
	i := indexStartCode(au, 0)
	for i >= 0 {
		j := indexStartCode(au, i+3)
		end := j
		if j < 0 {
			end = len(au)
		}
		out = append(out, bytes.TrimRight(au[i+3:end], "\x00"))
		i = j
	}
	return out
}

// FuzzSplitters: whatever the bytes and however the pipe chunks them, each splitter emits the
// same frames as from one write, each a piece of the input in order without overlap; JPEG frames
// run from SOI (FF D8) to EOI (FF D9) and H.264 access units begin with a start code.
func FuzzSplitters(f *testing.F) {
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xD9, 0, 0, 1, 0x65, 0x88}, 3)
	f.Add([]byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 4, 0, 0, 0, 1, 0x41, 5, 0, 0, 1, 0x41}, 2)
	f.Add([]byte{1, 0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0xFF, 0xD9, 0xFF, 0xD9, 0xFF, 0xD8, 7, 0xFF, 0xD9, 9}, 1)
	f.Fuzz(func(t *testing.T, data []byte, chunk int) {
		chunk = chunk%17 + 1
		if chunk < 1 {
			chunk = 1
		}
		split := func(sp splitter, step int) [][]byte {
			var frames [][]byte
			emit := func(fr []byte, _ time.Time) { frames = append(frames, append([]byte(nil), fr...)) }
			for i := 0; i < len(data); i += step {
				_ = sp.write(data[i:min(i+step, len(data))], time.Time{}, emit)
			}
			sp.end(emit)
			return frames
		}
		for _, c := range []struct {
			name string
			new  func() splitter
			ok   func([]byte) bool
		}{
			{"jpeg", func() splitter { return &jpegSplitter{} }, func(fr []byte) bool {
				return bytes.HasPrefix(fr, []byte{0xFF, 0xD8}) && bytes.HasSuffix(fr, []byte{0xFF, 0xD9})
			}},
			{"annexb", func() splitter { return &annexBSplitter{} }, func(fr []byte) bool {
				return bytes.HasPrefix(fr, []byte{0, 0, 1}) || bytes.HasPrefix(fr, []byte{0, 0, 0, 1})
			}},
		} {
			frames := split(c.new(), chunk)
			whole := split(c.new(), max(len(data), 1))
			if len(frames) != len(whole) {
				t.Fatalf("%s: %d frames in chunks of %d, %d from one write", c.name, len(frames), chunk, len(whole))
			}
			at := 0
			for i, fr := range frames {
				if !bytes.Equal(fr, whole[i]) {
					t.Fatalf("%s: frame %d differs between chunks of %d and one write:\n%x\n%x", c.name, i, chunk, fr, whole[i])
				}
				if !c.ok(fr) {
					t.Fatalf("%s: frame %d is not a whole frame: %x", c.name, i, fr)
				}
				// A JPEG frame is a piece of the input; an access unit is its NAL units,
				// each a piece (the splitter rewrites the start codes between them).
				pieces := [][]byte{fr}
				if c.name == "annexb" {
					pieces = nalUnits(fr)
				}
				for _, pc := range pieces {
					j := bytes.Index(data[at:], pc)
					if j < 0 {
						t.Fatalf("%s: frame %d has %x, not a piece of the input after offset %d: %x", c.name, i, pc, at, fr)
					}
					at += j + len(pc)
				}
			}
		}
	})
}
