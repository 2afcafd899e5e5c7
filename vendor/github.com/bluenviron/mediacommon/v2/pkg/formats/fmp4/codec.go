package fmp4

import (
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"
)

// Codec is a fMP4 codec.
//
// Deprecated: replaced by codecs.Codec
type Codec = codecs.Codec

// CodecAC3 is the AC-3 codec.
//
// Deprecated: replaced by codecs.AC3
type CodecAC3 = codecs.AC3

// CodecAV1 is the AV1 codec.
//
// Deprecated: replaced by codecs.AV1
type CodecAV1 = codecs.AV1

// CodecH264 is the H264 codec.
//
// Deprecated: replaced by codecs.H264
type CodecH264 = codecs.H264

// CodecH265 is the H265 codec.
//
// Deprecated: replaced by codecs.H265
type CodecH265 = codecs.H265

// CodecLPCM is the LPCM codec.
//
// Deprecated: replaced by codecs.LPCM
type CodecLPCM = codecs.LPCM

// CodecMJPEG is the M-JPEG codec.
//
// Deprecated: replaced by codecs.MJPEG
type CodecMJPEG = codecs.MJPEG

// CodecMPEG1Audio is a MPEG-1 Audio codec.
//
// Deprecated: replaced by codecs.MPEG1Audio
type CodecMPEG1Audio = codecs.MPEG1Audio

// CodecMPEG1Video is a MPEG-1 Video codec.
//
// Deprecated: replaced by codecs.MPEG1Video
type CodecMPEG1Video = codecs.MPEG1Video

// CodecMPEG4Audio is a MPEG-4 Audio codec.
//
// Deprecated: replaced by codecs.MPEG4Audio
type CodecMPEG4Audio = codecs.MPEG4Audio

// CodecMPEG4Video is a MPEG-4 Video codec.
//
// Deprecated: replaced by codecs.MPEG4Video
type CodecMPEG4Video = codecs.MPEG4Video

// CodecOpus is the Opus codec.
//
// Deprecated: replaced by codecs.Opus
type CodecOpus = codecs.Opus

// CodecVP9 is the VP9 codec.
//
// Deprecated: replaced by codecs.VP9
type CodecVP9 = codecs.VP9
