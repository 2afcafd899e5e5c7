package codec

import (
	"fmt"
	"image"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/codec/turbojpeg"
	picimage "github.com/picam-project/picam/image"
)

// DefaultJPEGQuality is NetGear's default jpeg_compression_quality, so a
// picam server looks the same to Python users as a NetGear one.
const DefaultJPEGQuality = 90

// jpegEncoder is the pure-Go software JPEG encoder. It keeps its YCbCr
// picture and colour and coding tables between frames; only the output
// bytes are new for each packet, because packets are shared with client
// senders.
type jpegEncoder struct {
	quality  int
	workers  int
	stripes  [][]byte // per-stripe scratch when workers > 1
	tables   *jpegTables
	img      *image.YCbCr // reused while the frame size stays the same
	rgbSwap  []byte       // scratch for RGB24 input
	lut      *rangeLUT    // built on the first YUV frame
	sizeHint int          // expected size of the next JPEG, from the last one
	closed   bool
	turbo    *turbojpeg.Compressor // nil: pure Go
	indexer
}

// NewJPEG returns a software JPEG encoder at the given quality, 1..100
// (higher is better and larger), written in pure Go so that every build has
// it. NetGear itself only accepts 10..100 for its own encoder; picam accepts
// the full range because any baseline JPEG decodes on the client.
//
// Raw frames of every picimage format are converted straight to 4:2:0 YCbCr
// (YUV input needs no detour through BGR) and encoded as baseline 4:2:0
// JFIF-range JPEG with the standard tables, which Go, libjpeg-turbo
// (simplejpeg, OpenCV) and PIL all decode. The encoder is picam's own (see
// jpegenc.go), about three times as fast as image/jpeg's, with the same
// tables and a picture within a fraction of a dB of it. MJPEG frames are passed through without re-encoding (with the
// standard Huffman tables inserted if the camera left them out); H.264
// frames are refused.
//
// Like every Encoder it must be used from one goroutine at a time.
func NewJPEG(quality int) (Encoder, error) {
	if quality < 1 || quality > 100 {
		return nil, fmt.Errorf("codec: JPEG quality %d is out of range; use 1..100 (NetGear clients expect 10..100, default %d)",
			quality, DefaultJPEGQuality)
	}
	return &jpegEncoder{quality: quality, tables: newJPEGTables(quality)}, nil
}

// JPEGConfig configures NewJPEGWith.
type JPEGConfig struct {
	// Quality is 1..100; 0 means DefaultJPEGQuality.
	Quality int
	// Workers is how many cores one picture may use: it is cut into that
	// many horizontal stripes, encoded at once and joined with restart
	// markers (which every baseline decoder, PIL and simplejpeg included,
	// handles). 0 or 1 encodes on the calling goroutine only. On a Pi with
	// four cores and no hardware encoder this nearly quadruples the frame
	// rate the pure-Go encoder can keep up with.
	Workers int
}

// NewJPEGWith is NewJPEG with more settings.
func NewJPEGWith(cfg JPEGConfig) (Encoder, error) {
	if cfg.Quality == 0 {
		cfg.Quality = DefaultJPEGQuality
	}
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("codec: JPEG workers %d: use 0 or more", cfg.Workers)
	}
	e, err := NewJPEG(cfg.Quality)
	if err != nil {
		return nil, err
	}
	e.(*jpegEncoder).workers = cfg.Workers
	return e, nil
}

// Encode implements Encoder.
func (e *jpegEncoder) Encode(f picimage.Frame) (av.Packet, error) {
	if e.closed {
		return av.Packet{}, ErrClosed
	}
	if err := f.Validate(); err != nil {
		return av.Packet{}, fmt.Errorf("jpeg encode: %w", err)
	}
	switch f.Format {
	case picimage.MJPEG:
		data, err := picimage.NormalizeMJPEG(f.Data)
		if err != nil {
			return av.Packet{}, fmt.Errorf("jpeg passthrough of frame %d: %w", f.Seq, err)
		}
		return e.stamp(packetFor(av.JPEG, f, data)), nil
	case picimage.H264:
		return av.Packet{}, fmt.Errorf("jpeg encode frame %d: cannot re-encode H264 frames; configure the camera for a raw format or MJPEG", f.Seq)
	}
	if e.turbo != nil {
		data, err := e.encodeTurbo(f)
		if err != nil {
			return av.Packet{}, fmt.Errorf("jpeg encode frame %d (%dx%d): %w", f.Seq, f.Width, f.Height, err)
		}
		return e.stamp(packetFor(av.JPEG, f, data)), nil
	}
	if err := e.fill(f); err != nil {
		return av.Packet{}, err
	}
	if e.sizeHint == 0 {
		e.sizeHint = f.Width*f.Height/4 + 1024
	}
	img := e.img
	planes := ycbcrPlanes{img.Y, img.Cb, img.Cr, img.YStride, img.CStride, f.Width, f.Height}
	data := jpegStripes(make([]byte, 0, e.sizeHint), e.tables, planes, e.workers, &e.stripes)
	e.sizeHint = len(data) + len(data)/8 + 1024
	return e.stamp(packetFor(av.JPEG, f, data)), nil
}

// fill converts a validated raw frame into e.img.
func (e *jpegEncoder) fill(f picimage.Frame) error {
	if e.img == nil || e.img.Rect.Dx() != f.Width || e.img.Rect.Dy() != f.Height {
		e.img = newYCbCr420(f.Width, f.Height)
		e.sizeHint = 0
	}
	switch f.Format {
	case picimage.BGR24:
		bgrToYCbCr420(e.img, f.Data)
	case picimage.RGB24:
		if cap(e.rgbSwap) < len(f.Data) {
			e.rgbSwap = make([]byte, len(f.Data))
		}
		bgr, err := picimage.ToBGR(e.rgbSwap, f)
		if err != nil {
			return fmt.Errorf("jpeg encode: %w", err)
		}
		bgrToYCbCr420(e.img, bgr)
	case picimage.GRAY8:
		grayToYCbCr420(e.img, f.Data)
	case picimage.YUYV, picimage.NV12, picimage.I420:
		if e.lut == nil {
			e.lut = newRangeLUT()
		}
		switch f.Format {
		case picimage.YUYV:
			e.lut.yuyvToYCbCr420(e.img, f.Data)
		case picimage.NV12:
			e.lut.nv12ToYCbCr420(e.img, f.Data)
		default:
			e.lut.i420ToYCbCr420(e.img, f.Data)
		}
	default:
		return fmt.Errorf("jpeg encode frame %d: pixel format %s is not supported", f.Seq, f.Format)
	}
	return nil
}

// RequestKeyframe implements Encoder; every JPEG is a keyframe.
func (e *jpegEncoder) RequestKeyframe() {}

// Codec implements Encoder.
func (e *jpegEncoder) Codec() av.Codec { return av.JPEG }

// Close implements Encoder and drops the reusable buffers.
func (e *jpegEncoder) Close() error {
	e.closed = true
	e.img, e.rgbSwap, e.lut, e.stripes = nil, nil, nil, nil
	if e.turbo != nil {
		err := e.turbo.Close()
		e.turbo = nil
		return err
	}
	return nil
}
