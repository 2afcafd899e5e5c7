package wire

import (
	"reflect"
	"testing"
)

// canonicalHeaders are headers as picam-server and NetGear actually send them.
func canonicalHeaders() map[string][]byte {
	ext := &Ext{Seq: 123456, TimeUS: 1700000000123456, Codec: "raw", Keyframe: true}
	return map[string][]byte{
		"picam raw":                AppendHeader(nil, &Header{Pattern: "2", DType: "uint8", Shape: []int{480, 640, 3}, Picam: ext}),
		"picam jpeg":               AppendHeader(nil, &Header{Pattern: "1", Compression: &Compression{DCT: true, Colorspace: "BGR"}, Picam: &Ext{Seq: 0, Codec: "jpeg", Keyframe: true}}),
		"netgear raw with message": []byte(`{"terminate_flag": false, "compression": false, "message": "hi-0", "pattern": "1", "dtype": "uint8", "shape": [4, 8, 3]}`),
		"netgear jpeg":             []byte(`{"terminate_flag": false, "compression": {"dct": true, "ups": false, "colorspace": "BGR"}, "message": null, "pattern": "2", "dtype": "", "shape": ""}`),
		"terminate":                Terminate,
		"compact and reordered":    []byte("{\"shape\":[2,3],\"dtype\":\"uint16\",\"compression\":false,\"terminate_flag\":false,\"picam\":{\"codec\":\"raw\",\"ts\":-5,\"seq\":0}}\n"),
		"partial compression":      []byte(`{"terminate_flag": false, "compression": {"ups": true}}`),
		"null picam":               []byte(`{"terminate_flag": true, "picam": null, "pattern": "0"}`),
	}
}

// The headers senders really produce take the fast path, and it agrees with encoding/json.
func TestParseCanonicalTakesTheFastPath(t *testing.T) {
	for name, b := range canonicalHeaders() {
		fast, ok := parseCanonical(b)
		if !ok {
			t.Errorf("%s: not parsed by the fast path: %s", name, b)
			continue
		}
		slow, err := parseHeaderJSON(b)
		if err != nil {
			t.Errorf("%s: encoding/json path fails: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s:\nfast %+v\nslow %+v", name, fast, slow)
		}
	}
}

// Everything outside the narrow form is left to encoding/json, whose rules (last key wins,
// case-insensitive keys, escapes, errors) the fast path does not reimplement.
func TestParseCanonicalDeclinesTheRest(t *testing.T) {
	for name, b := range map[string]string{
		"duplicate key":       `{"terminate_flag": false, "terminate_flag": true}`,
		"key in other case":   `{"Terminate_Flag": true}`,
		"escaped key":         `{"terminate\u005fflag": true}`,
		"escaped string":      `{"terminate_flag": true, "pattern": "\u0032"}`,
		"port":                `{"port": 5577, "terminate_flag": true}`,
		"object message":      `{"terminate_flag": true, "message": {"a": 1}}`,
		"leading zero":        `{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": [01]}`,
		"exponent":            `{"terminate_flag": true, "picam": {"seq": 1e3}}`,
		"space after minus":   `{"terminate_flag": true, "picam": {"ts": - 5}}`,
		"empty compression":   `{"terminate_flag": false, "compression": {}}`,
		"true compression":    `{"terminate_flag": false, "compression": true}`,
		"trailing garbage":    `{"terminate_flag": true} x`,
		"no terminate":        `{"compression": false}`,
		"no shape":            `{"terminate_flag": false, "compression": false, "dtype": "uint8"}`,
		"empty shape":         `{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": []}`,
		"seq overflow":        `{"terminate_flag": true, "picam": {"seq": 18446744073709551616}}`,
		"unknown picam key":   `{"terminate_flag": true, "picam": {"fps": 30}}`,
		"non-ASCII in string": `{"terminate_flag": true, "pattern": "é"}`,
		"truncated":           `{"terminate_flag": true`,
	} {
		if h, ok := parseCanonical([]byte(b)); ok {
			t.Errorf("%s: fast path accepted %s as %+v", name, b, h)
		}
	}
}

// FuzzParseCanonicalMatchesJSON: whatever the fast path accepts, encoding/json accepts too and
// parses to the same Header.
func FuzzParseCanonicalMatchesJSON(f *testing.F) {
	for _, b := range canonicalHeaders() {
		f.Add(b)
	}
	f.Add([]byte(`{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": [0, 9223372036854775807]}`))
	f.Add([]byte(`{"terminate_flag": false, "compression": {"dct": true, "dct": false}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := parseCanonical(b)
		if !ok {
			return
		}
		slow, err := parseHeaderJSON(b)
		if err != nil {
			t.Fatalf("fast path accepted what encoding/json rejects (%v): %q", err, b)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q:\nfast %#v\nslow %#v", b, fast, slow)
		}
	})
}

func BenchmarkParseHeader(b *testing.B) {
	h := canonicalHeaders()["picam raw"]
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := ParseHeader(h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := parseHeaderJSON(h); err != nil {
				b.Fatal(err)
			}
		}
	})
}
