package record

import (
	"fmt"
	"github.com/picam-project/picam/av"
	"io"

	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/cmd/picam-client/media"
)

// NewElementary returns a writer of the bare stream to w, with no container: JPEG images back
// to back for a JPEG camera, Annex-B access units for an H.264 one (starting at the first
// keyframe, with its parameter sets in front). The first packet decides. This is what players
// read from a pipe (ffplay -f mjpeg -, ffplay -f h264 -). Close does not close w.
func NewElementary(w io.Writer) Writer {
	return newElementary(w, "", nil)
}

type elementary struct {
	w      io.Writer
	format Format // "" until the first packet when the caller left it open
	closer io.Closer
	params h264.ParamSets
	begun  bool
	frames uint64
}

func newElementary(w io.Writer, f Format, c io.Closer) *elementary {
	return &elementary{w: w, format: f, closer: c}
}

func (e *elementary) Write(p *media.Packet) error {
	if e.format == "" {
		switch p.Codec {
		case av.JPEG:
			e.format = MJPEG
		case av.H264:
			e.format = AnnexB
		}
	}
	if !e.format.Accepts(p.Codec) {
		return codecMismatch(e.format, p.Codec)
	}
	data := p.Data
	if p.Codec == av.H264 {
		e.params.Observe(data)
		if !e.begun {
			data = e.params.Complete(data)
			if !h264.IsRandomAccess(data) {
				return nil // a decoder could not start here
			}
		}
	}
	if _, err := e.w.Write(data); err != nil {
		return fmt.Errorf("writing frame %d: %w", p.Seq, err)
	}
	e.begun = true
	e.frames++
	return nil
}

func (e *elementary) Frames() uint64 { return e.frames }

func (e *elementary) Close() error {
	if e.closer == nil {
		return nil
	}
	if err := e.closer.Close(); err != nil {
		return fmt.Errorf("closing the recording: %w", err)
	}
	return nil
}
