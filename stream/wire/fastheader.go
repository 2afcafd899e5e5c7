package wire

import (
	"encoding/json"
	"math"
)

// parseCanonical parses a frame header in the plain form that picam and NetGear senders
// produce, without reflection and with about two allocations instead of twenty-five: a client
// parses one header per frame, right after reading a large payload that has flushed the CPU
// caches, and encoding/json's cold path showed up as several percent of picam-client's CPU.
//
// It accepts only a narrow form: known lowercase keys, each at most once; strings without
// escapes; non-negative integers without exponents; terminate_flag present; compression false or
// a non-empty {dct, ups, colorspace} object; message null or a string; port absent. Anything
// else returns ok=false and ParseHeader falls back to encoding/json, which also produces every
// error. When ok is true the result is exactly what the encoding/json path returns for the same
// bytes (FuzzParseCanonicalMatchesJSON checks this).
func parseCanonical(b []byte) (h Header, ok bool) {
	s := scanner{b: b}
	if !s.lit("{") {
		return Header{}, false
	}
	const (
		kTerminate = 1 << iota
		kCompression
		kMessage
		kPattern
		kDType
		kShape
		kPicam
	)
	var seen int
	var comp *Compression
	compFalse := false
	var dtype string
	var shape []int
	shapeList := false
	for {
		key, okKey := s.str()
		if !okKey || !s.lit(":") {
			return Header{}, false
		}
		var bit int
		switch string(key) {
		case "terminate_flag":
			bit = kTerminate
			if h.Terminate, ok = s.boolean(); !ok {
				return Header{}, false
			}
		case "compression":
			bit = kCompression
			if s.lit("false") {
				compFalse = true
			} else if comp, ok = s.compression(); !ok {
				return Header{}, false
			}
		case "message":
			bit = kMessage
			if !s.lit("null") {
				s.ws()
				start := s.i
				if _, ok = s.str(); !ok {
					return Header{}, false
				}
				h.Message = append(json.RawMessage(nil), b[start:s.i]...)
			}
		case "pattern":
			bit = kPattern
			p, okStr := s.str()
			if !okStr {
				return Header{}, false
			}
			h.Pattern = intern(p)
		case "dtype":
			bit = kDType
			d, okStr := s.str()
			if !okStr {
				return Header{}, false
			}
			dtype = intern(d)
		case "shape":
			bit = kShape
			if s.lit(`""`) {
				shape, shapeList = nil, false
			} else if shape, ok = s.intList(); !ok {
				return Header{}, false
			} else {
				shapeList = true
			}
		case "picam":
			bit = kPicam
			if !s.lit("null") {
				if h.Picam, ok = s.ext(); !ok {
					return Header{}, false
				}
			}
		default:
			return Header{}, false
		}
		if seen&bit != 0 {
			return Header{}, false // a duplicate: encoding/json's last-wins rule decides
		}
		seen |= bit
		if s.lit(",") {
			continue
		}
		if !s.lit("}") {
			return Header{}, false
		}
		break
	}
	s.ws()
	if s.i != len(b) || seen&kTerminate == 0 {
		return Header{}, false
	}
	if h.Terminate {
		return h, true
	}
	switch {
	case comp != nil:
		h.Compression = comp
		return h, true
	case !compFalse:
		return Header{}, false // compression missing
	case dtype == "" || !shapeList || len(shape) == 0:
		return Header{}, false // the encoding/json path reports the error
	}
	h.DType, h.Shape = dtype, shape
	return h, true
}

// intern returns common header strings without allocating.
func intern(b []byte) string {
	switch string(b) {
	case "0":
		return "0"
	case "1":
		return "1"
	case "2":
		return "2"
	case "uint8":
		return "uint8"
	case "raw":
		return "raw"
	case "jpeg":
		return "jpeg"
	case "h264":
		return "h264"
	case "fwht":
		return "fwht"
	case "BGR":
		return "BGR"
	}
	return string(b)
}

// scanner walks JSON text; every method skips leading whitespace.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// lit consumes t if it comes next.
func (s *scanner) lit(t string) bool {
	s.ws()
	if len(s.b)-s.i < len(t) || string(s.b[s.i:s.i+len(t)]) != t {
		return false
	}
	s.i += len(t)
	return true
}

// str reads a string of printable ASCII without escapes and returns its contents.
func (s *scanner) str() ([]byte, bool) {
	if !s.lit(`"`) {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20 || c > 0x7E:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

func (s *scanner) boolean() (bool, bool) {
	if s.lit("true") {
		return true, true
	}
	if s.lit("false") {
		return false, true
	}
	return false, false
}

// uint reads a JSON integer without sign, fraction or exponent, at most max.
func (s *scanner) uint(max uint64) (uint64, bool) {
	s.ws()
	return s.digits(max)
}

// digits is uint without the leading whitespace (JSON allows none after a minus sign).
func (s *scanner) digits(max uint64) (uint64, bool) {
	start := s.i
	var v uint64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		d := uint64(s.b[s.i] - '0')
		if v > (max-d)/10 {
			return 0, false
		}
		v = v*10 + d
		s.i++
	}
	n := s.i - start
	if n == 0 || (n > 1 && s.b[start] == '0') {
		return 0, false // no digits, or a leading zero JSON forbids
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, false
	}
	return v, true
}

// intList reads a list of non-negative ints.
func (s *scanner) intList() ([]int, bool) {
	if !s.lit("[") {
		return nil, false
	}
	if s.lit("]") {
		return []int{}, true
	}
	out := make([]int, 0, 3) // frames are H x W x C
	for {
		v, ok := s.uint(math.MaxInt)
		if !ok {
			return nil, false
		}
		out = append(out, int(v))
		if s.lit(",") {
			continue
		}
		if s.lit("]") {
			return out, true
		}
		return nil, false
	}
}

// compression reads a non-empty object of dct, ups and colorspace, with NetGear's default
// colorspace for a key left out (as ParseHeader's encoding/json path does).
func (s *scanner) compression() (*Compression, bool) {
	if !s.lit("{") {
		return nil, false
	}
	c := &Compression{Colorspace: "BGR"}
	ok := s.members(func(key []byte) (bit int, ok bool) {
		switch string(key) {
		case "dct":
			c.DCT, ok = s.boolean()
			return 1, ok
		case "ups":
			c.UPS, ok = s.boolean()
			return 2, ok
		case "colorspace":
			var v []byte
			v, ok = s.str()
			c.Colorspace = intern(v)
			return 4, ok
		}
		return 0, false
	})
	if !ok {
		return nil, false
	}
	return c, true
}

// ext reads picam's {seq, ts, codec, key} object; keys left out stay zero.
func (s *scanner) ext() (*Ext, bool) {
	if !s.lit("{") {
		return nil, false
	}
	e := &Ext{}
	if s.lit("}") {
		return e, true
	}
	ok := s.members(func(key []byte) (bit int, ok bool) {
		switch string(key) {
		case "seq":
			e.Seq, ok = s.uint(math.MaxUint64)
			return 1, ok
		case "ts":
			s.ws()
			neg := s.i < len(s.b) && s.b[s.i] == '-'
			if neg {
				s.i++
			}
			var v uint64
			v, ok = s.digits(math.MaxInt64)
			e.TimeUS = int64(v)
			if neg {
				e.TimeUS = -e.TimeUS
			}
			return 2, ok
		case "codec":
			var v []byte
			v, ok = s.str()
			e.Codec = intern(v)
			return 4, ok
		case "key":
			e.Keyframe, ok = s.boolean()
			return 8, ok
		}
		return 0, false
	})
	if !ok {
		return nil, false
	}
	return e, true
}

// members reads an object's members after its '{' up to and including its '}': for each key
// member reads the value and returns the key's bit (0: a key the object does not have). A
// key given twice, an unknown key or a value member cannot read fails the object.
func (s *scanner) members(member func(key []byte) (bit int, ok bool)) bool {
	seen := 0
	for {
		key, ok := s.str()
		if !ok || !s.lit(":") {
			return false
		}
		bit, ok := member(key)
		if !ok || bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		if !s.lit(",") {
			return s.lit("}")
		}
	}
}
