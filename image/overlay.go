package picimage

import "time"

// overlayCols is the width of the text box in glyph slots: enough for the
// 24-character timestamp line and for '#', 20 digits (the largest uint64) and
// a blank slot after them on the counter line.
const overlayCols = 24

// overlay is where the text box and its two lines sit in a frame of a given
// size. ReadCounter recomputes it from the frame size alone, so drawing and
// reading always agree.
type overlay struct {
	scale      int    // pixels per font unit
	boxX, boxY int    // top-left corner of the black box
	boxW, boxH int    // unclipped box size
	textX      int    // left edge of the first glyph slot
	lineY      [2]int // top edge of each line's glyphs
}

// overlayLayout picks the largest font scale (at least 2 where it fits, so
// the digits survive JPEG compression, and about width/200 so they are
// readable at any resolution) for which the box fits the frame's width and
// the top half of its height. Frames too small for scale 1 get a clipped box;
// ReadCounter then reports that it cannot read them.
func overlayLayout(w, h int) overlay {
	boxW := func(s int) int { return (overlayCols*advanceX + 1) * s }
	boxH := func(s int) int { return (2*advanceY + 1) * s }
	s := max(2, w/200)
	for s > 1 && (boxW(s)+4*s > w || boxH(s)+4*s > h/2) {
		s--
	}
	o := overlay{scale: s, boxX: 2 * s, boxY: 2 * s, boxW: boxW(s), boxH: boxH(s)}
	o.textX = o.boxX + s
	o.lineY[0] = o.boxY + s
	o.lineY[1] = o.lineY[0] + advanceY*s
	return o
}

// slotX returns the left edge of glyph slot i.
func (o overlay) slotX(i int) int { return o.textX + i*advanceX*o.scale }

// slotFits reports whether glyph slot i of line l lies entirely inside a
// w x h frame.
func (o overlay) slotFits(w, h, line, i int) bool {
	return o.slotX(i)+glyphCols*o.scale <= w && o.lineY[line]+glyphRows*o.scale <= h
}

// counterText formats seq the way line 0 shows it: '#' and at least 8 digits.
func counterText(buf []byte, seq uint64) []byte {
	var digits [20]byte
	i := len(digits)
	for {
		i--
		digits[i] = byte('0' + seq%10)
		seq /= 10
		if seq == 0 {
			break
		}
	}
	for len(digits)-i < 8 {
		i--
		digits[i] = '0'
	}
	buf = append(buf, '#')
	return append(buf, digits[i:]...)
}

// timestampLayout is line 1's format, always UTC so that frames from a Pi
// and a laptop compare directly; the final 'Z' says so.
const timestampLayout = "2006-01-02 15:04:05.000Z"

// draw paints the box and both text lines into a BGR24 frame.
func (o overlay) draw(out []byte, w, h int, seq uint64, t time.Time) {
	fillRect(out, w, h, o.boxX, o.boxY, o.boxW, o.boxH, 0)
	var buf [32]byte
	o.drawLine(out, w, h, 0, counterText(buf[:0], seq))
	o.drawLine(out, w, h, 1, t.UTC().AppendFormat(buf[:0], timestampLayout))
}

func (o overlay) drawLine(out []byte, w, h, line int, text []byte) {
	s := o.scale
	for i, c := range text {
		g := glyphFor(c)
		x0 := o.slotX(i)
		for r, bits := range g {
			if bits == 0 {
				continue
			}
			for col := 0; col < glyphCols; col++ {
				if bits&(1<<(glyphCols-1-col)) != 0 {
					fillRect(out, w, h, x0+col*s, o.lineY[line]+r*s, s, s, 255)
				}
			}
		}
	}
}

// fillRect sets every byte of the BGR pixels in the rectangle (clipped to
// the frame) to v.
func fillRect(out []byte, w, h, x, y, rw, rh int, v byte) {
	x0, y0 := max(x, 0), max(y, 0)
	x1, y1 := min(x+rw, w), min(y+rh, h)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	for row := y0; row < y1; row++ {
		seg := out[3*(row*w+x0) : 3*(row*w+x1)]
		if v == 0 {
			clear(seg)
			continue
		}
		for i := range seg {
			seg[i] = v
		}
	}
}
