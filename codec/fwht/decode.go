package fwht

import (
	"encoding/binary"
	"errors"
	"fmt"

	picimage "github.com/picam-project/picam/image"
)

// ErrNoReference is returned for an inter-coded frame when the decoder has
// no earlier picture of the same size to add it to: a stream must be joined
// at an I-frame.
var ErrNoReference = errors.New("fwht: inter-coded frame without a reference picture (join the stream at an I-frame)")

// Plane is one component of a decoded picture. Pix holds the picture padded
// to whole 8x8 blocks; the visible part is the top-left Width x Height.
type Plane struct {
	Width, Height int
	Stride        int // bytes per row of Pix (Width rounded up to 8)
	Pix           []byte
}

// At returns the sample at column x, row y.
func (p Plane) At(x, y int) byte { return p.Pix[y*p.Stride+x] }

// Picture is a decoded frame: one plane per component, in the order the
// format stores them (Y, Cb, Cr, alpha; or G, B, R, alpha for RGB input).
type Picture struct {
	Header Header
	Planes []Plane
}

// Decoder decodes a stream of frames. It keeps the last picture, which
// inter-coded frames are added to. Not safe for concurrent use.
type Decoder struct {
	ref *Picture
}

// Reset forgets the reference picture, as when a client reconnects.
func (d *Decoder) Reset() { d.ref = nil }

// Decode decodes one frame. The returned picture is new; it also becomes
// the reference of the next frame.
func (d *Decoder) Decode(frame []byte) (*Picture, error) {
	h, err := ParseHeader(frame)
	if err != nil {
		return nil, err
	}
	payload := frame[HeaderSize:]
	if h.Size > len(payload) {
		return nil, fmt.Errorf("%w: header announces %d payload bytes, %d present", ErrFormat, h.Size, len(payload))
	}
	payload = payload[:h.Size]
	ref := d.ref
	if ref != nil && (ref.Header.Width != h.Width || ref.Header.Height != h.Height || len(ref.Planes) != h.Components() ||
		ref.Header.Flags&(FlagChromaFullWidth|FlagChromaFullHeight) != h.Flags&(FlagChromaFullWidth|FlagChromaFullHeight)) {
		ref = nil // a different picture layout: nothing to predict from
	}
	if !h.IsIntra() && ref == nil {
		return nil, ErrNoReference
	}
	pic := &Picture{Header: h}
	wd, hd := h.ChromaDivs()
	r := reader{b: payload}
	rawFlags := []uint32{FlagLumaRaw, FlagCbRaw, FlagCrRaw, FlagAlphaRaw}
	for i := 0; i < h.Components(); i++ {
		w, ht := h.Width, h.Height
		if i == 1 || i == 2 {
			w, ht = w/wd, ht/hd
		}
		p := Plane{Width: w, Height: ht, Stride: roundUp8(w)}
		p.Pix = make([]byte, p.Stride*roundUp8(ht))
		var refPlane *Plane
		if ref != nil {
			refPlane = &ref.Planes[i]
		}
		if err := r.plane(&p, refPlane, h.Flags&rawFlags[i] != 0); err != nil {
			return nil, fmt.Errorf("plane %d of a %dx%d frame: %w", i, h.Width, h.Height, err)
		}
		pic.Planes = append(pic.Planes, p)
	}
	d.ref = pic
	return pic, nil
}

func roundUp8(v int) int { return (v + 7) &^ 7 }

// Block status bits.
const (
	pFrameBit = 1 << 15
	dupsMask  = 0x1ffe
	allZeros  = 15
)

// The dequantisation shifts of intra and inter blocks.
var (
	quantIntra = [64]uint8{
		2, 2, 2, 2, 2, 2, 2, 2,
		2, 2, 2, 2, 2, 2, 2, 2,
		2, 2, 2, 2, 2, 2, 2, 3,
		2, 2, 2, 2, 2, 2, 3, 6,
		2, 2, 2, 2, 2, 3, 6, 6,
		2, 2, 2, 2, 3, 6, 6, 6,
		2, 2, 2, 3, 6, 6, 6, 6,
		2, 2, 3, 6, 6, 6, 6, 8,
	}
	quantInter = [64]uint8{
		3, 3, 3, 3, 3, 3, 3, 3,
		3, 3, 3, 3, 3, 3, 3, 3,
		3, 3, 3, 3, 3, 3, 3, 3,
		3, 3, 3, 3, 3, 3, 3, 6,
		3, 3, 3, 3, 3, 3, 6, 6,
		3, 3, 3, 3, 3, 6, 6, 9,
		3, 3, 3, 3, 6, 6, 9, 9,
		3, 3, 3, 6, 6, 9, 9, 10,
	}
)

// zigzag[i] is the raster position of the i-th coefficient in scan order.
var zigzag = func() [64]uint8 {
	var z [64]uint8
	i := 0
	for s := 0; s < 15; s++ { // anti-diagonals x+y = s, walked top-right to bottom-left
		for y := max(0, s-7); y <= min(s, 7); y++ {
			z[i] = uint8(y*8 + s - y)
			i++
		}
	}
	return z
}()

// reader walks the payload's 16-bit big-endian words.
type reader struct {
	b   []byte
	pos int // in bytes
}

func (r *reader) word() (uint16, error) {
	if r.pos+2 > len(r.b) {
		return 0, fmt.Errorf("%w: payload ends inside a block", ErrFormat)
	}
	w := binary.BigEndian.Uint16(r.b[r.pos:])
	r.pos += 2
	return w, nil
}

// plane decodes one plane into p (sized by the caller), predicting
// inter-coded blocks from ref.
func (r *reader) plane(p *Plane, ref *Plane, raw bool) error {
	rows := len(p.Pix) / p.Stride
	if raw {
		if len(r.b)-r.pos < len(p.Pix) {
			return fmt.Errorf("%w: uncompressed plane of %d bytes, %d left", ErrFormat, len(p.Pix), len(r.b)-r.pos)
		}
		copy(p.Pix, r.b[r.pos:])
		r.pos += len(p.Pix)
		return nil
	}
	var coeffs, block, repeat [64]int16
	var stat uint16
	copies := 0
	for by := 0; by < rows/8; by++ {
		for bx := 0; bx < p.Stride/8; bx++ {
			if copies > 0 {
				block = repeat
				copies--
			} else {
				var err error
				if stat, err = r.block(&coeffs); err != nil {
					return err
				}
				inter := stat&pFrameBit != 0
				q := &quantIntra
				if inter {
					q = &quantInter
				}
				for i := range coeffs {
					coeffs[i] = int16(int32(coeffs[i]) << q[i])
				}
				inverseWHT(&coeffs, &block, !inter)
				if copies = int(stat&dupsMask) >> 1; copies > 0 {
					repeat = block
				}
			}
			off := by*8*p.Stride + bx*8
			if stat&pFrameBit != 0 {
				if ref == nil {
					return ErrNoReference
				}
				for y := 0; y < 8; y++ {
					for x := 0; x < 8; x++ {
						block[y*8+x] += int16(ref.Pix[off+y*p.Stride+x])
					}
				}
			}
			for y := 0; y < 8; y++ {
				row := p.Pix[off+y*p.Stride : off+y*p.Stride+8]
				for x := range row {
					row[x] = byte(min(max(block[y*8+x], 0), 255))
				}
			}
		}
	}
	return nil
}

// block reads one block's status word and run-length coded coefficients,
// in raster order.
func (r *reader) block(out *[64]int16) (uint16, error) {
	stat, err := r.word()
	if err != nil {
		return 0, err
	}
	var scan [64 + 16]int16
	n := 0
	for n < 64 {
		w, err := r.word()
		if err != nil {
			return 0, err
		}
		run := int(w & 0xf)
		if run == allZeros {
			for ; n < 64; n++ {
				scan[n] = 0
			}
			break
		}
		for k := 0; k < run; k++ {
			scan[n+k] = 0
		}
		scan[n+run] = int16(w) >> 4
		n += run + 1
	}
	for i := range 64 {
		out[zigzag[i]] = scan[i]
	}
	return stat, nil
}

// inverseWHT is the 8x8 inverse Walsh-Hadamard transform in sequency
// order, rows then columns, with the format's 16-bit intermediate values,
// a final division by 64 and, for intra blocks, the offset of 128.
func inverseWHT(in, out *[64]int16, intra bool) {
	var tmp [64]int16
	for i := 0; i < 8; i++ { // rows
		s := butterfly(gather(in, i*8, 1))
		for k := range s {
			tmp[i*8+k] = int16(s[k])
		}
	}
	for i := 0; i < 8; i++ { // columns
		s := butterfly(gather(&tmp, i, 8))
		for k := range s {
			c := int16(s[k]) >> 6
			if intra {
				c += 128
			}
			out[k*8+i] = c
		}
	}
}

// gather reads the 8 values of a row (step 1) or column (step 8) of b.
func gather(b *[64]int16, start, step int) [8]int32 {
	var v [8]int32
	for k := range v {
		v[k] = int32(b[start+k*step])
	}
	return v
}

// butterfly is one 8-point pass of the sequency-ordered transform.
func butterfly(v [8]int32) [8]int32 {
	a0, a1 := v[0]+v[1], v[0]-v[1]
	a2, a3 := v[2]+v[3], v[2]-v[3]
	a4, a5 := v[4]+v[5], v[4]-v[5]
	a6, a7 := v[6]+v[7], v[6]-v[7]
	b0, b1 := a0+a2, a0-a2
	b2, b3 := a1-a3, a1+a3
	b4, b5 := a4+a6, a4-a6
	b6, b7 := a5-a7, a5+a7
	return [8]int32{b0 + b4, b0 - b4, b1 - b5, b1 + b5, b2 + b6, b2 - b6, b3 - b7, b3 + b7}
}

// Frame returns the visible picture as a tightly packed picam frame, so it
// can be shown or converted like camera frames: I420 for 4:2:0 YUV, YUYV
// for 4:2:2 YUV, BGR24 for RGB and GRAY8 for grey. Other layouts (4:4:4
// YUV, HSV) are refused.
func (p *Picture) Frame() (picimage.Frame, error) {
	h := p.Header
	w, ht := h.Width, h.Height
	visible := func(pl Plane) []byte {
		out := make([]byte, 0, pl.Width*pl.Height)
		for y := 0; y < pl.Height; y++ {
			out = append(out, pl.Pix[y*pl.Stride:y*pl.Stride+pl.Width]...)
		}
		return out
	}
	f := picimage.Frame{Width: w, Height: ht, Keyframe: h.IsIntra()}
	wd, hd := h.ChromaDivs()
	switch {
	case len(p.Planes) == 1:
		f.Format, f.Data = picimage.GRAY8, visible(p.Planes[0])
	case h.PixEnc() == PixEncYUV && wd == 2 && hd == 2 && w%2 == 0 && ht%2 == 0:
		f.Format = picimage.I420
		f.Data = append(append(visible(p.Planes[0]), visible(p.Planes[1])...), visible(p.Planes[2])...)
	case h.PixEnc() == PixEncYUV && wd == 2 && hd == 1 && w%2 == 0:
		f.Format = picimage.YUYV
		f.Data = make([]byte, 0, 2*w*ht)
		Y, U, V := p.Planes[0], p.Planes[1], p.Planes[2]
		for y := 0; y < ht; y++ {
			for x := 0; x < w; x += 2 {
				f.Data = append(f.Data, Y.At(x, y), U.At(x/2, y), Y.At(x+1, y), V.At(x/2, y))
			}
		}
	case h.PixEnc() == PixEncRGB && wd == 1 && hd == 1:
		f.Format = picimage.BGR24
		f.Data = make([]byte, 0, 3*w*ht)
		G, B, R := p.Planes[0], p.Planes[1], p.Planes[2]
		for y := 0; y < ht; y++ {
			for x := 0; x < w; x++ {
				f.Data = append(f.Data, B.At(x, y), G.At(x, y), R.At(x, y))
			}
		}
	default:
		return picimage.Frame{}, fmt.Errorf("fwht: no picam pixel format for pixel encoding %d with chroma divided by %d and %d", h.PixEnc(), wd, hd)
	}
	return f, nil
}
