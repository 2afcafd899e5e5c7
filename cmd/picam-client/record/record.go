// Package record writes what picam-client receives to files and pipes: Motion-JPEG (JPEG
// images back to back), raw H.264 (Annex-B, as players read it from a pipe) and fragmented MP4.
//
// Every format here survives being cut off. The elementary streams are written one whole frame
// at a time, and the MP4 is fragmented (an init segment, then a self-contained fragment about
// every second), so a recording stopped by Ctrl-C, a crash or a power cut plays up to its last
// complete fragment without any repair step.
package record

import (
	"errors"
	"fmt"
	"github.com/picam-project/picam/av"
	"os"
	"path/filepath"
	"strings"

	"github.com/picam-project/picam/cmd/picam-client/media"
)

// Writer takes one camera's packets, in order.
type Writer interface {
	// Write appends a packet. Packets before the first keyframe are skipped (a file must
	// start where a decoder can). It fails with ErrCodec when the packet's codec cannot go
	// in this format, and with the I/O error when writing fails.
	Write(p *media.Packet) error
	// Frames is the number of frames written so far.
	Frames() uint64
	// Close finishes the output (the last MP4 fragment) and closes the file it opened.
	Close() error
}

// ErrCodec means a stream's codec does not fit the output format, or changed mid-stream.
var ErrCodec = errors.New("codec does not fit the output")

// Format is an output container.
type Format string

// The formats, named by the file extensions that select them.
const (
	MJPEG  Format = "mjpeg" // JPEG images back to back (.mjpeg, .mjpg)
	AnnexB Format = "h264"  // raw H.264 access units with start codes (.h264, .264)
	MP4    Format = "mp4"   // fragmented MP4 with H.264 or Motion-JPEG inside (.mp4)
)

// FormatOf picks the format from a file name's extension.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".mjpeg", ".mjpg":
		return MJPEG, nil
	case ".h264", ".264":
		return AnnexB, nil
	case ".mp4", ".m4v":
		return MP4, nil
	}
	return "", fmt.Errorf("cannot tell the recording format of %q: name it .mp4 (fragmented MP4, H.264 or Motion-JPEG), .mjpeg (JPEG frames) or .h264 (raw H.264)", path)
}

// Accepts reports whether a stream of codec can be written in format f.
func (f Format) Accepts(codec av.Codec) bool {
	switch f {
	case MJPEG:
		return codec == av.JPEG
	case AnnexB:
		return codec == av.H264
	case MP4:
		return codec == av.JPEG || codec == av.H264
	}
	return false
}

// Create creates the file (truncating an old one) and returns a writer for its extension's
// format. The file is created at once, so a bad path fails before any frame arrives.
func Create(path string) (Writer, error) {
	f, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the recording: %w", err)
	}
	switch f {
	case MP4:
		return NewFMP4(file), nil
	default:
		return newElementary(file, f, file), nil
	}
}

func codecMismatch(f Format, codec av.Codec) error {
	hint := ""
	switch {
	case codec == av.H264:
		hint = ": the camera sends H.264; record to .mp4 or .h264"
	case codec == av.JPEG:
		hint = ": the camera sends JPEG; record to .mp4 or .mjpeg"
	}
	return fmt.Errorf("%w: %s stream into a %s output%s", ErrCodec, codec, f, hint)
}
