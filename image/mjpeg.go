package picimage

import (
	"errors"
	"fmt"
)

// JPEG markers this file looks for.
const (
	markerSOI = 0xd8 // start of image
	markerEOI = 0xd9 // end of image
	markerSOS = 0xda // start of scan: entropy-coded data follows
	markerDHT = 0xc4 // define Huffman tables
)

// ErrNotJPEG reports MJPEG frame data that is not a JPEG image at all, as
// opposed to one with a repairable omission.
var ErrNotJPEG = errors.New("picimage: MJPEG frame is not a JPEG image")

// NormalizeMJPEG returns a frame from an MJPEG camera as a self-contained
// JPEG. Many USB webcams (following the AVI MJPEG convention) leave out the
// Huffman tables and expect the decoder to assume the standard ones from
// ITU-T T.81 Annex K.3; libjpeg-turbo, and so NetGear's Python clients, and
// Go's image/jpeg then refuse the image. NormalizeMJPEG inserts the standard
// tables in front of the scan when the image has none, and otherwise returns
// data itself unchanged (no copy), so it is cheap to call on every frame.
//
// It checks only the marker structure up to the start of the scan, not the
// compressed data.
func NormalizeMJPEG(data []byte) ([]byte, error) {
	sos, hasDHT, err := scanJPEGHeader(data)
	if err != nil {
		return nil, err
	}
	if hasDHT {
		return data, nil
	}
	dht := standardDHT()
	out := make([]byte, 0, len(data)+len(dht))
	out = append(out, data[:sos]...)
	out = append(out, dht...)
	return append(out, data[sos:]...), nil
}

// scanJPEGHeader walks the marker segments from SOI to SOS and returns the
// offset of the SOS marker and whether a DHT segment came before it.
func scanJPEGHeader(data []byte) (sos int, hasDHT bool, err error) {
	if len(data) < 4 || data[0] != 0xff || data[1] != markerSOI {
		return 0, false, fmt.Errorf("%w: it does not start with the SOI marker FF D8; is the camera really set to MJPEG?", ErrNotJPEG)
	}
	i := 2
	for {
		if i >= len(data) || data[i] != 0xff {
			return 0, false, fmt.Errorf("%w: no marker at byte %d before the image data", ErrNotJPEG, i)
		}
		for i < len(data) && data[i] == 0xff { // fill bytes may pad markers
			i++
		}
		if i >= len(data) {
			return 0, false, fmt.Errorf("%w: truncated before the image data", ErrNotJPEG)
		}
		m := data[i]
		i++
		switch {
		case m == markerSOS:
			return i - 2, hasDHT, nil
		case m == markerEOI:
			return 0, false, fmt.Errorf("%w: it ends before any image data", ErrNotJPEG)
		case m >= 0xd0 && m <= 0xd7, m == 0x01, m == markerSOI:
			continue // markers without a length field
		}
		if i+2 > len(data) {
			return 0, false, fmt.Errorf("%w: truncated in a marker segment at byte %d", ErrNotJPEG, i)
		}
		n := int(data[i])<<8 | int(data[i+1])
		if n < 2 || i+n > len(data) {
			return 0, false, fmt.Errorf("%w: marker segment FF %02X at byte %d has bad length %d", ErrNotJPEG, m, i-2, n)
		}
		if m == markerDHT {
			hasDHT = true
		}
		i += n
	}
}

// huffmanTable is one table of a DHT segment: class and id, the number of
// codes of each length 1..16, and the symbols in code order.
type huffmanTable struct {
	classID byte // class<<4 | id: 0x00 DC luma, 0x10 AC luma, 0x01 DC chroma, 0x11 AC chroma
	counts  [16]byte
	symbols []byte
}

// standardDHT builds a DHT segment with the four "typical" tables of T.81
// Annex K.3, the ones MJPEG decoders assume. The AC tables list a few dozen
// frequent symbols explicitly; every remaining run/size symbol gets a 16-bit
// code in increasing order, which is how the annex's lists end.
func standardDHT() []byte {
	dcSymbols := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	tables := []huffmanTable{
		{0x00, [16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1}, dcSymbols},
		{0x10, [16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125}, completeAC([]byte{
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13,
			0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42,
			0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82,
		})},
		{0x01, [16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, dcSymbols},
		{0x11, [16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119}, completeAC([]byte{
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51,
			0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1,
			0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24,
			0x34, 0xe1, 0x25, 0xf1,
		})},
	}
	n := 2
	for _, t := range tables {
		n += 1 + 16 + len(t.symbols)
	}
	seg := []byte{0xff, markerDHT, byte(n >> 8), byte(n)}
	for _, t := range tables {
		seg = append(seg, t.classID)
		seg = append(seg, t.counts[:]...)
		seg = append(seg, t.symbols...)
	}
	return seg
}

// completeAC appends to the explicitly ordered symbols every other baseline
// AC symbol (run 0..15, size 1..10, plus EOB 0x00 and ZRL 0xF0) in
// increasing order.
func completeAC(head []byte) []byte {
	var listed [256]bool
	for _, s := range head {
		listed[s] = true
	}
	out := append([]byte{}, head...)
	for s := 0; s < 256; s++ {
		size := s & 0x0f
		valid := (size >= 1 && size <= 10) || s == 0x00 || s == 0xf0
		if valid && !listed[s] {
			out = append(out, byte(s))
		}
	}
	return out
}
