package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzParseHeader: any bytes give a header or ErrMalformed, never a panic; a parsed raw header's
// size check never panics either; and a parsed header round-trips: re-encoded and parsed again it
// has every field it had (Terminate, Compression, Message, Pattern, DType, Shape, Port and
// picam's own Seq, TimeUS, Codec, Keyframe), and encoding that gives the same bytes.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte(`{"terminate_flag": false, "compression": false, "message": null, "pattern": "1", "dtype": "uint8", "shape": [4, 8, 3]}`), []byte{1, 2})
	f.Add([]byte(`{"terminate_flag": false, "compression": {"dct": true, "ups": false, "colorspace": "BGR"}, "dtype": "", "shape": ""}`), []byte{0xFF, 0xD8})
	f.Add(Terminate, []byte(nil))
	f.Add([]byte(`{"terminate_flag": false, "compression": false, "dtype": "float64", "shape": [9223372036854775807, 2]}`), []byte{})
	f.Add([]byte(`{"port": "5577", "terminate_flag": false, "compression": false, "message": {"a": [1, "x"]}, "pattern": "2", "dtype": "uint8", "shape": [2, 3], `+
		`"picam": {"seq": 18446744073709551615, "ts": -5, "codec": "h264", "key": true}}`), []byte{1, 2, 3, 4, 5, 6})
	f.Fuzz(func(t *testing.T, b, payload []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not wrapped: %v", err)
			}
			return
		}
		_ = CheckPayload(&h, payload)
		enc := AppendHeader(nil, &h)
		again, err := ParseHeader(enc)
		if err != nil {
			t.Fatalf("re-encoded header %s does not parse: %v", enc, err)
		}
		if again.Terminate != h.Terminate || again.Pattern != h.Pattern || again.DType != h.DType ||
			!reflect.DeepEqual(again.Compression, h.Compression) || !reflect.DeepEqual(again.Picam, h.Picam) ||
			!sameJSON(again.Message, h.Message) || !sameJSON(again.Port, h.Port) {
			t.Fatalf("re-encode changed the header:\n%+v\n%+v\n(%s)", h, again, enc)
		}
		// The shape travels with raw payloads; a JPEG header sends "" (NetGear's form).
		if wantShape := h.Shape; h.Compression == nil && !slices.Equal(again.Shape, wantShape) {
			t.Fatalf("shape %v re-parsed as %v (%s)", wantShape, again.Shape, enc)
		}
		if enc2 := AppendHeader(nil, &again); !bytes.Equal(enc2, enc) {
			t.Fatalf("encoding is not stable:\n%s\n%s", enc, enc2)
		}
	})
}

// sameJSON reports whether two JSON values are equal as values; absent (nil) counts as null.
func sameJSON(a, b json.RawMessage) bool {
	norm := func(m json.RawMessage) any {
		if len(m) == 0 {
			return nil
		}
		var v any
		if json.Unmarshal(m, &v) != nil {
			return string(m) // not JSON: compare the bytes
		}
		return v
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// FuzzParseReply: any parts give a reply or ErrMalformed, never a panic. An array reply's
// payload is a copy of the second part and, when raw, exactly dtype x shape bytes; any other
// reply round-trips through AppendReply (the form picam-client sends) with its port, type and
// data.
func FuzzParseReply(f *testing.F) {
	f.Add([]byte(`{"port": "5577", "return_type": "str", "data": "x"}`), []byte(nil))
	f.Add([]byte(`{"port": 1, "return_type": "ndarray", "compression": false, "array_dtype": "uint8", "array_shape": [2], "data": null}`), []byte{1, 2})
	f.Add([]byte(`{"return_type": "ndarray", "compression": {"dct": true}, "array_dtype": "", "array_shape": ""}`), []byte{0xFF, 0xD8})
	f.Add([]byte(`Termination signal successfully received at Client's end!`), []byte(nil))
	f.Add([]byte(`{"port": 5578, "return_type": "dict", "data": {"n": [1, 2.5, null]}}`), []byte(nil))
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
		if r.ReturnType == "ndarray" {
			if !bytes.Equal(r.Array, second) {
				t.Fatalf("array part %x, sent %x", r.Array, second)
			}
			if len(second) > 0 && &r.Array[0] == &second[0] {
				t.Fatal("the reply's array aliases the message buffer it was parsed from")
			}
			if r.Compression == nil {
				n, err := ArraySize(r.ArrayDType, r.ArrayShape)
				if err != nil || n != int64(len(r.Array)) {
					t.Fatalf("raw array %s %v accepted with %d bytes (size %d, %v)", r.ArrayDType, r.ArrayShape, len(r.Array), n, err)
				}
			}
			return
		}
		if len(body) == 0 || body[0] != '{' {
			// A plain string reply (NetGear's non-multi-client form) is its text.
			if r.ReturnType != "str" || (utf8.Valid(body) && r.DataString() != string(body)) {
				t.Fatalf("plain reply %q parsed as %s %q", body, r.ReturnType, r.DataString())
			}
		}
		enc := AppendReply(nil, r.PortString(), r.ReturnType, r.Data)
		again, err := ParseReply([][]byte{enc})
		if err != nil {
			t.Fatalf("re-encoded reply %s does not parse: %v", enc, err)
		}
		if again.ReturnType != r.ReturnType || again.PortString() != r.PortString() || !sameJSON(again.Data, r.Data) {
			t.Fatalf("re-encode changed the reply: %+v vs %+v (%s)", r, again, enc)
		}
	})
}
