package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestAppendHeaderMatchesPyzmqBytes(t *testing.T) {
	// The exact bytes captured from NetGear (docs/netgear-protocol.md §3).
	raw := AppendHeader(nil, &Header{Message: json.RawMessage(`"hi-0"`), Pattern: "1", DType: "uint8", Shape: []int{4, 8, 3}})
	want := `{"terminate_flag": false, "compression": false, "message": "hi-0", "pattern": "1", "dtype": "uint8", "shape": [4, 8, 3]}`
	if string(raw) != want {
		t.Fatalf("raw header\n got %s\nwant %s", raw, want)
	}
	jpg := AppendHeader(nil, &Header{Compression: &Compression{DCT: true, Colorspace: "BGR"}, Message: json.RawMessage(`"hi-0"`), Pattern: "1"})
	want = `{"terminate_flag": false, "compression": {"dct": true, "ups": false, "colorspace": "BGR"}, "message": "hi-0", "pattern": "1", "dtype": "", "shape": ""}`
	if string(jpg) != want {
		t.Fatalf("jpeg header\n got %s\nwant %s", jpg, want)
	}
}

func TestHeaderRoundTripWithExtension(t *testing.T) {
	in := Header{Message: json.RawMessage(`{"a": [1, 2]}`), Pattern: "2", DType: "uint8", Shape: []int{480, 640, 3},
		Picam: &Ext{Seq: 7, TimeUS: 1700000000123456, Codec: "raw", Keyframe: true}}
	out, err := ParseHeader(AppendHeader(nil, &in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip\n in %+v\nout %+v", in, out)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	for name, b := range map[string]string{
		"not json":        `{"terminate_flag": fa`,
		"no terminate":    `{"compression": false}`,
		"no compression":  `{"terminate_flag": false, "dtype": "uint8", "shape": [1]}`,
		"no dtype":        `{"terminate_flag": false, "compression": false, "shape": [1]}`,
		"shape not list":  `{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": "x"}`,
		"array not obj":   `[1, 2]`,
		"bad compression": `{"terminate_flag": false, "compression": {"dct": "x"}}`,
	} {
		if _, err := ParseHeader([]byte(b)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: want ErrMalformed, got %v", name, err)
		}
	}
	h, err := ParseHeader(Terminate)
	if err != nil || !h.Terminate {
		t.Fatalf("terminate: %+v %v", h, err)
	}
}

func TestCheckPayload(t *testing.T) {
	h := Header{DType: "uint16", Shape: []int{2, 3}}
	if err := CheckPayload(&h, make([]byte, 12)); err != nil {
		t.Fatal(err)
	}
	if err := CheckPayload(&h, make([]byte, 11)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("size mismatch accepted: %v", err)
	}
	huge := Header{DType: "float64", Shape: []int{1 << 40, 1 << 40}}
	if err := CheckPayload(&huge, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("overflowing shape accepted: %v", err)
	}
	neg := Header{DType: "uint8", Shape: []int{-1, 5}}
	if err := CheckPayload(&neg, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("negative shape accepted: %v", err)
	}
	j := Header{Compression: &Compression{}}
	if err := CheckPayload(&j, []byte{0xFF, 0xD8, 0xFF}); err != nil {
		t.Fatal(err)
	}
	if err := CheckPayload(&j, []byte("PNG")); !errors.Is(err, ErrMalformed) {
		t.Fatal("non-JPEG accepted")
	}
}

func TestReplies(t *testing.T) {
	b := AppendReply(nil, "5577", "str", json.RawMessage(`"data from 5577"`))
	if string(b) != `{"port": "5577", "return_type": "str", "data": "data from 5577"}` {
		t.Fatalf("reply bytes %s", b)
	}
	r, err := ParseReply([][]byte{b})
	if err != nil || r.PortString() != "5577" || r.DataString() != "data from 5577" {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = ParseReply([][]byte{[]byte(TerminateAck)})
	if err != nil || r.DataString() != TerminateAck {
		t.Fatalf("ack: %+v %v", r, err)
	}
	arr := [][]byte{[]byte(`{"port": 5578, "return_type": "ndarray", "compression": false, "array_dtype": "uint8", "array_shape": [2, 2], "data": null}`), {1, 2, 3, 4}}
	r, err = ParseReply(arr)
	if err != nil || r.PortString() != "5578" || !reflect.DeepEqual(r.ArrayShape, []int{2, 2}) || len(r.Array) != 4 {
		t.Fatalf("array reply: %+v %v", r, err)
	}
	arr[1] = []byte{1, 2, 3}
	if _, err := ParseReply(arr); !errors.Is(err, ErrMalformed) {
		t.Fatal("array size mismatch accepted")
	}
	if _, err := ParseReply(arr[:1]); !errors.Is(err, ErrMalformed) {
		t.Fatal("array reply without its part accepted")
	}
}

func TestReturnTypeOf(t *testing.T) {
	for in, want := range map[string]string{`"x"`: "str", `3`: "int", `3.5`: "float", `null`: "NoneType", ``: "NoneType",
		`[1]`: "list", `{"a":1}`: "dict", `true`: "bool"} {
		if got := ReturnTypeOf(json.RawMessage(in)); got != want {
			t.Errorf("%q: got %s want %s", in, got, want)
		}
	}
}

func TestArrayReplyRoundTrip(t *testing.T) {
	b := AppendArrayReply(nil, "5577", "uint8", []int{2, 3})
	r, err := ParseReply([][]byte{b, make([]byte, 6)})
	if err != nil || r.ReturnType != "ndarray" || r.PortString() != "5577" || !reflect.DeepEqual(r.ArrayShape, []int{2, 3}) {
		t.Fatalf("%s: %+v %v", b, r, err)
	}
}

// H.264 packets carry neither JPEG compression nor an array dtype; picam's extension says so.
func TestH264HeaderAndPayload(t *testing.T) {
	h := Header{Pattern: "2", Picam: &Ext{Seq: 1, Codec: "h264", Keyframe: true}}
	got, err := ParseHeader(AppendHeader(nil, &h))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPayload(&got, []byte{0, 0, 0, 1, 0x67}); err != nil {
		t.Fatal(err)
	}
	if err := CheckPayload(&got, []byte{0xFF, 0xD8}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("non-Annex-B payload accepted: %v", err)
	}
	if _, err := ParseHeader([]byte(`{"terminate_flag": false, "compression": false, "dtype": "", "shape": ""}`)); err == nil {
		t.Fatal("a raw header without dtype must still be refused without the h264 extension")
	}
}

// FWHT packets (the QEMU test's vicodec bitstream) are labelled like H.264: by picam's
// extension, with their own magic checked.
func TestFWHTHeaderAndPayload(t *testing.T) {
	h := Header{Pattern: "1", Picam: &Ext{Seq: 7, Codec: "fwht"}}
	got, err := ParseHeader(AppendHeader(nil, &h))
	if err != nil {
		t.Fatal(err)
	}
	if got.Picam == nil || got.Picam.Codec != "fwht" || got.Compression != nil {
		t.Fatalf("parsed %+v", got)
	}
	frame := append(append([]byte(nil), fwhtMagic...), make([]byte, 36)...)
	if err := CheckPayload(&got, frame); err != nil {
		t.Fatal(err)
	}
	if err := CheckPayload(&got, []byte{0, 0, 0, 1, 0x65}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("an H.264 payload labelled fwht was accepted: %v", err)
	}
	if !IsBitstream("fwht") || !IsBitstream("h264") || IsBitstream("raw") || IsBitstream("jpeg") || IsBitstream("") {
		t.Fatal("IsBitstream")
	}
}

// The ndarray reply a NetGear client sends by default (simplejpeg installed): the array as a
// JPEG, "compression" with the client's JPEG settings, array_dtype and array_shape "". And a
// plain client's per-frame string is marked as an acknowledgement, not data.
func TestNetGearDefaultJPEGArrayReply(t *testing.T) {
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 0xFF, 0xD9}
	parts := [][]byte{[]byte(`{"return_type": "ndarray", "compression": {"dct": true, "ups": false, "colorspace": "BGR"}, "array_dtype": "", "array_shape": "", "data": null}`), jpeg}
	r, err := ParseReply(parts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Compression == nil || r.Compression.Colorspace != "BGR" || !r.Compression.DCT || len(r.Array) != len(jpeg) || r.Plain {
		t.Fatalf("%+v", r)
	}
	if got, want := r.DataString(), "ndarray jpeg BGR (13 bytes)"; got != want {
		t.Fatalf("DataString %q, want %q", got, want)
	}
	r, err = ParseReply([][]byte{[]byte("Data received on device: AB12CD34 !")})
	if err != nil || !r.Plain || r.ReturnType != "str" {
		t.Fatalf("plain reply: %+v %v", r, err)
	}
	r, err = ParseReply([][]byte{[]byte(`{"return_type": "str", "data": "Data received"}`)})
	if err != nil || r.Plain {
		t.Fatalf("JSON reply marked plain: %+v %v", r, err)
	}
}
