package picimage

import (
	"fmt"
	"time"
)

// MinPatternSize is the smallest width and height NewTestPattern accepts.
// Smaller frames cannot show the bars meaningfully, and every hardware and
// software encoder picam uses wants at least one 16x16 macroblock.
const MinPatternSize = 16

// TestPattern renders a synthetic BGR24 picture: colour bars that scroll with
// the frame number over the top two thirds, a grey ramp scrolling the other
// way below them, and a black box in the top-left corner with the frame
// counter ("#00000042") and the capture time in UTC
// ("2006-01-02 15:04:05.000Z") drawn in picam's own 5x7 font.
//
// The scrolling makes every frame differ from the one before, so encoders and
// viewers show motion; the counter lets a person (or ReadCounter) see which
// frame arrived; the timestamp lets them judge latency against a clock.
//
// A TestPattern holds only precomputed rows and is never modified after
// NewTestPattern, so Render may be called from several goroutines at once.
type TestPattern struct {
	width, height int
	barsHeight    int    // rows 0..barsHeight-1 show bars, the rest the ramp
	step          int    // pixels the bars move per frame
	bars          []byte // two bar periods of BGR pixels, 2*width wide
	ramp          []byte // two ramp periods of BGR pixels, 2*width wide
	layout        overlay
}

// barColours are the classic full-intensity bars in BGR order: white,
// yellow, cyan, green, magenta, red, blue, black.
var barColours = [8][3]byte{
	{255, 255, 255}, {0, 255, 255}, {255, 255, 0}, {0, 255, 0},
	{255, 0, 255}, {0, 0, 255}, {255, 0, 0}, {0, 0, 0},
}

// NewTestPattern prepares a pattern of the given size. Both dimensions must be
// even (so every raw and 4:2:0 format can carry the picture) and at least
// MinPatternSize.
func NewTestPattern(width, height int) (*TestPattern, error) {
	if width < MinPatternSize || height < MinPatternSize || width%2 != 0 || height%2 != 0 ||
		width > MaxDimension || height > MaxDimension {
		return nil, fmt.Errorf("picimage: test pattern %dx%d: width and height must be even and between %d and %d, for example 640x480",
			width, height, MinPatternSize, MaxDimension)
	}
	p := &TestPattern{
		width:      width,
		height:     height,
		barsHeight: height * 2 / 3,
		step:       max(1, width/160),
		bars:       make([]byte, 2*3*width),
		ramp:       make([]byte, 2*3*width),
		layout:     overlayLayout(width, height),
	}
	for x := 0; x < 2*width; x++ {
		c := barColours[(x%width)*len(barColours)/width]
		copy(p.bars[3*x:], c[:])
		v := byte((x % width) * 256 / width)
		p.ramp[3*x], p.ramp[3*x+1], p.ramp[3*x+2] = v, v, v
	}
	return p, nil
}

// Width returns the pattern's width in pixels.
func (p *TestPattern) Width() int { return p.width }

// Height returns the pattern's height in pixels.
func (p *TestPattern) Height() int { return p.height }

// Render draws frame seq, stamped with t, as tightly packed BGR24 and returns
// it. It writes into dst when cap(dst) >= width*height*3 and allocates
// otherwise; pass a fresh or recycled buffer, never one a consumer still
// holds.
func (p *TestPattern) Render(dst []byte, seq uint64, t time.Time) []byte {
	stride := 3 * p.width
	out := grow(dst, stride*p.height)
	off := int(seq % uint64(p.width) * uint64(p.step) % uint64(p.width))
	bars := p.bars[3*off : 3*off+stride]
	rampOff := (p.width - off) % p.width
	ramp := p.ramp[3*rampOff : 3*rampOff+stride]
	for y := 0; y < p.barsHeight; y++ {
		copy(out[y*stride:(y+1)*stride], bars)
	}
	for y := p.barsHeight; y < p.height; y++ {
		copy(out[y*stride:(y+1)*stride], ramp)
	}
	p.layout.draw(out, p.width, p.height, seq, t)
	return out
}
