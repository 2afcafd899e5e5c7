package rtsp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
)

// This file is an RFC 2435 packetizer: one baseline JPEG in, RTP payloads out. RFC 2435
// carries only what varies between images (type, size, quantisation tables, restart interval)
// and the entropy-coded scan; the receiver rebuilds the JPEG headers, with the Huffman tables
// of ITU-T T.81 Annex K.3. So only JPEGs with those tables (or none, as in abbreviated
// camera MJPEG) and the two RFC 2435 layouts (YCbCr 4:2:2 and 4:2:0) can be sent.

// jpegFrame is what RFC 2435 sends of one JPEG image.
type jpegFrame struct {
	// typ is the RFC 2435 type: 0 for 4:2:2, 1 for 4:2:0, plus 64 with restart markers.
	typ byte
	// width and height are in 8-pixel units.
	width, height byte
	// quant is the luma then the chroma quantisation table, 64 bytes each, in the zig-zag
	// order of the DQT segment.
	quant []byte
	// restart is the restart interval in MCUs (DRI), 0 without restart markers.
	restart uint16
	// scan is the entropy-coded data, restart markers included, without the EOI.
	scan []byte
}

var errNotRFC2435 = errors.New("JPEG not sendable as RFC 2435")

func notRFC2435(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errNotRFC2435, fmt.Sprintf(format, a...))
}

// parseJPEG finds what RFC 2435 needs in a baseline JPEG, or says why it cannot be sent.
func parseJPEG(b []byte) (jpegFrame, error) {
	var f jpegFrame
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return f, notRFC2435("no SOI marker")
	}
	var tables [4][]byte
	var tq [3]byte // quantisation table of Y, Cb, Cr
	sof := false
	for i := 2; ; {
		if i+4 > len(b) || b[i] != 0xff {
			return f, notRFC2435("no marker at offset %d", i)
		}
		marker := b[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return f, notRFC2435("segment %#x of %d bytes overruns the image", marker, n)
		}
		seg := b[i+4 : i+2+n]
		i += 2 + n
		switch {
		case marker == 0xdb: // DQT
			for len(seg) > 0 {
				if seg[0]>>4 != 0 || seg[0]&15 > 3 || len(seg) < 65 {
					return f, notRFC2435("DQT is not 8-bit tables 0-3")
				}
				tables[seg[0]&15] = seg[1:65]
				seg = seg[65:]
			}
		case marker == 0xc0: // SOF0, baseline
			if len(seg) != 15 || seg[0] != 8 || seg[5] != 3 {
				return f, notRFC2435("SOF0 is not 8-bit, 3 components")
			}
			h, w := int(binary.BigEndian.Uint16(seg[1:])), int(binary.BigEndian.Uint16(seg[3:]))
			if w == 0 || h == 0 || w > 2040 || h > 2040 {
				return f, notRFC2435("size %dx%d outside 1..2040", w, h)
			}
			f.width, f.height = byte((w+7)/8), byte((h+7)/8)
			switch seg[7] {
			case 0x21:
				f.typ = 0
			case 0x22:
				f.typ = 1
			default:
				return f, notRFC2435("luma sampling %#x is neither 4:2:2 nor 4:2:0", seg[7])
			}
			if seg[10] != 0x11 || seg[13] != 0x11 || seg[11] != seg[14] {
				return f, notRFC2435("chroma components are not 1x1 with one table")
			}
			tq = [3]byte{seg[8], seg[11], seg[14]}
			sof = true
		case marker >= 0xc1 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc:
			return f, notRFC2435("SOF%d: only baseline JPEG", marker-0xc0)
		case marker == 0xc4: // DHT
			if err := checkStandardHuffman(seg); err != nil {
				return f, err
			}
		case marker == 0xdd: // DRI
			if len(seg) != 2 {
				return f, notRFC2435("DRI of %d bytes", len(seg))
			}
			f.restart = binary.BigEndian.Uint16(seg)
		case marker == 0xda: // SOS: the scan follows to the EOI
			if !sof {
				return f, notRFC2435("SOS before SOF0")
			}
			if len(seg) != 10 || seg[0] != 3 || seg[2] != 0x00 || seg[4] != 0x11 || seg[6] != 0x11 {
				return f, notRFC2435("scan is not one interleaved scan with tables 0 (luma) and 1 (chroma)")
			}
			if tq[0] > 3 || tq[1] > 3 || tables[tq[0]] == nil || tables[tq[1]] == nil {
				return f, notRFC2435("missing quantisation table")
			}
			f.quant = append(append(make([]byte, 0, 128), tables[tq[0]]...), tables[tq[1]]...)
			f.scan = bytes.TrimSuffix(b[i:], []byte{0xff, 0xd9})
			if f.restart > 0 {
				f.typ += 64
			}
			if len(f.scan) >= 1<<24 {
				return f, notRFC2435("scan of %d bytes exceeds RFC 2435's 24-bit offsets", len(f.scan))
			}
			return f, nil
		}
	}
}

// jpegHeaderBytes is the most a payload's RFC 2435 headers take: main (8), restart (4) and
// quantisation table header with two 8-bit tables (4+128).
const jpegHeaderBytes = 8 + 4 + 4 + 128

// packetize cuts the frame into RTP payloads of at most maxPayload bytes
// (> jpegHeaderBytes), appending them to out: each payload's RFC 2435 headers are appended to
// arena (returned, to be reused), its scan bytes are a slice of the frame, not a copy.
func (f *jpegFrame) packetize(maxPayload int, arena []byte, out []rtpPayload) ([]rtpPayload, []byte) {
	arena = arena[:0]
	if need := (len(f.scan)/(maxPayload-jpegHeaderBytes) + 2) * jpegHeaderBytes; cap(arena) < need {
		arena = make([]byte, 0, need) // no growth below, so earlier heads stay where they are
	}
	for off := 0; off < len(f.scan) || off == 0; {
		start := len(arena)
		arena = append(arena, 0, byte(off>>16), byte(off>>8), byte(off), f.typ, 255, f.width, f.height)
		if f.typ >= 64 {
			// F=1, L=1, count 0x3fff: the receiver reassembles the whole frame.
			arena = append(arena, byte(f.restart>>8), byte(f.restart), 0xff, 0xff)
		}
		if off == 0 {
			arena = append(arena, 0, 0, 0, byte(len(f.quant)))
			arena = append(arena, f.quant...)
		}
		head := arena[start:len(arena):len(arena)]
		n := min(maxPayload-len(head), len(f.scan)-off)
		out = append(out, rtpPayload{head: head, data: f.scan[off : off+n]})
		off += n
		if off >= len(f.scan) {
			break
		}
	}
	return out, arena
}

// standardHuffman holds the Annex K.3 tables, keyed by class<<4|id, as the bytes a DHT
// segment carries after that byte (16 counts, then the symbols). They are taken from what
// Go's image/jpeg writes, which uses exactly those tables.
var standardHuffman = sync.OnceValue(func() map[byte][]byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewYCbCr(image.Rect(0, 0, 16, 16), image.YCbCrSubsampleRatio420), nil); err != nil {
		panic(err)
	}
	b := buf.Bytes()
	m := map[byte][]byte{}
	for i := 2; i+4 <= len(b) && b[i] == 0xff && b[i+1] != 0xda; {
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if b[i+1] == 0xc4 {
			_ = eachHuffman(b[i+4:i+2+n], func(key byte, table []byte) error { m[key] = table; return nil })
		}
		i += 2 + n
	}
	return m
})

// eachHuffman calls fn for every table of a DHT segment.
func eachHuffman(seg []byte, fn func(key byte, table []byte) error) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return notRFC2435("short DHT")
		}
		n := 17
		for _, c := range seg[1:17] {
			n += int(c)
		}
		if n > len(seg) {
			return notRFC2435("DHT table overruns its segment")
		}
		if err := fn(seg[0], seg[1:n]); err != nil {
			return err
		}
		seg = seg[n:]
	}
	return nil
}

// checkStandardHuffman accepts a DHT segment only if it holds Annex K.3 tables, the ones an
// RFC 2435 receiver will decode with.
func checkStandardHuffman(seg []byte) error {
	std := standardHuffman()
	return eachHuffman(seg, func(key byte, table []byte) error {
		if want, ok := std[key]; !ok || !bytes.Equal(table, want) {
			return notRFC2435("Huffman table %#x is not the standard Annex K.3 table (an optimised-Huffman JPEG)", key)
		}
		return nil
	})
}
