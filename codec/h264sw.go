package codec

import (
	"fmt"
	"sync/atomic"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec/openh264"
	picimage "github.com/picam-project/picam/image"
)

// SoftwareH264Config configures the software H.264 encoder.
type SoftwareH264Config struct {
	// FPS is the frame rate the rate control plans for (default 30).
	FPS float64
	// Bitrate in bits per second; 0 picks about 0.1 bit per pixel per frame.
	Bitrate int
	// IFramePeriod is the number of frames between IDRs; 0 means one
	// second's worth.
	IFramePeriod int
	// Threads is the number of encoder threads (default 1); with more,
	// each picture is cut into as many slices.
	Threads int
}

// h264Software encodes with OpenH264 (codec/openh264).
type h264Software struct {
	cfg    SoftwareH264Config
	enc    *openh264.Encoder
	w, h   int
	i420   []byte
	keyReq atomic.Bool
	out    h264Stream
	closed bool
}

// SoftwareH264Available reports whether this build has a software H.264
// encoder (built with -tags openh264 and cgo).
func SoftwareH264Available() bool { return openh264.Available() }

// NewSoftwareH264 returns an H.264 encoder that runs on the CPU, for
// machines without a hardware encoder (Raspberry Pi 5, laptops). It uses
// OpenH264: constrained baseline profile, one access unit per frame (frame
// skipping off), SPS and PPS before every IDR. Frames of any raw picimage
// format are converted to I420 first; the size is taken from the first
// frame, and a change of size starts a new stream with an IDR.
// RequestKeyframe makes the next frame an IDR.
//
// Builds without the openh264 tag return an error wrapping
// openh264.ErrUnavailable, so callers can fall back.
func NewSoftwareH264(cfg SoftwareH264Config) (Encoder, error) {
	if !openh264.Available() {
		return nil, fmt.Errorf("software H.264: %w", openh264.ErrUnavailable)
	}
	return &h264Software{cfg: cfg}, nil
}

// Encode implements Encoder.
func (e *h264Software) Encode(f picimage.Frame) (av.Packet, error) {
	if e.closed {
		return av.Packet{}, ErrClosed
	}
	if f.Format.Compressed() {
		return av.Packet{}, fmt.Errorf("software H.264 of frame %d: cannot re-encode %s frames; configure the camera for a raw format", f.Seq, f.Format)
	}
	if err := f.Validate(); err != nil {
		return av.Packet{}, fmt.Errorf("software H.264: %w", err)
	}
	force := e.keyReq.Swap(false)
	if e.enc == nil || f.Width != e.w || f.Height != e.h {
		if e.enc != nil {
			e.enc.Close()
			e.out.skip(1) // a new stream: receivers must resync
		}
		enc, err := openh264.NewEncoder(openh264.Config{Width: f.Width, Height: f.Height, FPS: e.cfg.FPS,
			Bitrate: e.cfg.Bitrate, IntraPeriod: e.cfg.IFramePeriod, Threads: e.cfg.Threads})
		if err != nil {
			return av.Packet{}, fmt.Errorf("software H.264 of frame %d: %w", f.Seq, err)
		}
		e.enc, e.w, e.h = enc, f.Width, f.Height
	}
	var err error
	if e.i420, err = toI420(e.i420, f); err != nil {
		return av.Packet{}, fmt.Errorf("software H.264 of frame %d: %w", f.Seq, err)
	}
	au, err := e.enc.Encode(e.i420, force)
	if err != nil {
		return av.Packet{}, fmt.Errorf("software H.264 of frame %d: %w", f.Seq, err)
	}
	return e.out.packet(f, au), nil
}

// RequestKeyframe implements Encoder; safe from any goroutine.
func (e *h264Software) RequestKeyframe() { e.keyReq.Store(true) }

// Codec implements Encoder.
func (e *h264Software) Codec() av.Codec { return av.H264 }

// Close implements Encoder.
func (e *h264Software) Close() error {
	e.closed = true
	if e.enc != nil {
		err := e.enc.Close()
		e.enc = nil
		return err
	}
	return nil
}
