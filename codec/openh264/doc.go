// Package openh264 is a small cgo binding to Cisco's OpenH264 library
// (BSD-2-Clause), picam's software H.264 encoder for machines without a
// hardware one: the Raspberry Pi 5 and laptops. It also binds the library's
// decoder, which the tests use to prove that what the encoder produced (and
// what a client joining mid-stream is sent) decodes.
//
// It is compiled only with the build tag openh264 and cgo, against the
// system library through pkg-config:
//
//	apt-get install libopenh264-dev        # Debian 12: OpenH264 2.3.1
//	go build -tags openh264 ./...
//
// Buildroot has the library as BR2_PACKAGE_LIBOPENH264. Without the tag
// (the default CGO_ENABLED=0 build) NewEncoder and NewDecoder return
// ErrUnavailable, so callers compile everywhere and fall back at run time.
//
// Why not pion/mediadevices' openh264 package, which bundles static
// libraries: importing it pulls the whole pion WebRTC stack (about twenty
// modules) into the build; `go mod vendor`, which picam's Buildroot build
// relies on, drops its bundled headers and libraries (they are not in a Go
// package directory), so the vendored build fails; its libraries are
// OpenH264 2.1.1 from 2020; and its pkg-config variant looks for
// <openh264/codec_api.h> where Debian and upstream install <wels/…>.
// The binding needed here is a hundred lines of C calls.
package openh264
