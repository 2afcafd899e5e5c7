package picimage

import (
	"math/bits"
	"strconv"
	"time"
)

// maxGlyphErrors is how many of a glyph's 35 cells may read wrong (JPEG
// ringing, scaling) before the glyph counts as unreadable. The readable
// glyphs differ pairwise in at least 5 cells (checked by a test), so two
// errors can never turn one glyph into another.
const maxGlyphErrors = 2

// ReadCounter reads the frame counter that TestPattern burnt into a tightly
// packed BGR24 frame of size w x h, so an end-to-end test can tell exactly
// which frame a client received, even after JPEG compression at ordinary
// qualities. It returns false when the frame is too small for the counter to
// fit, when data is shorter than w*h*3, or when the box does not hold a
// readable counter (the frame is not a test pattern, or is badly damaged).
func ReadCounter(frameBGR []byte, w, h int) (uint64, bool) {
	r, ok := newGlyphReader(frameBGR, w, h)
	if !ok {
		return 0, false
	}
	if c, ok := r.read(0, 0); !ok || c != '#' {
		return 0, false
	}
	var digits []byte
	for i := 1; ; i++ {
		c, ok := r.read(0, i)
		if !ok {
			return 0, false // ran off the frame before the blank slot
		}
		if c == ' ' {
			break
		}
		if c < '0' || c > '9' || len(digits) == 20 {
			return 0, false
		}
		digits = append(digits, c)
	}
	n, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil || len(digits) == 0 {
		return 0, false
	}
	return n, true
}

// ReadTimestamp reads the capture time (UTC, millisecond precision) that
// TestPattern burnt into a BGR24 frame, so a client can estimate latency from
// the picture alone. It returns false under the same conditions as
// ReadCounter.
func ReadTimestamp(frameBGR []byte, w, h int) (time.Time, bool) {
	r, ok := newGlyphReader(frameBGR, w, h)
	if !ok {
		return time.Time{}, false
	}
	text := make([]byte, len(timestampLayout))
	for i := range text {
		c, ok := r.read(1, i)
		if !ok {
			return time.Time{}, false
		}
		text[i] = c
	}
	t, err := time.Parse(timestampLayout, string(text))
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// glyphReader samples the centre of each font cell in a frame's text box.
type glyphReader struct {
	frame []byte
	w, h  int
	o     overlay
}

func newGlyphReader(frame []byte, w, h int) (glyphReader, bool) {
	if w <= 0 || h <= 0 || len(frame) < 3*w*h {
		return glyphReader{}, false
	}
	return glyphReader{frame: frame, w: w, h: h, o: overlayLayout(w, h)}, true
}

// read returns the character in slot i of line l: ' ' for an empty slot, or
// false when the slot lies outside the frame or matches no glyph.
func (r glyphReader) read(line, i int) (byte, bool) {
	if !r.o.slotFits(r.w, r.h, line, i) {
		return 0, false
	}
	s := r.o.scale
	x0, y0 := r.o.slotX(i), r.o.lineY[line]
	var seen uint64
	for row := 0; row < glyphRows; row++ {
		for col := 0; col < glyphCols; col++ {
			x, y := x0+col*s+s/2, y0+row*s+s/2
			p := r.frame[3*(y*r.w+x):]
			luma := (int(p[0]) + 2*int(p[1]) + int(p[2])) / 4
			seen <<= 1
			if luma >= 128 {
				seen |= 1
			}
		}
	}
	if bits.OnesCount64(seen) <= maxGlyphErrors {
		return ' ', true
	}
	for j := 0; j < len(readableChars); j++ {
		c := readableChars[j]
		if bits.OnesCount64(seen^glyphFor(c).bits()) <= maxGlyphErrors {
			return c, true
		}
	}
	return 0, false
}
