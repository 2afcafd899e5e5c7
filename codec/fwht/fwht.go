// Package fwht decodes the bitstream of vicodec, the Linux kernel's virtual
// codec driver (drivers/media/test-drivers/vicodec), which compresses
// pictures with an 8x8 Fast Walsh-Hadamard Transform.
//
// picam does not stream FWHT to anyone in production. vicodec exists so that
// the V4L2 memory-to-memory encoder path (the one bcm2835-codec uses on a
// Raspberry Pi) can be exercised in a QEMU guest, and this decoder lets the
// test on the host check that what the guest's picam-server sent decodes to
// the picture the camera captured. It follows the format as the kernel's
// codec-fwht.c writes it, version 3 (Linux 5.0 onwards), written anew here
// from the format's description; it is not a port of that file.
//
// # Format
//
// A frame is a 44-byte header (two magic words, then big-endian version,
// width, height, flags, four colour fields and the payload size) followed by
// the payload: each component plane in turn (Y, Cb, Cr, then alpha; for RGB
// input G, B, R, alpha), either raw when the flags say so or as a sequence of
// 8x8 blocks in raster order. A block starts with a 16-bit status word (bit
// 15: inter-coded against the previous frame; bits 1-12: how many following
// blocks repeat this one) and continues with run-length pairs of 12-bit
// coefficient and 4-bit zero run, in zig-zag order, a run of 15 meaning
// "zeros to the end". Coefficients are dequantised by left shifts from a
// fixed table, inverse-transformed, and intra blocks are offset by 128;
// inter blocks are added to the co-located block of the previous picture.
package fwht

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Header flags (V4L2_FWHT_FL_* in linux/v4l2-controls.h).
const (
	FlagLumaRaw          = 1 << 4
	FlagCbRaw            = 1 << 5
	FlagCrRaw            = 1 << 6
	FlagChromaFullHeight = 1 << 7
	FlagChromaFullWidth  = 1 << 8
	FlagAlphaRaw         = 1 << 9
	FlagIFrame           = 1 << 10
	componentsShift      = 16
	componentsMask       = 7 << componentsShift
	pixEncShift          = 19
	pixEncMask           = 3 << pixEncShift
)

// Pixel encodings of the header's flags.
const (
	PixEncYUV = 1
	PixEncRGB = 2
	PixEncHSV = 3
)

// HeaderSize is the size of a frame header in bytes.
const HeaderSize = 44

// Version is the newest format version this package decodes.
const Version = 3

// magic starts every frame; the kernel chose it because it cannot occur in
// the payload.
var magic = [8]byte{0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff}

// maxDim bounds the picture size a header may claim (vicodec's own limit
// is 4096x2160), so a corrupt header cannot make the decoder allocate
// gigabytes.
const maxDim = 8192

// ErrFormat is wrapped by every error about malformed input.
var ErrFormat = errors.New("fwht: malformed frame")

// Header is the decoded frame header.
type Header struct {
	Version       uint32
	Width, Height int
	Flags         uint32
	Colorspace    uint32
	XferFunc      uint32
	YCbCrEnc      uint32
	Quantization  uint32
	// Size is the length of the payload after the header.
	Size int
}

// ParseHeader reads and checks the header at the start of a frame.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: %d bytes, a header alone has %d", ErrFormat, len(b), HeaderSize)
	}
	if [8]byte(b[:8]) != magic {
		return Header{}, fmt.Errorf("%w: no FWHT magic (starts % x)", ErrFormat, b[:8])
	}
	be := binary.BigEndian
	h := Header{
		Version:      be.Uint32(b[8:]),
		Width:        int(be.Uint32(b[12:]) & 0x7fffffff),
		Height:       int(be.Uint32(b[16:]) & 0x7fffffff),
		Flags:        be.Uint32(b[20:]),
		Colorspace:   be.Uint32(b[24:]),
		XferFunc:     be.Uint32(b[28:]),
		YCbCrEnc:     be.Uint32(b[32:]),
		Quantization: be.Uint32(b[36:]),
		Size:         int(be.Uint32(b[40:]) & 0x7fffffff),
	}
	if h.Version < 2 || h.Version > Version {
		return h, fmt.Errorf("%w: version %d, this decoder reads versions 2 to %d", ErrFormat, h.Version, Version)
	}
	if h.Width < 1 || h.Height < 1 || h.Width > maxDim || h.Height > maxDim {
		return h, fmt.Errorf("%w: picture size %dx%d", ErrFormat, h.Width, h.Height)
	}
	if h.Components() == 2 || h.Components() > 4 {
		return h, fmt.Errorf("%w: %d components", ErrFormat, h.Components())
	}
	if h.PixEnc() == 0 {
		return h, fmt.Errorf("%w: no pixel encoding in flags %#x", ErrFormat, h.Flags)
	}
	return h, nil
}

// Components is the number of planes: 1 (grey), 3 or 4 (with alpha).
func (h Header) Components() int { return 1 + int(h.Flags&componentsMask>>componentsShift) }

// PixEnc is PixEncYUV, PixEncRGB or PixEncHSV.
func (h Header) PixEnc() int { return int(h.Flags & pixEncMask >> pixEncShift) }

// IsIntra reports an I-frame, which decodes without the previous one.
func (h Header) IsIntra() bool { return h.Flags&FlagIFrame != 0 }

// ChromaDivs returns how much smaller the second and third planes are than
// the first, horizontally and vertically: 2, 2 for 4:2:0; 2, 1 for 4:2:2;
// 1, 1 for 4:4:4 and RGB.
func (h Header) ChromaDivs() (w, v int) {
	w, v = 2, 2
	if h.Flags&FlagChromaFullWidth != 0 {
		w = 1
	}
	if h.Flags&FlagChromaFullHeight != 0 {
		v = 1
	}
	return w, v
}
