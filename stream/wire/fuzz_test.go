package wire

import (
	"errors"
	"testing"
)

// FuzzParseHeader: any bytes give a header or ErrMalformed, never a panic; a parsed raw header's
// size check never panics either, and re-encoding a parsed header parses back the same way.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte(`{"terminate_flag": false, "compression": false, "message": null, "pattern": "1", "dtype": "uint8", "shape": [4, 8, 3]}`), []byte{1, 2})
	f.Add([]byte(`{"terminate_flag": false, "compression": {"dct": true, "ups": false, "colorspace": "BGR"}, "dtype": "", "shape": ""}`), []byte{0xFF, 0xD8})
	f.Add(Terminate, []byte(nil))
	f.Add([]byte(`{"terminate_flag": false, "compression": false, "dtype": "float64", "shape": [9223372036854775807, 2]}`), []byte{})
	f.Fuzz(func(t *testing.T, b, payload []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not wrapped: %v", err)
			}
			return
		}
		_ = CheckPayload(&h, payload)
		again, err := ParseHeader(AppendHeader(nil, &h))
		if err != nil {
			t.Fatalf("re-encoded header does not parse: %v", err)
		}
		if again.Terminate != h.Terminate || (again.Compression == nil) != (h.Compression == nil) || again.DType != h.DType {
			t.Fatalf("re-encode changed the header: %+v vs %+v", h, again)
		}
	})
}

// FuzzParseReply: any parts give a reply or ErrMalformed, never a panic.
func FuzzParseReply(f *testing.F) {
	f.Add([]byte(`{"port": "5577", "return_type": "str", "data": "x"}`), []byte(nil))
	f.Add([]byte(`{"port": 1, "return_type": "ndarray", "compression": false, "array_dtype": "uint8", "array_shape": [2], "data": null}`), []byte{1, 2})
	f.Add([]byte(`{"return_type": "ndarray", "compression": {"dct": true}, "array_dtype": "", "array_shape": ""}`), []byte{0xFF, 0xD8})
	f.Fuzz(func(t *testing.T, body, second []byte) {
		parts := [][]byte{body}
		if second != nil {
			parts = append(parts, second)
		}
		r, err := ParseReply(parts)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not wrapped: %v", err)
			}
			return
		}
		_ = r.DataString()
		_ = r.PortString()
	})
}
