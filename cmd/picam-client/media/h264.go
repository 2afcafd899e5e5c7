package media

import (
	"fmt"

	"github.com/picam-project/picam/av/h264"
)

// DecoderCodec is the RFC 6381 codec name of an H.264 stream with this SPS ("avc1.42C01E"),
// which a browser's VideoDecoder needs to pick its decoder.
func DecoderCodec(sps []byte) (string, error) {
	s, err := h264.ParseSPS(sps)
	if err != nil {
		return "", fmt.Errorf("naming the H.264 codec for the browser: %w", err)
	}
	return fmt.Sprintf("avc1.%02X%02X%02X", s.ProfileIDC, s.Constraints, s.LevelIDC), nil
}
