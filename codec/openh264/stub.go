//go:build !(openh264 && cgo)

package openh264

// Available reports whether the library is compiled in.
func Available() bool { return false }

// Encoder is an OpenH264 encoder; without the openh264 build tag it cannot
// be created.
type Encoder struct{}

// NewEncoder returns ErrUnavailable in this build.
func NewEncoder(Config) (*Encoder, error) { return nil, ErrUnavailable }

// Encode is never reached in this build.
func (e *Encoder) Encode([]byte, bool) ([]byte, error) { return nil, ErrUnavailable }

// Close does nothing in this build.
func (e *Encoder) Close() error { return nil }

// Decoder is an OpenH264 decoder; without the openh264 build tag it cannot
// be created.
type Decoder struct{}

// NewDecoder returns ErrUnavailable in this build.
func NewDecoder() (*Decoder, error) { return nil, ErrUnavailable }

// Decode is never reached in this build.
func (d *Decoder) Decode([]byte) (Picture, bool, error) { return Picture{}, false, ErrUnavailable }

// Close does nothing in this build.
func (d *Decoder) Close() error { return nil }
