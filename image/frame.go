package picimage

import (
	"fmt"
	"time"
)

// Frame is one picture as a camera source delivers it, before encoding.
//
// Data is owned by the frame: a producer hands out a fresh buffer with every
// frame and never writes to it again, so consumers (encoders, fan-out to many
// clients) may keep or share it without copying. Consumers must not modify it
// either.
type Frame struct {
	// Width and Height are in pixels.
	Width, Height int
	// Format is the layout of Data.
	Format PixelFormat
	// Data holds the pixels (tightly packed, see PixelFormat) or, for a
	// compressed format, one encoded image or access unit.
	Data []byte
	// Seq numbers frames from the source, starting at 0. Gaps mean the
	// source dropped frames.
	Seq uint64
	// Captured is when the source produced the frame; clients use it to
	// measure latency end to end.
	Captured time.Time
	// Keyframe reports that the frame can be decoded without any earlier
	// frame. It is true for every raw and MJPEG frame and for H.264 IDR
	// access units.
	Keyframe bool
}

// Validate checks that a raw frame's Data is exactly as long as its format and
// size require, and that a compressed frame is not empty. Converters call it
// so that a truncated buffer yields an error instead of a panic.
func (f Frame) Validate() error {
	if f.Format.Compressed() {
		if f.Width <= 0 || f.Height <= 0 {
			return fmt.Errorf("picimage: %s frame %d: size %dx%d must be positive", f.Format, f.Seq, f.Width, f.Height)
		}
		if len(f.Data) == 0 {
			return fmt.Errorf("picimage: %s frame %d is empty", f.Format, f.Seq)
		}
		return nil
	}
	want, err := f.Format.FrameSize(f.Width, f.Height)
	if err != nil {
		return fmt.Errorf("frame %d: %w", f.Seq, err)
	}
	if len(f.Data) != want {
		return fmt.Errorf("picimage: %s frame %d (%dx%d) has %d bytes, want %d; is the source's stride or format set up right?",
			f.Format, f.Seq, f.Width, f.Height, len(f.Data), want)
	}
	return nil
}
