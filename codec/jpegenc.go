package codec

import (
	"math"
	"math/bits"
	"sync"
)

// This file is picam's own baseline JPEG encoder for 4:2:0 YCbCr planes.
// It writes the same kind of file as image/jpeg (SOI, DQT, SOF0, DHT with
// the standard Huffman tables of ITU-T T.81 Annex K.3, one interleaved
// scan, EOI; quality scaled as libjpeg and image/jpeg scale it), about
// twice as fast, because per-frame cost is what limits a Pi without a
// hardware encoder:
//
//   - the forward DCT is the floating-point AAN factorisation (5
//     multiplications per 8-point pass) with its output scaling folded into
//     the quantisation, which becomes one multiplication per coefficient by
//     a precomputed reciprocal instead of an integer division;
//   - each Huffman code and its value bits go out in one write to a 64-bit
//     bit buffer, flushed 32 bits at a time, with the 0xFF byte stuffing
//     checked for four bytes at once;
//   - 8x8 blocks are read straight from the planes, with edge clamping only
//     in the last row and column of macroblocks.

// zigzag[i] is the natural (row-major) index of the i-th coefficient in
// the JPEG zig-zag scan.
var zigzag = func() [64]uint8 {
	var z [64]uint8
	i := 0
	for s := 0; s < 15; s++ {
		// Anti-diagonal x+y = s, walked alternately up and down.
		lo, hi := max(0, s-7), min(s, 7)
		for k := lo; k <= hi; k++ {
			y := k
			if s%2 == 0 {
				y = hi - (k - lo)
			}
			z[i] = uint8(8*y + s - y)
			i++
		}
	}
	return z
}()

// Base quantisation tables of Annex K.1 in natural order.
var baseQuant = [2][64]uint16{
	{
		16, 11, 10, 16, 24, 40, 51, 61,
		12, 12, 14, 19, 26, 58, 60, 55,
		14, 13, 16, 24, 40, 57, 69, 56,
		14, 17, 22, 29, 51, 87, 80, 62,
		18, 22, 37, 56, 68, 109, 103, 77,
		24, 35, 55, 64, 81, 104, 113, 92,
		49, 64, 78, 87, 103, 121, 120, 101,
		72, 92, 95, 98, 112, 100, 103, 99,
	},
	{
		17, 18, 24, 47, 99, 99, 99, 99,
		18, 21, 26, 66, 99, 99, 99, 99,
		24, 26, 56, 99, 99, 99, 99, 99,
		47, 66, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	},
}

// huffSpec is a Huffman table as a DHT segment carries it: how many codes
// of each length 1..16, then the symbols in code order.
type huffSpec struct {
	counts  [16]byte
	symbols []byte
}

// stdHuffman are the Annex K.3 tables: luminance DC, luminance AC,
// chrominance DC, chrominance AC. The AC tables list their frequent
// symbols; every remaining run/size symbol follows with a 16-bit code in
// increasing order, which is how the annex's lists end.
var stdHuffman = func() [4]huffSpec {
	dc := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	return [4]huffSpec{
		{[16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1}, dc},
		{[16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125}, acSymbols([]byte{
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
			0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
			0x24, 0x33, 0x62, 0x72, 0x82})},
		{[16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, dc},
		{[16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119}, acSymbols([]byte{
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
			0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
			0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1})},
	}
}()

// acSymbols completes a list of frequent AC symbols with every other valid
// one (EOB, ZRL, and run 0..15 with size 1..10) in increasing order.
func acSymbols(frequent []byte) []byte {
	seen := map[byte]bool{}
	for _, s := range frequent {
		seen[s] = true
	}
	out := append([]byte(nil), frequent...)
	for s := 0; s < 256; s++ {
		size := s & 15
		valid := s == 0x00 || s == 0xf0 || (size >= 1 && size <= 10)
		if valid && !seen[byte(s)] {
			out = append(out, byte(s))
		}
	}
	return out
}

// huffTable maps a symbol to its code: length in the top byte, code bits
// in the low bits.
type huffTable [256]uint32

func newHuffTable(s huffSpec) *huffTable {
	var t huffTable
	code, k := uint32(0), 0
	for l := 1; l <= 16; l++ {
		for range s.counts[l-1] {
			t[s.symbols[k]] = uint32(l)<<24 | code
			code++
			k++
		}
		code <<= 1
	}
	return &t
}

// aanScale are the AAN DCT's output scale factors, cos(k*pi/16)*sqrt(2)
// for k > 0.
var aanScale = func() [8]float64 {
	var s [8]float64
	s[0] = 1
	for k := 1; k < 8; k++ {
		s[k] = math.Cos(float64(k)*math.Pi/16) * math.Sqrt2
	}
	return s
}()

// jpegTables are everything that depends only on the quality.
type jpegTables struct {
	quant [2][64]byte    // in zig-zag order, as DQT carries them
	recip [2][64]float32 // in zig-zag order: 1/(quant * AAN scale * 8)
	huff  [4]*huffTable  // DC Y, AC Y, DC C, AC C
}

func newJPEGTables(quality int) *jpegTables {
	quality = min(max(quality, 1), 100)
	scale := 200 - 2*quality
	if quality < 50 {
		scale = 5000 / quality
	}
	t := &jpegTables{}
	for c := range 2 {
		for z := range 64 {
			n := zigzag[z]
			q := min(max((int(baseQuant[c][n])*scale+50)/100, 1), 255)
			t.quant[c][z] = byte(q)
			u, v := n/8, n%8
			t.recip[c][z] = float32(1 / (float64(q) * aanScale[u] * aanScale[v] * 8))
		}
	}
	for i, s := range stdHuffman {
		t.huff[i] = newHuffTable(s)
	}
	return t
}

// fdct is the AAN forward DCT of a level-shifted block, rows then
// columns, in place. The outputs carry the AAN scale factors (times 8),
// which jpegTables.recip divides out. The 8-point pass is written out
// twice, for rows and for columns, because the compiler does not inline a
// function this size and the call costs a tenth of the encoder's time.
func fdct(b *[64]float32) {
	const (
		c4  = 0.707106781 // cos(4pi/16)
		c6  = 0.382683433 // cos(6pi/16)
		c26 = 0.541196100 // cos(2pi/16) - cos(6pi/16)
		c62 = 1.306562965 // cos(2pi/16) + cos(6pi/16)
	)
	for r := 0; r < 64; r += 8 {
		x := b[r : r+8 : r+8]
		t0, t7 := x[0]+x[7], x[0]-x[7]
		t1, t6 := x[1]+x[6], x[1]-x[6]
		t2, t5 := x[2]+x[5], x[2]-x[5]
		t3, t4 := x[3]+x[4], x[3]-x[4]
		t10, t13 := t0+t3, t0-t3
		t11, t12 := t1+t2, t1-t2
		x[0], x[4] = t10+t11, t10-t11
		z1 := (t12 + t13) * c4
		x[2], x[6] = t13+z1, t13-z1
		t10, t11, t12 = t4+t5, t5+t6, t6+t7
		z5 := (t10 - t12) * c6
		z2, z4, z3 := c26*t10+z5, c62*t12+z5, t11*c4
		z11, z13 := t7+z3, t7-z3
		x[5], x[3], x[1], x[7] = z13+z2, z13-z2, z11+z4, z11-z4
	}
	for c := 0; c < 8; c++ {
		t0, t7 := b[c]+b[56+c], b[c]-b[56+c]
		t1, t6 := b[8+c]+b[48+c], b[8+c]-b[48+c]
		t2, t5 := b[16+c]+b[40+c], b[16+c]-b[40+c]
		t3, t4 := b[24+c]+b[32+c], b[24+c]-b[32+c]
		t10, t13 := t0+t3, t0-t3
		t11, t12 := t1+t2, t1-t2
		b[c], b[32+c] = t10+t11, t10-t11
		z1 := (t12 + t13) * c4
		b[16+c], b[48+c] = t13+z1, t13-z1
		t10, t11, t12 = t4+t5, t5+t6, t6+t7
		z5 := (t10 - t12) * c6
		z2, z4, z3 := c26*t10+z5, c62*t12+z5, t11*c4
		z11, z13 := t7+z3, t7-z3
		b[40+c], b[24+c], b[8+c], b[56+c] = z13+z2, z13-z2, z11+z4, z11-z4
	}
}

// bitSink collects the entropy-coded data.
type bitSink struct {
	out []byte
	acc uint64 // the low n bits are pending, most significant first
	n   uint
}

// put appends the low n bits of v (n <= 32).
func (s *bitSink) put(v uint32, n uint) {
	s.acc = s.acc<<n | uint64(v)
	s.n += n
	if s.n >= 32 {
		s.n -= 32
		s.word(uint32(s.acc >> s.n))
	}
}

// word writes 32 bits, stuffing a zero byte after every 0xFF.
func (s *bitSink) word(w uint32) {
	x := ^w // a zero byte in x is a 0xFF byte in w
	if (x-0x01010101)&^x&0x80808080 == 0 {
		s.out = append(s.out, byte(w>>24), byte(w>>16), byte(w>>8), byte(w))
		return
	}
	for sh := 24; sh >= 0; sh -= 8 {
		b := byte(w >> sh)
		s.out = append(s.out, b)
		if b == 0xff {
			s.out = append(s.out, 0)
		}
	}
}

// finish pads the last byte with one bits, as the standard asks.
func (s *bitSink) finish() {
	for s.n > 0 {
		pad := (8 - s.n%8) % 8
		s.acc = s.acc<<pad | (1<<pad - 1)
		s.n += pad
		for s.n >= 8 {
			s.n -= 8
			b := byte(s.acc >> s.n)
			s.out = append(s.out, b)
			if b == 0xff {
				s.out = append(s.out, 0)
			}
		}
	}
}

// encodeBlock transforms, quantises and entropy-codes one block and
// returns its quantised DC value for the next block's prediction.
func (s *bitSink) encodeBlock(b *[64]float32, recip *[64]float32, prevDC int32, dcT, acT *huffTable) int32 {
	fdct(b)
	var q [64]int32
	var nonzero uint64 // bit z set when q[z] != 0
	for z := range 64 {
		// Round half away from zero without a branch (the sign is
		// unpredictable): add 0.5 with v's sign, then truncate.
		v := b[zigzag[z]] * recip[z]
		half := math.Float32frombits(0x3f000000 | math.Float32bits(v)&0x80000000)
		c := int32(v + half)
		q[z] = c
		nonzero |= uint64(uint32(c|-c)>>31) << z
	}
	s.emit(dcT, 0, q[0]-prevDC)
	// Walk the non-zero AC coefficients only; the zero runs between them
	// are the distances between set bits.
	last := 0
	for ac := nonzero &^ 1; ac != 0; ac &= ac - 1 {
		z := bits.TrailingZeros64(ac)
		run := uint32(z - last - 1)
		for run > 15 {
			c := acT[0xf0]
			s.put(c&0xffffff, uint(c>>24))
			run -= 16
		}
		s.emit(acT, run, q[z])
		last = z
	}
	if last < 63 {
		c := acT[0x00]
		s.put(c&0xffffff, uint(c>>24))
	}
	return q[0]
}

// emit writes the symbol (run, size of v) and v's size bits.
func (s *bitSink) emit(t *huffTable, run uint32, v int32) {
	// Magnitude, and for negative values v-1 (whose low size bits are the
	// one's complement JPEG stores), without branching on the sign.
	sign := v >> 31
	a, vb := (v^sign)-sign, v+sign
	size := uint32(bits.Len32(uint32(a)))
	c := t[run<<4|size]
	l := c >> 24
	s.put((c&0xffffff)<<size|uint32(vb)&(1<<size-1), uint(l+size))
}

// ycbcrPlanes is a 4:2:0 picture: Cb and Cr are (w+1)/2 x (h+1)/2.
type ycbcrPlanes struct {
	y, cb, cr        []byte
	yStride, cStride int
	w, h             int
}

// jpegFromYCbCr420 encodes full-range 4:2:0 planes (Cb and Cr of size
// (w+1)/2 x (h+1)/2) as a baseline JFIF-compatible JPEG appended to dst.
func jpegFromYCbCr420(dst []byte, t *jpegTables, y, cb, cr []byte, yStride, cStride, w, h int) []byte {
	p := ycbcrPlanes{y, cb, cr, yStride, cStride, w, h}
	dst = appendJPEGHeader(dst, t, w, h, 0)
	s := bitSink{out: dst}
	s.stripe(t, p, 0, (h+15)/16)
	return append(s.out, 0xff, 0xd9)
}

// jpegStripes encodes like jpegFromYCbCr420, but cuts the picture into at
// most workers horizontal stripes of whole macroblock rows, encoded at the
// same time on as many goroutines (all joined before it returns) and
// separated by restart markers, which every baseline decoder handles. The
// stripe buffers in scratch are reused between calls.
func jpegStripes(dst []byte, t *jpegTables, p ycbcrPlanes, workers int, scratch *[][]byte) []byte {
	rows := (p.h + 15) / 16
	cols := (p.w + 15) / 16
	per := (rows + workers - 1) / max(workers, 1)
	if workers <= 1 || rows < 2 || per*cols > 0xffff {
		return jpegFromYCbCr420(dst, t, p.y, p.cb, p.cr, p.yStride, p.cStride, p.w, p.h)
	}
	n := (rows + per - 1) / per
	for len(*scratch) < n {
		*scratch = append(*scratch, nil)
	}
	parts := (*scratch)[:n]
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := bitSink{out: parts[i][:0]}
			s.stripe(t, p, i*per, min((i+1)*per, rows))
			parts[i] = s.out
		}()
	}
	s := bitSink{out: parts[0][:0]}
	s.stripe(t, p, 0, per)
	parts[0] = s.out
	wg.Wait()
	dst = appendJPEGHeader(dst, t, p.w, p.h, per*cols)
	for i, part := range parts {
		if i > 0 {
			dst = append(dst, 0xff, 0xd0+byte((i-1)%8))
		}
		dst = append(dst, part...)
	}
	return append(dst, 0xff, 0xd9)
}

// stripe entropy-codes macroblock rows [row0, row1) with fresh DC
// predictions and pads the last byte, as a restart interval needs.
func (s *bitSink) stripe(t *jpegTables, p ycbcrPlanes, row0, row1 int) {
	var blk [64]float32
	var dcY, dcCb, dcCr int32
	w, h := p.w, p.h
	cw, ch := (w+1)/2, (h+1)/2
	for my := 16 * row0; my < h && my < 16*row1; my += 16 {
		for mx := 0; mx < w; mx += 16 {
			inner := mx+16 <= w && my+16 <= h
			for k := range 4 {
				x0, y0 := mx+8*(k&1), my+8*(k>>1)
				loadBlock(&blk, p.y, p.yStride, x0, y0, w, h, inner)
				dcY = s.encodeBlock(&blk, &t.recip[0], dcY, t.huff[0], t.huff[1])
			}
			loadBlock(&blk, p.cb, p.cStride, mx/2, my/2, cw, ch, inner)
			dcCb = s.encodeBlock(&blk, &t.recip[1], dcCb, t.huff[2], t.huff[3])
			loadBlock(&blk, p.cr, p.cStride, mx/2, my/2, cw, ch, inner)
			dcCr = s.encodeBlock(&blk, &t.recip[1], dcCr, t.huff[2], t.huff[3])
		}
	}
	s.finish()
}

// loadBlock reads the 8x8 block at (x0, y0) of a plane, level-shifted;
// outside the plane's w x h the last column and row repeat.
func loadBlock(b *[64]float32, p []byte, stride, x0, y0, w, h int, inner bool) {
	if inner {
		for r := range 8 {
			row := p[(y0+r)*stride+x0:][:8]
			d := b[8*r : 8*r+8 : 8*r+8]
			for c := range 8 {
				d[c] = float32(row[c]) - 128
			}
		}
		return
	}
	for r := range 8 {
		row := p[min(y0+r, h-1)*stride:]
		for c := range 8 {
			b[8*r+c] = float32(row[min(x0+c, w-1)]) - 128
		}
	}
}

// appendJPEGHeader writes SOI, DQT, SOF0 (three components, 4:2:0), DHT,
// DRI when restart is non-zero (the restart interval in macroblocks), and
// the SOS header.
func appendJPEGHeader(dst []byte, t *jpegTables, w, h, restart int) []byte {
	dst = append(dst, 0xff, 0xd8)
	dst = append(dst, 0xff, 0xdb, 0, 2+2*65)
	for c := range 2 {
		dst = append(dst, byte(c))
		dst = append(dst, t.quant[c][:]...)
	}
	dst = append(dst, 0xff, 0xc0, 0, 17, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3,
		1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	n := 2
	for _, s := range stdHuffman {
		n += 17 + len(s.symbols)
	}
	dst = append(dst, 0xff, 0xc4, byte(n>>8), byte(n))
	for i, s := range stdHuffman {
		dst = append(dst, [4]byte{0x00, 0x10, 0x01, 0x11}[i])
		dst = append(dst, s.counts[:]...)
		dst = append(dst, s.symbols...)
	}
	if restart > 0 {
		dst = append(dst, 0xff, 0xdd, 0, 4, byte(restart>>8), byte(restart))
	}
	return append(dst, 0xff, 0xda, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0)
}
