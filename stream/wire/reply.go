package wire

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Reply is a NetGear client's answer to one frame in pattern 1 (multi-client or bidirectional):
// {"port": p, "return_type": T, "data": D}, plus a second part when the data is an array.
type Reply struct {
	Port       json.RawMessage // as the client gave it; picam clients send a JSON string
	ReturnType string          // Python type name: "NoneType", "str", "int", "dict", "ndarray", ...
	Data       json.RawMessage // JSON value; null for arrays
	// For ReturnType "ndarray": how the second part is encoded.
	Compression *Compression
	ArrayDType  string
	ArrayShape  []int
	Array       []byte // second part (raw bytes or JPEG); owned by the Reply
	// Plain marks a plain-string reply (a client that is neither multi-client nor
	// bidirectional confirms each frame with "Data received on device: ID !"): an
	// acknowledgement, not return data.
	Plain bool
}

// PortString is the reply's port as text: a JSON string unquoted, a number as written.
func (r *Reply) PortString() string {
	var s string
	if err := json.Unmarshal(r.Port, &s); err == nil {
		return s
	}
	return string(r.Port)
}

// DataString renders the returned data for logs: a JSON string unquoted, anything else as JSON.
func (r *Reply) DataString() string {
	if r.ReturnType == "ndarray" {
		if r.Compression != nil { // NetGear's default with simplejpeg: a JPEG, no dtype or shape
			return fmt.Sprintf("ndarray jpeg %s (%d bytes)", r.Compression.Colorspace, len(r.Array))
		}
		return fmt.Sprintf("ndarray %s %v (%d bytes)", r.ArrayDType, r.ArrayShape, len(r.Array))
	}
	var s string
	if err := json.Unmarshal(r.Data, &s); err == nil {
		return s
	}
	if len(r.Data) == 0 {
		return "null"
	}
	return string(r.Data)
}

type rawReply struct {
	Port        json.RawMessage `json:"port"`
	ReturnType  *string         `json:"return_type"`
	Data        json.RawMessage `json:"data"`
	Compression json.RawMessage `json:"compression"`
	ArrayDType  string          `json:"array_dtype"`
	ArrayShape  json.RawMessage `json:"array_shape"`
}

// ParseReply parses the body parts of a reply (REQ envelope already removed). The plain-string
// replies of non-multi-client NetGear clients and the terminate acknowledgement are returned
// with ReturnType "str" and the text as a JSON string.
func ParseReply(parts [][]byte) (Reply, error) {
	if len(parts) == 0 {
		return Reply{}, fmt.Errorf("%w: empty reply", ErrMalformed)
	}
	body := parts[0]
	if len(body) == 0 || body[0] != '{' {
		data, _ := json.Marshal(string(body))
		return Reply{ReturnType: "str", Data: data, Plain: true}, nil
	}
	var r rawReply
	if err := json.Unmarshal(body, &r); err != nil {
		return Reply{}, fmt.Errorf("%w: reply is not JSON: %v", ErrMalformed, err)
	}
	if r.ReturnType == nil {
		return Reply{}, fmt.Errorf("%w: reply has no return_type", ErrMalformed)
	}
	rep := Reply{Port: r.Port, ReturnType: *r.ReturnType, Data: r.Data}
	if rep.ReturnType != "ndarray" {
		return rep, nil
	}
	if len(parts) < 2 {
		return Reply{}, fmt.Errorf("%w: ndarray reply without its data part", ErrMalformed)
	}
	rep.Array = append([]byte(nil), parts[1]...)
	h := Header{DType: r.ArrayDType}
	if truthy(r.Compression) {
		c, err := parseCompression(r.Compression, "in reply")
		if err != nil {
			return Reply{}, err
		}
		rep.Compression = c
		h.Compression = c
	} else {
		if err := json.Unmarshal(r.ArrayShape, &rep.ArrayShape); err != nil {
			return Reply{}, fmt.Errorf("%w: ndarray reply without a shape list", ErrMalformed)
		}
		h.Shape = rep.ArrayShape
	}
	rep.ArrayDType = r.ArrayDType
	if err := CheckPayload(&h, rep.Array); err != nil {
		return Reply{}, err
	}
	return rep, nil
}

// AppendReply appends the JSON part of a reply, with the client's port as a JSON string (as
// NetGear's documentation and examples give it). data must be a valid JSON value or nil.
func AppendReply(dst []byte, port string, returnType string, data json.RawMessage) []byte {
	dst = append(dst, '{')
	if port != "" {
		dst = append(dst, `"port": `...)
		dst = appendString(dst, port)
		dst = append(dst, ", "...)
	}
	dst = append(dst, `"return_type": `...)
	dst = appendString(dst, returnType)
	dst = append(dst, `, "data": `...)
	if len(data) == 0 {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, data...)
	}
	return append(dst, '}')
}

// ReturnTypeOf names a JSON value's type as Python's type(x).__name__ would after json.loads.
func ReturnTypeOf(data json.RawMessage) string {
	var v any
	if len(data) == 0 || json.Unmarshal(data, &v) != nil || v == nil {
		return "NoneType"
	}
	switch x := v.(type) {
	case string:
		return "str"
	case bool:
		return "bool"
	case float64:
		if x == float64(int64(x)) && !containsAny(data, ".eE") {
			return "int"
		}
		return "float"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return "NoneType"
}

func containsAny(b []byte, chars string) bool {
	for _, c := range b {
		for i := 0; i < len(chars); i++ {
			if c == chars[i] {
				return true
			}
		}
	}
	return false
}

// AppendArrayReply appends the JSON part of a 2-part ndarray reply; the raw array bytes go in
// the second part. port may be "" (no port key, as outside multi-client mode).
func AppendArrayReply(dst []byte, port, dtype string, shape []int) []byte {
	dst = append(dst, '{')
	if port != "" {
		dst = append(dst, `"port": `...)
		dst = appendString(dst, port)
		dst = append(dst, ", "...)
	}
	dst = append(dst, `"return_type": "ndarray", "compression": false, "array_dtype": `...)
	dst = appendString(dst, dtype)
	dst = append(dst, `, "array_shape": [`...)
	for i, d := range shape {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = strconv.AppendInt(dst, int64(d), 10)
	}
	return append(dst, `], "data": null}`...)
}
