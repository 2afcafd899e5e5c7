// Package wire holds VidGear NetGear's message formats as picam sends and parses them: the JSON
// frame header, the client's reply, and the terminate message. It does no I/O, so the parsers
// can be fuzzed; every parser returns an error rather than panicking on hostile input.
//
// The formats follow docs/netgear-protocol.md §3-§5. picam adds one key, "picam", to the frame
// header (sequence number, capture time, codec, keyframe); NetGear ignores unknown keys.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/picam-project/picam/av"
)

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("malformed NetGear message")

// TerminateAck is the string a NetGear client sends back in pattern 1 when it gets the
// terminate flag.
const TerminateAck = "Termination signal successfully received at Client's end!"

// Terminate is the single-part message that tells a NetGear client the server is closing.
var Terminate = []byte(`{"terminate_flag": true}`)

// Compression is NetGear's "compression" header value for a JPEG payload.
type Compression struct {
	DCT        bool   `json:"dct"`
	UPS        bool   `json:"ups"`
	Colorspace string `json:"colorspace"`
}

// Ext is picam's own header extension, under the key "picam".
type Ext struct {
	Seq      uint64 `json:"seq"`
	TimeUS   int64  `json:"ts"`    // capture time, Unix microseconds
	Codec    string `json:"codec"` // "raw", "jpeg", "h264" or "fwht"
	Keyframe bool   `json:"key"`
}

// Header is one frame's JSON header.
type Header struct {
	Terminate   bool
	Compression *Compression    // nil means a raw array payload
	Message     json.RawMessage // any JSON value; nil is sent as null
	Pattern     string          // "0", "1" or "2"; NetGear never reads it
	DType       string          // numpy dtype name for raw payloads
	Shape       []int           // array shape for raw payloads
	Port        json.RawMessage // multi-server mode only: the sender's port as it gave it
	Picam       *Ext
}

// AppendHeader appends h as JSON with the key order and separators pyzmq's send_json uses.
func AppendHeader(dst []byte, h *Header) []byte {
	dst = append(dst, '{')
	if len(h.Port) > 0 {
		dst = append(dst, `"port": `...)
		dst = append(dst, h.Port...)
		dst = append(dst, ", "...)
	}
	dst = append(dst, `"terminate_flag": `...)
	dst = strconv.AppendBool(dst, h.Terminate)
	dst = append(dst, `, "compression": `...)
	if h.Compression == nil {
		dst = append(dst, "false"...)
	} else {
		dst = append(dst, `{"dct": `...)
		dst = strconv.AppendBool(dst, h.Compression.DCT)
		dst = append(dst, `, "ups": `...)
		dst = strconv.AppendBool(dst, h.Compression.UPS)
		dst = append(dst, `, "colorspace": `...)
		dst = appendString(dst, h.Compression.Colorspace)
		dst = append(dst, '}')
	}
	dst = append(dst, `, "message": `...)
	if len(h.Message) == 0 {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, h.Message...)
	}
	dst = append(dst, `, "pattern": `...)
	dst = appendString(dst, h.Pattern)
	dst = append(dst, `, "dtype": `...)
	dst = appendString(dst, h.DType)
	dst = append(dst, `, "shape": `...)
	if h.Compression != nil || h.Shape == nil {
		dst = append(dst, `""`...)
	} else {
		dst = append(dst, '[')
		for i, d := range h.Shape {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = strconv.AppendInt(dst, int64(d), 10)
		}
		dst = append(dst, ']')
	}
	if h.Picam != nil {
		dst = append(dst, `, "picam": {"seq": `...)
		dst = strconv.AppendUint(dst, h.Picam.Seq, 10)
		dst = append(dst, `, "ts": `...)
		dst = strconv.AppendInt(dst, h.Picam.TimeUS, 10)
		dst = append(dst, `, "codec": `...)
		dst = appendString(dst, h.Picam.Codec)
		dst = append(dst, `, "key": `...)
		dst = strconv.AppendBool(dst, h.Picam.Keyframe)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

type rawHeader struct {
	Terminate   *bool           `json:"terminate_flag"`
	Compression json.RawMessage `json:"compression"`
	Message     json.RawMessage `json:"message"`
	Pattern     json.RawMessage `json:"pattern"`
	DType       json.RawMessage `json:"dtype"`
	Shape       json.RawMessage `json:"shape"`
	Port        json.RawMessage `json:"port"`
	Picam       *Ext            `json:"picam"`
}

// ParseHeader parses a frame header as a NetGear receiver would: terminate_flag must be
// present; a non-terminate header also needs compression, and, for a raw payload, dtype and
// shape. Payload sizes are checked separately by CheckPayload.
func ParseHeader(b []byte) (Header, error) {
	if h, ok := parseCanonical(b); ok {
		return h, nil
	}
	return parseHeaderJSON(b)
}

// parseHeaderJSON is ParseHeader for any JSON: the reference behaviour, and the path for every
// header parseCanonical does not take.
func parseHeaderJSON(b []byte) (Header, error) {
	var r rawHeader
	if err := json.Unmarshal(b, &r); err != nil {
		return Header{}, fmt.Errorf("%w: header is not a JSON object: %v", ErrMalformed, err)
	}
	if r.Terminate == nil {
		return Header{}, fmt.Errorf("%w: header has no terminate_flag", ErrMalformed)
	}
	h := Header{Terminate: *r.Terminate, Message: r.Message, Port: r.Port, Picam: r.Picam}
	if isNull(h.Message) {
		h.Message = nil
	}
	if len(r.Pattern) > 0 && !isNull(r.Pattern) {
		var s string
		if err := json.Unmarshal(r.Pattern, &s); err == nil {
			h.Pattern = s
		} else {
			h.Pattern = string(r.Pattern)
		}
	}
	if h.Terminate {
		return h, nil
	}
	if len(r.Compression) == 0 {
		return Header{}, fmt.Errorf("%w: header has no compression key", ErrMalformed)
	}
	if truthy(r.Compression) {
		c, err := parseCompression(r.Compression, "value")
		if err != nil {
			return Header{}, err
		}
		h.Compression = c
		return h, nil
	}
	if h.Picam != nil && IsBitstream(h.Picam.Codec) {
		return h, nil // H.264 or FWHT: neither JPEG nor an array, dtype and shape are ""
	}
	if err := json.Unmarshal(r.DType, &h.DType); err != nil || h.DType == "" {
		return Header{}, fmt.Errorf("%w: raw frame without a dtype string", ErrMalformed)
	}
	if err := json.Unmarshal(r.Shape, &h.Shape); err != nil || len(h.Shape) == 0 {
		return Header{}, fmt.Errorf("%w: raw frame without a shape list", ErrMalformed)
	}
	return h, nil
}

func isNull(b json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

// truthy mirrors Python truthiness for JSON values, as NetGear tests `if compression:`.
func truthy(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0, isNull(b), bytes.Equal(b, []byte("false")), bytes.Equal(b, []byte(`""`)),
		bytes.Equal(b, []byte("{}")), bytes.Equal(b, []byte("[]")), bytes.Equal(b, []byte("0")):
		return false
	}
	return true
}

// ItemSize is the size in bytes of one element of a numpy dtype name, or 0 if unknown.
func ItemSize(dtype string) int {
	switch dtype {
	case "uint8", "int8", "bool":
		return 1
	case "uint16", "int16", "float16":
		return 2
	case "uint32", "int32", "float32":
		return 4
	case "uint64", "int64", "float64":
		return 8
	}
	return 0
}

// ArraySize is the byte size of an array of dtype and shape, with overflow and sign checks.
func ArraySize(dtype string, shape []int) (int64, error) {
	size := int64(ItemSize(dtype))
	if size == 0 {
		return 0, fmt.Errorf("%w: unsupported dtype %q", ErrMalformed, dtype)
	}
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("%w: negative dimension in shape %v", ErrMalformed, shape)
		}
		if d != 0 && size > math.MaxInt64/int64(d) {
			return 0, fmt.Errorf("%w: shape %v overflows", ErrMalformed, shape)
		}
		size *= int64(d)
	}
	return size, nil
}

// IsBitstream reports the codecs whose payload is a compressed bitstream picam names in its
// header extension instead of NetGear's compression, dtype and shape: "h264" (one Annex-B
// access unit) and "fwht" (one frame of the kernel's vicodec, for the QEMU test). Only picam
// peers receive them; a NetGear receiver could decode neither. They are the inter-coded codecs
// (av.Codec.InterCoded decides which those are).
func IsBitstream(codec string) bool { return av.Codec(codec).InterCoded() }

// fwhtMagic starts every vicodec FWHT frame (codec/fwht).
var fwhtMagic = []byte{0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff}

// CheckPayload verifies that a raw payload's length matches the header's dtype and shape. JPEG,
// H.264 and FWHT payloads are only checked to start as their format does (SOI marker, start
// code, frame magic), so a mislabelled payload is caught before a decoder sees it.
func CheckPayload(h *Header, payload []byte) error {
	if h.Compression != nil {
		if len(payload) < 2 || payload[0] != 0xFF || payload[1] != 0xD8 {
			return fmt.Errorf("%w: compressed payload is not a JPEG", ErrMalformed)
		}
		return nil
	}
	if h.Picam != nil {
		switch h.Picam.Codec {
		case "h264":
			if !bytes.HasPrefix(payload, []byte{0, 0, 1}) && !bytes.HasPrefix(payload, []byte{0, 0, 0, 1}) {
				return fmt.Errorf("%w: h264 payload is not an Annex-B access unit (no start code)", ErrMalformed)
			}
			return nil
		case "fwht":
			if !bytes.HasPrefix(payload, fwhtMagic) {
				return fmt.Errorf("%w: fwht payload does not start with vicodec's frame magic", ErrMalformed)
			}
			return nil
		}
	}
	return CheckPayloadSize(h, int64(len(payload)))
}

// CheckPayloadSize verifies, before a payload of n bytes is read, that a raw array's header
// announces n bytes (dtype × shape). JPEG, H.264 and FWHT payloads have no size to check.
func CheckPayloadSize(h *Header, n int64) error {
	if h.Compression != nil || (h.Picam != nil && IsBitstream(h.Picam.Codec)) {
		return nil
	}
	want, err := ArraySize(h.DType, h.Shape)
	if err != nil {
		return err
	}
	if want != n {
		return fmt.Errorf("%w: dtype %s shape %v needs %d bytes, payload has %d", ErrMalformed, h.DType, h.Shape, want, n)
	}
	return nil
}

// parseCompression reads a truthy "compression" value: true (BGR JPEG with
// NetGear's defaults) or an object; what says where it stood, in errors.
func parseCompression(raw json.RawMessage, what string) (*Compression, error) {
	c := Compression{Colorspace: "BGR"}
	if raw[0] == '{' {
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: bad compression %s: %v", ErrMalformed, what, err)
		}
	}
	return &c, nil
}
