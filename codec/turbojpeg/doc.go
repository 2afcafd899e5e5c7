// Package turbojpeg is a small cgo binding to libjpeg-turbo's TurboJPEG API,
// picam's fast software JPEG encoder: about eight times the speed of Go's
// image/jpeg thanks to its SIMD code (NEON on the Pi).
//
// It is compiled only with the build tag turbojpeg and cgo:
//
//	apt-get install libturbojpeg0-dev      # Debian 12: libjpeg-turbo 2.1.5
//	go build -tags turbojpeg ./...
//
// Buildroot has the library as BR2_PACKAGE_JPEG_TURBO. Without the tag (the
// default CGO_ENABLED=0 build) NewCompressor returns ErrUnavailable and
// picam uses its pure-Go encoder.
package turbojpeg

import "errors"

// ErrUnavailable is returned by NewCompressor in builds without the
// turbojpeg tag (or without cgo).
var ErrUnavailable = errors.New("turbojpeg: not compiled in; install libturbojpeg0-dev and build with CGO_ENABLED=1 -tags turbojpeg")
