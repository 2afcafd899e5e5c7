//go:build turbojpeg && cgo

package turbojpeg

/*
#cgo pkg-config: libturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>

// The output buffer is ours (allocated once with tjAlloc for the largest
// image), so TJFLAG_NOREALLOC keeps the library from replacing it.
static int tj_rgb(tjhandle h, const unsigned char *pix, int w, int h_, int bgr, int q,
                  unsigned char *out, unsigned long *size) {
	unsigned char *buf = out;
	return tjCompress2(h, pix, w, 0, h_, bgr ? TJPF_BGR : TJPF_RGB, &buf, size, TJSAMP_420, q,
	                   TJFLAG_NOREALLOC);
}

static int tj_yuv(tjhandle h, const unsigned char *y, const unsigned char *cb, const unsigned char *cr,
                  int ystride, int cstride, int w, int h_, int q, unsigned char *out, unsigned long *size) {
	const unsigned char *planes[3] = {y, cb, cr};
	int strides[3] = {ystride, cstride, cstride};
	unsigned char *buf = out;
	return tjCompressFromYUVPlanes(h, planes, w, strides, h_, TJSAMP_420, &buf, size, q, TJFLAG_NOREALLOC);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Available reports whether libjpeg-turbo is compiled in.
func Available() bool { return true }

// Compressor holds a TurboJPEG handle and an output buffer sized for the
// largest image so far. Methods must be called from one goroutine at a
// time.
type Compressor struct {
	h    C.tjhandle
	buf  *C.uchar
	size C.ulong // capacity of buf
}

// NewCompressor creates a compressor.
func NewCompressor() (*Compressor, error) {
	h := C.tjInitCompress()
	if h == nil {
		return nil, fmt.Errorf("turbojpeg: tjInitCompress failed")
	}
	return &Compressor{h: h}, nil
}

// reserve makes buf large enough for a w x h 4:2:0 JPEG.
func (c *Compressor) reserve(w, h int) error {
	need := C.tjBufSize(C.int(w), C.int(h), C.TJSAMP_420)
	if need == C.ulong(^C.ulong(0)) {
		return fmt.Errorf("turbojpeg: cannot size a %dx%d image", w, h)
	}
	if c.buf != nil && c.size >= need {
		return nil
	}
	if c.buf != nil {
		C.tjFree(c.buf)
	}
	c.buf = C.tjAlloc(C.int(need))
	if c.buf == nil {
		c.size = 0
		return fmt.Errorf("turbojpeg: out of memory for a %dx%d image", w, h)
	}
	c.size = need
	return nil
}

func (c *Compressor) check(rv C.int, what string) error {
	if rv != 0 {
		return fmt.Errorf("turbojpeg: %s: %s", what, C.GoString(C.tjGetErrorStr2(c.h)))
	}
	return nil
}

// CompressRGB encodes tightly packed 8-bit RGB (or BGR when bgr is set)
// as a baseline 4:2:0 JFIF JPEG at quality 1..100. The colour conversion
// and chroma averaging are libjpeg-turbo's SIMD code.
func (c *Compressor) CompressRGB(pix []byte, w, h int, bgr bool, quality int) ([]byte, error) {
	if c.h == nil {
		return nil, fmt.Errorf("turbojpeg: compressor is closed")
	}
	if len(pix) < 3*w*h || w <= 0 || h <= 0 {
		return nil, fmt.Errorf("turbojpeg: %d bytes for a %dx%d RGB image", len(pix), w, h)
	}
	if err := c.reserve(w, h); err != nil {
		return nil, err
	}
	b := C.int(0)
	if bgr {
		b = 1
	}
	size := c.size
	if err := c.check(C.tj_rgb(c.h, (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(w), C.int(h), b, C.int(quality), c.buf, &size), "compressing"); err != nil {
		return nil, err
	}
	return C.GoBytes(unsafe.Pointer(c.buf), C.int(size)), nil
}

// CompressYCbCr420 encodes full-range (JFIF) 4:2:0 planes as a baseline
// JPEG without any colour conversion. cb and cr are (w+1)/2 x (h+1)/2.
func (c *Compressor) CompressYCbCr420(y, cb, cr []byte, yStride, cStride, w, h, quality int) ([]byte, error) {
	if c.h == nil {
		return nil, fmt.Errorf("turbojpeg: compressor is closed")
	}
	cw, ch := (w+1)/2, (h+1)/2
	if w <= 0 || h <= 0 || yStride < w || cStride < cw || len(y) < yStride*(h-1)+w || len(cb) < cStride*(ch-1)+cw || len(cr) < cStride*(ch-1)+cw {
		return nil, fmt.Errorf("turbojpeg: planes too small for a %dx%d 4:2:0 image", w, h)
	}
	if err := c.reserve(w, h); err != nil {
		return nil, err
	}
	size := c.size
	rv := C.tj_yuv(c.h, (*C.uchar)(unsafe.Pointer(&y[0])), (*C.uchar)(unsafe.Pointer(&cb[0])), (*C.uchar)(unsafe.Pointer(&cr[0])),
		C.int(yStride), C.int(cStride), C.int(w), C.int(h), C.int(quality), c.buf, &size)
	if err := c.check(rv, "compressing planes"); err != nil {
		return nil, err
	}
	return C.GoBytes(unsafe.Pointer(c.buf), C.int(size)), nil
}

// Close frees the handle and buffer; it may be called more than once.
func (c *Compressor) Close() error {
	if c.buf != nil {
		C.tjFree(c.buf)
		c.buf = nil
	}
	if c.h != nil {
		C.tjDestroy(c.h)
		c.h = nil
	}
	return nil
}
