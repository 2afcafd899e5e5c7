package camera

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/picam-project/picam/av/h264"
)

// maxFrameBytes bounds one frame in a helper's byte stream. A 4608x2592
// JPEG at high quality is a few MiB; a stream that goes this long without a
// frame boundary is not what was expected, and buffering it further would
// only exhaust memory.
const maxFrameBytes = 32 << 20

// errFrameTooBig is returned when a stream holds no boundary for
// maxFrameBytes.
var errFrameTooBig = errors.New("no frame boundary within 32 MiB: the helper's output is not the expected stream")

// emitFunc receives one complete frame: a fresh slice the splitter never
// touches again, and when its first byte arrived.
type emitFunc func(frame []byte, arrived time.Time)

// splitter cuts a byte stream into frames. write takes the bytes of one
// read and the time they arrived; end flushes what is left at the end of
// the stream.
type splitter interface {
	write(p []byte, now time.Time, emit emitFunc) error
	end(emit emitFunc)
}

// jpegSplitter cuts a stream of concatenated JPEG images (rpicam-vid
// --codec mjpeg) at image boundaries. It walks the marker segments by their
// lengths rather than searching for the end-of-image marker, so an embedded
// thumbnail (its own SOI/EOI inside an APP segment) cannot end an image
// early; inside entropy-coded data 0xFF is always stuffed, so the first
// marker there is found by a plain search.
type jpegSplitter struct {
	buf     []byte
	pos     int // next marker to read, within buf; 0 while looking for SOI
	started time.Time
	// tailTime is when the bytes kept while looking for an SOI arrived.
	tailTime time.Time
	inScan   bool // pos is inside entropy-coded data
}

func (s *jpegSplitter) write(p []byte, now time.Time, emit emitFunc) error {
	old := len(s.buf) // bytes that arrived before this read
	s.buf = append(s.buf, p...)
	// A damaged image is reported (the first one) but the bytes after it are still searched:
	// an image already in buf must not wait for the next read, or be lost at the end.
	var damaged error
	for {
		if s.pos == 0 {
			i := indexSOI(s.buf)
			if i < 0 {
				// Keep the last two bytes: they may be the start of an SOI.
				keep := min(len(s.buf), 2)
				if keep <= len(p) {
					s.tailTime = now
				}
				s.buf = append(s.buf[:0], s.buf[len(s.buf)-keep:]...)
				return damaged
			}
			s.started = now
			if i < old {
				s.started = s.tailTime
			}
			s.buf = s.buf[i:]
			s.pos, s.inScan = 2, false
		}
		end, ok, err := s.walk()
		if err != nil {
			// Resynchronise on the next SOI after this broken one.
			s.buf, s.pos = s.buf[2:], 0
			if damaged == nil {
				damaged = err
			}
			continue
		}
		if !ok {
			if len(s.buf) > maxFrameBytes {
				s.buf, s.pos = s.buf[:0], 0
				return errFrameTooBig
			}
			return damaged
		}
		frame := make([]byte, end)
		copy(frame, s.buf[:end])
		emit(frame, s.started)
		s.buf = append(s.buf[:0], s.buf[end:]...)
		s.pos, old = 0, 0
	}
}

// end drops an incomplete image: a JPEG cut off by the helper's exit cannot
// be decoded.
func (s *jpegSplitter) end(emitFunc) { s.buf, s.pos = nil, 0 }

// walk advances s.pos over complete marker segments. It returns the length
// of the image when its EOI is in buf, ok false when more bytes are needed.
func (s *jpegSplitter) walk() (end int, ok bool, err error) {
	b := s.buf
	for {
		if s.inScan {
			i := s.pos
			for i+1 < len(b) {
				j := bytes.IndexByte(b[i:len(b)-1], 0xFF)
				if j < 0 {
					i = len(b) - 1
					break
				}
				i += j
				if m := b[i+1]; m != 0x00 && (m < 0xD0 || m > 0xD7) {
					break
				}
				i++
			}
			if i+1 >= len(b) {
				s.pos = i // re-examine the last byte with the next read
				return 0, false, nil
			}
			s.pos, s.inScan = i, false
		}
		if s.pos+2 > len(b) {
			return 0, false, nil
		}
		if b[s.pos] != 0xFF {
			return 0, false, fmt.Errorf("JPEG stream: expected a marker at byte %d, found 0x%02x", s.pos, b[s.pos])
		}
		m := b[s.pos+1]
		switch {
		case m == 0xFF: // fill byte
			s.pos++
			continue
		case m == 0xD9: // EOI
			return s.pos + 2, true, nil
		case m == 0xD8:
			return 0, false, fmt.Errorf("JPEG stream: start of image inside an image at byte %d", s.pos)
		case m >= 0xD0 && m <= 0xD7, m == 0x01: // markers without a length
			s.pos += 2
			continue
		}
		if s.pos+4 > len(b) {
			return 0, false, nil
		}
		n := int(binary.BigEndian.Uint16(b[s.pos+2:]))
		if n < 2 {
			return 0, false, fmt.Errorf("JPEG stream: segment 0x%02x with length %d", m, n)
		}
		if s.pos+2+n > len(b) {
			return 0, false, nil
		}
		s.pos += 2 + n
		if m == 0xDA { // start of scan: entropy-coded data follows
			s.inScan = true
		}
	}
}

// indexSOI finds the start-of-image marker FF D8 FF.
func indexSOI(b []byte) int {
	for i := 0; i+2 < len(b); i++ {
		if b[i] == 0xFF && b[i+1] == 0xD8 && b[i+2] == 0xFF {
			return i
		}
	}
	return -1
}

// annexBSplitter cuts an H.264 Annex-B byte stream (rpicam-vid --codec
// h264) into access units, one per picture, following H.264 7.4.1.2.3: a
// new unit starts at an access unit delimiter, at a parameter set or SEI
// after a picture's slices, or at a slice with first_mb_in_slice 0 after
// another slice. Encoders without delimiters (the Pi's) give no sign that a
// picture is complete until the next one starts, so a unit is emitted when
// the first bytes of the next arrive: one frame period late.
type annexBSplitter struct {
	buf     []byte // from the current NAL unit's start code on
	inNAL   bool   // buf starts with a start code
	scanned int    // bytes of buf already searched for the next start code
	nalTime time.Time
	decided bool // whether the current NAL unit's effect on the access unit is known

	au      []byte // the access unit being assembled
	auSlice bool   // it has a slice
	auTime  time.Time
}

func (s *annexBSplitter) write(p []byte, now time.Time, emit emitFunc) error {
	s.buf = append(s.buf, p...)
	for {
		if !s.inNAL {
			i := indexStartCode(s.buf, 0)
			if i < 0 {
				keep := min(len(s.buf), 2) // a start code split across reads
				s.buf = append(s.buf[:0], s.buf[len(s.buf)-keep:]...)
				return nil
			}
			s.buf = s.buf[i:]
			s.inNAL, s.scanned, s.nalTime, s.decided = true, 3, now, false
		}
		if !s.decided && len(s.buf) >= 5 {
			s.decide(s.buf[3:5], emit)
		}
		j := indexStartCode(s.buf, s.scanned)
		if j < 0 {
			if len(s.buf) > maxFrameBytes {
				s.buf, s.inNAL, s.au, s.auSlice = s.buf[:0], false, nil, false
				return errFrameTooBig
			}
			s.scanned = max(3, len(s.buf)-2)
			return nil
		}
		nal := trimZeros(s.buf[3:j])
		if !s.decided {
			s.decide(nal, emit) // a NAL unit shorter than two bytes
		}
		s.addNAL(nal)
		s.buf = append(s.buf[:0], s.buf[j:]...)
		s.scanned, s.nalTime, s.decided = 3, now, false
	}
}

// decide looks at the start of the NAL unit that just began (its first
// two bytes suffice) and emits the finished access unit if the new unit
// starts another one, without waiting for the new unit to end.
func (s *annexBSplitter) decide(head []byte, emit emitFunc) {
	s.decided = true
	if s.auSlice && len(head) > 0 && startsAccessUnit(head) {
		s.flush(emit)
	}
}

// startsAccessUnit decides from a NAL unit's first two bytes whether it
// begins a new access unit, given that the current one has a slice.
func startsAccessUnit(nal []byte) bool {
	t := h264.TypeOf(nal)
	switch {
	case t == h264.NALAUD, t == h264.NALSPS, t == h264.NALPPS, t == h264.NALSEI, t >= 14 && t <= 18:
		return true
	case t == h264.NALSlice, t == h264.NALIDR:
		// first_mb_in_slice is ue(v): 0 is coded as a single 1 bit.
		return len(nal) > 1 && nal[1]&0x80 != 0
	}
	return false
}

func (s *annexBSplitter) addNAL(nal []byte) {
	if len(nal) == 0 {
		return
	}
	if len(s.au) == 0 {
		s.auTime = s.nalTime
	}
	s.au = h264.AppendNAL(s.au, nal)
	if h264.TypeOf(nal).IsSlice() {
		s.auSlice = true
	}
}

func (s *annexBSplitter) flush(emit emitFunc) {
	if s.auSlice {
		emit(s.au, s.auTime)
	}
	s.au, s.auSlice = nil, false
}

// end emits the last access unit: at the end of the stream its last NAL
// unit ends with the data.
func (s *annexBSplitter) end(emit emitFunc) {
	if s.inNAL {
		nal := trimZeros(s.buf[3:])
		if !s.decided {
			s.decide(nal, emit)
		}
		s.addNAL(nal)
	}
	s.flush(emit)
	s.buf, s.inNAL = nil, false
}

// indexStartCode finds the next 00 00 01 at or after from. It steps by
// three when the third byte cannot end a start code (faster here than
// bytes.Index, which stops at every zero byte, and H.264 has many).
func indexStartCode(b []byte, from int) int {
	for i := from; i+2 < len(b); i++ {
		if b[i+2] > 1 {
			i += 2 // no start code can begin at i, i+1 or i+2
			continue
		}
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			return i
		}
	}
	return -1
}

// trimZeros drops the zero bytes between a NAL unit and the next start code
// (trailing_zero_8bits, and the first byte of a four-byte start code).
func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}
