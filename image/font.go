package picimage

// A glyph is a 5x7 bitmap: one byte per row, top row first, bit 4 is the
// leftmost pixel. picam draws its own glyphs (rather than using a font
// package) so that ReadCounter can read them back exactly, pixel cell by
// pixel cell.
type glyph [glyphRows]uint8

// Glyph geometry in font units; one unit is drawn as scale x scale pixels.
const (
	glyphCols = 5
	glyphRows = 7
	advanceX  = glyphCols + 1 // one blank column between glyphs
	advanceY  = glyphRows + 1 // one blank row between lines
)

// glyphFor returns the bitmap for one of the characters the overlay uses:
// digits, '#', '-', ':', '.', 'Z' and space. Anything else draws as a space.
func glyphFor(c byte) glyph {
	switch c {
	case '0':
		return glyph{0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110}
	case '1':
		return glyph{0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}
	case '2':
		return glyph{0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111}
	case '3':
		return glyph{0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110}
	case '4':
		return glyph{0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010}
	case '5':
		return glyph{0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110}
	case '6':
		return glyph{0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110}
	case '7':
		return glyph{0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000}
	case '8':
		return glyph{0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110}
	case '9':
		return glyph{0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100}
	case '#':
		return glyph{0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010}
	case '-':
		return glyph{0, 0, 0, 0b11111, 0, 0, 0}
	case ':':
		return glyph{0, 0b01100, 0b01100, 0, 0b01100, 0b01100, 0}
	case '.':
		return glyph{0, 0, 0, 0, 0, 0b01110, 0b01110}
	case 'Z':
		return glyph{0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111}
	default:
		return glyph{}
	}
}

// readableChars are the characters ReadCounter and ReadTimestamp recognise.
const readableChars = "0123456789#-:.Z"

// bits packs a glyph into 35 bits, row-major, for Hamming-distance matching.
func (g glyph) bits() uint64 {
	var v uint64
	for _, r := range g {
		v = v<<glyphCols | uint64(r&0x1f)
	}
	return v
}
