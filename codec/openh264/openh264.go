//go:build openh264 && cgo

package openh264

/*
#cgo pkg-config: openh264
#include <stdlib.h>
#include <string.h>
#include <wels/codec_api.h>

static int ph_enc_new(ISVCEncoder **enc, int w, int h, float fps, int bitrate, int intra, int threads) {
	if (WelsCreateSVCEncoder(enc) != 0 || *enc == NULL) return -1;
	int quiet = WELS_LOG_QUIET;
	(**enc)->SetOption(*enc, ENCODER_OPTION_TRACE_LEVEL, &quiet);
	SEncParamExt p;
	(**enc)->GetDefaultParams(*enc, &p);
	p.iUsageType = CAMERA_VIDEO_REAL_TIME;
	p.iPicWidth = w;
	p.iPicHeight = h;
	p.iTargetBitrate = bitrate;
	p.iMaxBitrate = UNSPECIFIED_BIT_RATE;
	p.iRCMode = RC_BITRATE_MODE;
	p.fMaxFrameRate = fps;
	p.bEnableFrameSkip = false;        // one access unit per frame, always
	p.uiIntraPeriod = intra;
	p.eSpsPpsIdStrategy = CONSTANT_ID; // parameter sets never change mid-stream
	p.iComplexityMode = LOW_COMPLEXITY;
	p.iMultipleThreadIdc = threads;
	p.iSpatialLayerNum = 1;
	p.iTemporalLayerNum = 1;
	p.sSpatialLayers[0].iVideoWidth = w;
	p.sSpatialLayers[0].iVideoHeight = h;
	p.sSpatialLayers[0].fFrameRate = fps;
	p.sSpatialLayers[0].iSpatialBitrate = bitrate;
	p.sSpatialLayers[0].iMaxSpatialBitrate = UNSPECIFIED_BIT_RATE;
	p.sSpatialLayers[0].uiProfileIdc = PRO_BASELINE;
	if (threads > 1) {
		p.sSpatialLayers[0].sSliceArgument.uiSliceMode = SM_FIXEDSLCNUM_SLICE;
		p.sSpatialLayers[0].sSliceArgument.uiSliceNum = threads;
	} else {
		p.sSpatialLayers[0].sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
	}
	int rv = (**enc)->InitializeExt(*enc, &p);
	if (rv != 0) {
		WelsDestroySVCEncoder(*enc);
		*enc = NULL;
		return rv;
	}
	int fmt = videoFormatI420;
	(**enc)->SetOption(*enc, ENCODER_OPTION_DATAFORMAT, &fmt);
	return 0;
}

// ph_enc_encode encodes one I420 picture. On success *out points to a
// malloc'd buffer of *len bytes (the caller frees it) and *type is the
// frame type.
static int ph_enc_encode(ISVCEncoder *enc, unsigned char *i420, int w, int h, long long ts, int force,
                         unsigned char **out, int *len, int *type) {
	if (force) (*enc)->ForceIntraFrame(enc, true);
	SSourcePicture pic;
	memset(&pic, 0, sizeof pic);
	pic.iColorFormat = videoFormatI420;
	pic.iPicWidth = w;
	pic.iPicHeight = h;
	pic.iStride[0] = w;
	pic.iStride[1] = pic.iStride[2] = w / 2;
	pic.pData[0] = i420;
	pic.pData[1] = i420 + w * h;
	pic.pData[2] = i420 + w * h + (w / 2) * (h / 2);
	pic.uiTimeStamp = ts;
	SFrameBSInfo info;
	memset(&info, 0, sizeof info);
	int rv = (*enc)->EncodeFrame(enc, &pic, &info);
	if (rv != 0) return rv;
	*type = info.eFrameType;
	int total = 0;
	for (int l = 0; l < info.iLayerNum; l++)
		for (int n = 0; n < info.sLayerInfo[l].iNalCount; n++)
			total += info.sLayerInfo[l].pNalLengthInByte[n];
	*len = total;
	*out = NULL;
	if (total == 0) return 0;
	*out = malloc(total);
	if (*out == NULL) return -1;
	int off = 0;
	for (int l = 0; l < info.iLayerNum; l++) {
		int n = 0;
		for (int k = 0; k < info.sLayerInfo[l].iNalCount; k++)
			n += info.sLayerInfo[l].pNalLengthInByte[k];
		memcpy(*out + off, info.sLayerInfo[l].pBsBuf, n);
		off += n;
	}
	return 0;
}

static void ph_enc_free(ISVCEncoder *enc) {
	(*enc)->Uninitialize(enc);
	WelsDestroySVCEncoder(enc);
}

static int ph_dec_new(ISVCDecoder **dec) {
	if (WelsCreateDecoder(dec) != 0 || *dec == NULL) return -1;
	int quiet = WELS_LOG_QUIET;
	(**dec)->SetOption(*dec, DECODER_OPTION_TRACE_LEVEL, &quiet);
	SDecodingParam p;
	memset(&p, 0, sizeof p);
	p.sVideoProperty.eVideoBsType = VIDEO_BITSTREAM_AVC;
	p.eEcActiveIdc = ERROR_CON_DISABLE; // a broken stream must show as an error, not as a concealed picture
	if ((**dec)->Initialize(*dec, &p) != 0) {
		WelsDestroyDecoder(*dec);
		*dec = NULL;
		return -1;
	}
	return 0;
}

// ph_dec_decode decodes one access unit; *ready is 1 when a picture came out.
static int ph_dec_decode(ISVCDecoder *dec, unsigned char *au, int len, unsigned char **planes, int *w, int *h,
                         int *ystride, int *cstride, int *ready) {
	SBufferInfo info;
	memset(&info, 0, sizeof info);
	DECODING_STATE st = (*dec)->DecodeFrameNoDelay(dec, au, len, planes, &info);
	*ready = info.iBufferStatus == 1;
	if (*ready) {
		*w = info.UsrData.sSystemBuffer.iWidth;
		*h = info.UsrData.sSystemBuffer.iHeight;
		*ystride = info.UsrData.sSystemBuffer.iStride[0];
		*cstride = info.UsrData.sSystemBuffer.iStride[1];
	}
	return (int)st;
}

static void ph_dec_free(ISVCDecoder *dec) {
	(*dec)->Uninitialize(dec);
	WelsDestroyDecoder(dec);
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// Available reports whether the library is compiled in.
func Available() bool { return true }

// Frame types reported by the encoder (EVideoFrameType).
const (
	frameTypeIDR  = 1
	frameTypeSkip = 4
)

// Encoder is an OpenH264 encoder producing Annex-B access units with SPS
// and PPS before every IDR. Its methods must be called from one goroutine
// at a time; Close is safe to call more than once.
type Encoder struct {
	mu  sync.Mutex
	enc *C.ISVCEncoder
	cfg Config
	ts  int64
}

// NewEncoder creates an encoder: constrained baseline profile, real-time
// camera mode, bitrate rate control, frame skipping off (so every frame
// gives an access unit), one slice per picture unless Threads > 1.
func NewEncoder(cfg Config) (*Encoder, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Encoder{cfg: cfg}
	if rv := C.ph_enc_new(&e.enc, C.int(cfg.Width), C.int(cfg.Height), C.float(cfg.FPS), C.int(cfg.Bitrate),
		C.int(cfg.IntraPeriod), C.int(cfg.Threads)); rv != 0 {
		return nil, fmt.Errorf("openh264: creating a %dx%d encoder failed (code %d); check the size and bitrate", cfg.Width, cfg.Height, int(rv))
	}
	return e, nil
}

// Encode encodes one tightly packed I420 picture of the configured size
// and returns its access unit (a new slice). forceIDR makes it an IDR.
func (e *Encoder) Encode(i420 []byte, forceIDR bool) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.enc == nil {
		return nil, fmt.Errorf("openh264: encoder is closed")
	}
	if want := e.cfg.Width * e.cfg.Height * 3 / 2; len(i420) != want {
		return nil, fmt.Errorf("openh264: picture has %d bytes, a %dx%d I420 picture %d", len(i420), e.cfg.Width, e.cfg.Height, want)
	}
	force := C.int(0)
	if forceIDR {
		force = 1
	}
	var out *C.uchar
	var n, typ C.int
	// The picture is only read during the call; cgo pointer rules allow
	// passing Go memory that holds no Go pointers.
	rv := C.ph_enc_encode(e.enc, (*C.uchar)(unsafe.Pointer(&i420[0])), C.int(e.cfg.Width), C.int(e.cfg.Height),
		C.longlong(e.ts), force, &out, &n, &typ)
	e.ts += int64(1000 / e.cfg.FPS)
	if rv != 0 {
		return nil, fmt.Errorf("openh264: encoding failed (code %d)", int(rv))
	}
	if typ == frameTypeSkip || n == 0 {
		return nil, fmt.Errorf("openh264: the encoder skipped a frame although frame skipping is off")
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoBytes(unsafe.Pointer(out), n), nil
}

// Close frees the encoder.
func (e *Encoder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.enc != nil {
		C.ph_enc_free(e.enc)
		e.enc = nil
	}
	return nil
}

// Decoder is an OpenH264 decoder with error concealment off, so a stream
// that cannot be decoded shows as an error. One goroutine at a time.
type Decoder struct {
	mu  sync.Mutex
	dec *C.ISVCDecoder
}

// NewDecoder creates a decoder.
func NewDecoder() (*Decoder, error) {
	d := &Decoder{}
	if C.ph_dec_new(&d.dec) != 0 {
		return nil, fmt.Errorf("openh264: creating a decoder failed")
	}
	return d, nil
}

// Decode decodes one Annex-B access unit. It returns the picture and true
// when one is ready, false when the unit held no picture (parameter sets
// only), and an error when the decoder reports one: for example a P-frame
// whose reference it never saw.
func (d *Decoder) Decode(au []byte) (Picture, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dec == nil {
		return Picture{}, false, fmt.Errorf("openh264: decoder is closed")
	}
	if len(au) == 0 {
		return Picture{}, false, fmt.Errorf("openh264: empty access unit")
	}
	var planes [3]*C.uchar
	var w, h, ys, cs, ready C.int
	st := C.ph_dec_decode(d.dec, (*C.uchar)(unsafe.Pointer(&au[0])), C.int(len(au)), &planes[0], &w, &h, &ys, &cs, &ready)
	if st != 0 {
		return Picture{}, false, fmt.Errorf("openh264: decoding failed (state %#x)", int(st))
	}
	if ready == 0 {
		return Picture{}, false, nil
	}
	p := Picture{Width: int(w), Height: int(h), YStride: int(ys), CStride: int(cs)}
	p.Y = C.GoBytes(unsafe.Pointer(planes[0]), C.int(int(ys)*int(h)))
	p.U = C.GoBytes(unsafe.Pointer(planes[1]), C.int(int(cs)*int(h)/2))
	p.V = C.GoBytes(unsafe.Pointer(planes[2]), C.int(int(cs)*int(h)/2))
	return p, true, nil
}

// Close frees the decoder.
func (d *Decoder) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dec != nil {
		C.ph_dec_free(d.dec)
		d.dec = nil
	}
	return nil
}
