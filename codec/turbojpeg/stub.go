//go:build !(turbojpeg && cgo)

package turbojpeg

// Available reports whether libjpeg-turbo is compiled in.
func Available() bool { return false }

// Compressor encodes JPEG images; without the turbojpeg build tag it cannot
// be created.
type Compressor struct{}

// NewCompressor returns ErrUnavailable in this build.
func NewCompressor() (*Compressor, error) { return nil, ErrUnavailable }

// CompressRGB is never reached in this build.
func (c *Compressor) CompressRGB([]byte, int, int, bool, int) ([]byte, error) {
	return nil, ErrUnavailable
}

// CompressYCbCr420 is never reached in this build.
func (c *Compressor) CompressYCbCr420(_, _, _ []byte, _, _, _, _, _ int) ([]byte, error) {
	return nil, ErrUnavailable
}

// Close does nothing in this build.
func (c *Compressor) Close() error { return nil }
