package gortmplib

import "github.com/bluenviron/gortmplib/pkg/codecs"

// Track is a track.
type Track struct {
	Codec codecs.Codec
}
