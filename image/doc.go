// Package picimage holds picam's uncompressed-frame vocabulary: the Frame type
// that travels from a camera source to an encoder, the pixel formats cameras
// deliver, conversions of those formats to the BGR24 layout NetGear's Python
// clients expect (OpenCV order), and a synthetic test-pattern source with a
// burnt-in frame counter and capture timestamp.
//
// The directory is called image, as the design's layout names it, but the
// package is called picimage because "image" would clash with the standard
// library package that codecs and tests import next to it. Import it as
//
//	import picimage "github.com/picam-project/picam/image"
//
// so the name at the call site matches the package clause.
//
// The test pattern exists so that every command works on a laptop without a
// camera, and so that end-to-end tests can tell exactly
// which frame a client received: ReadCounter reads the burnt-in counter back
// from a decoded BGR24 frame.
package picimage
