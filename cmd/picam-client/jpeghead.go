package main

import (
	"bytes"
	"image"
	"image/jpeg"
)

// jpegConfig is jpeg.DecodeConfig for a stream of JPEG frames, without its cost per frame.
// DecodeConfig allocates a whole decoder (tens of KB, zeroed) for every call, which profiled at
// about 7 % of picam-client's CPU on 50 KB 720p frames. DecodeConfig interprets the bytes from
// SOI up to the start-of-scan header at most, and the frames of one encoder repeat those bytes
// (tables and frame header) exactly, so a frame whose header is byte-for-byte the previous good
// one's has the same result.
type jpegConfig struct {
	head []byte // the last good frame's bytes up to and including the SOS length
	cfg  image.Config
}

// decode returns what jpeg.DecodeConfig(p) returns.
func (c *jpegConfig) decode(p []byte) (image.Config, error) {
	n := jpegHeadLen(p)
	if n > 0 && c.head != nil && bytes.Equal(p[:n], c.head) {
		return c.cfg, nil
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(p))
	if err != nil || n <= 0 {
		c.head = nil
		return cfg, err
	}
	c.head = append(c.head[:0], p[:n]...)
	c.cfg = cfg
	return cfg, nil
}

// jpegHeadLen returns the length of p's marker segments from SOI through the SOS marker and its
// length field, the most jpeg.DecodeConfig reads, or 0 when p is not a plain sequence of
// length-prefixed segments (fill bytes, stray data, a short header): those go to
// DecodeConfig uncached.
func jpegHeadLen(p []byte) int {
	if len(p) < 4 || p[0] != 0xFF || p[1] != 0xD8 {
		return 0
	}
	i := 2
	for i+4 <= len(p) {
		if p[i] != 0xFF {
			return 0
		}
		m := p[i+1]
		if m == 0xFF || m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8) {
			return 0 // fill bytes or a standalone marker: leave it to DecodeConfig
		}
		size := int(p[i+2])<<8 | int(p[i+3])
		if m == 0xDA { // SOS
			return i + 4
		}
		if size < 2 {
			return 0
		}
		i += 2 + size
	}
	return 0
}
