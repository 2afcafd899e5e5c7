package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/picam-project/picam/codec"
	picimage "github.com/picam-project/picam/image"
	"github.com/picam-project/picam/stream/wire"
)

// frameKind is one of the benchmark's frame types.
type frameKind struct {
	Name          string // as printed in the table
	Codec         string // picam-server --codec
	Width, Height int
	// Source is picam-server's --source: "" for the still test card (one frame encoded once),
	// or the moving test pattern posing as a YUV camera, whose every frame is converted to BGR.
	Source string
}

var (
	raw640  = frameKind{Name: "raw 640x480", Codec: "raw", Width: 640, Height: 480}
	jpeg720 = frameKind{Name: "jpeg 1280x720", Codec: "jpeg", Width: 1280, Height: 720}
	// moving640 is raw 640x480 from the moving test pattern in I420 (what rpicam-vid and the
	// Pi's ISP deliver), so each frame is rendered and converted to BGR24 (picimage.ToBGR,
	// once per frame whatever the number of clients) as a camera's frames would be.
	moving640 = frameKind{Name: "moving 640x480", Codec: "raw", Width: 640, Height: 480, Source: "testsrc:I420"}
)

// source is picam-server's --source for frames of kind k.
func (k frameKind) source() string {
	if k.Source == "" {
		return "testcard"
	}
	return k.Source
}

func (k frameKind) resolution() string { return fmt.Sprintf("%dx%d", k.Width, k.Height) }

// payloads holds the bytes every transport sends for each frame kind, made once: the raw
// frame's size, and the JPEG that picam-server --source testcard also sends (frame 0 of the
// test pattern, picam's encoder at quality 90), written to a file for the Python stand-in.
type payloads struct {
	dir      string
	jpegFile string
	size     map[string]int // payload bytes by frame kind name
}

func makePayloads() (*payloads, error) {
	dir, err := os.MkdirTemp("", "picam-bench-")
	if err != nil {
		return nil, fmt.Errorf("temp dir for the JPEG payload: %w", err)
	}
	p := &payloads{dir: dir, size: map[string]int{raw640.Name: raw640.Width * raw640.Height * 3,
		moving640.Name: moving640.Width * moving640.Height * 3}}
	pat, err := picimage.NewTestPattern(jpeg720.Width, jpeg720.Height)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	f := picimage.Frame{Width: jpeg720.Width, Height: jpeg720.Height, Format: picimage.BGR24,
		Data: pat.Render(nil, 0, now), Captured: now, Keyframe: true}
	enc, err := codec.NewJPEG(90)
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	pkt, err := enc.Encode(f)
	if err != nil {
		return nil, fmt.Errorf("encode the JPEG payload: %w", err)
	}
	p.jpegFile = filepath.Join(dir, "frame-1280x720.jpg")
	if err := os.WriteFile(p.jpegFile, pkt.Data, 0o644); err != nil {
		return nil, fmt.Errorf("write the JPEG payload: %w", err)
	}
	p.size[jpeg720.Name] = len(pkt.Data)
	return p, nil
}

func (p *payloads) remove() { os.RemoveAll(p.dir) }

// wirePrefix is the number of bytes picam puts on the wire before a frame's payload: the JSON
// header as stream.Server builds it (with a realistic sequence number and timestamp) and the
// ZMTP frame headers, plus REQ's request id and empty delimiter in pattern 1.
func wirePrefix(k frameKind, pattern int) int {
	h := wire.Header{Pattern: strconv.Itoa(pattern),
		Picam: &wire.Ext{Seq: 123456, TimeUS: time.Now().UnixMicro(), Codec: k.Codec, Keyframe: true}}
	if k.Codec == "jpeg" {
		h.Compression = &wire.Compression{DCT: true, Colorspace: "BGR"}
	} else {
		h.DType = "uint8"
		h.Shape = []int{k.Height, k.Width, 3}
	}
	n := len(wire.AppendHeader(nil, &h)) + 2 + 9 // short header frame, long payload frame
	if pattern == 1 {
		n += 2 + 4 + 2 // request id frame, empty delimiter frame
	}
	return n
}
