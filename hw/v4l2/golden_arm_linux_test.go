//go:build linux && arm

package v4l2

import "unsafe"

// bufferVariants returns both Go struct v4l2_buffer layouts on 32-bit ARM:
// the native 64-bit-time one must match C built with _TIME_BITS=64, the
// fallback must match Debian 12 armhf's default 32-bit time_t.
func bufferVariants() map[string]map[string]uint64 {
	var b rawBuffer
	var b32 rawBufferTime32
	return map[string]map[string]uint64{
		"arm-time64": {
			"sizeof:v4l2_buffer":              uint64(unsafe.Sizeof(b)),
			"offsetof:v4l2_buffer.timestamp":  uint64(unsafe.Offsetof(b.TimestampSec)),
			"offsetof:v4l2_buffer.timecode":   uint64(unsafe.Offsetof(b.Timecode)),
			"offsetof:v4l2_buffer.sequence":   uint64(unsafe.Offsetof(b.Sequence)),
			"offsetof:v4l2_buffer.memory":     uint64(unsafe.Offsetof(b.Memory)),
			"offsetof:v4l2_buffer.m":          uint64(unsafe.Offsetof(b.M)),
			"offsetof:v4l2_buffer.length":     uint64(unsafe.Offsetof(b.Length)),
			"offsetof:v4l2_buffer.request_fd": uint64(unsafe.Offsetof(b.RequestFD)),
			"VIDIOC_QUERYBUF":                 uint64(vidiocQueryBuf),
			"VIDIOC_QBUF":                     uint64(vidiocQBuf),
			"VIDIOC_DQBUF":                    uint64(vidiocDQBuf),
		},
		"arm": {
			"sizeof:v4l2_buffer":              uint64(unsafe.Sizeof(b32)),
			"offsetof:v4l2_buffer.timestamp":  uint64(unsafe.Offsetof(b32.TimestampSec)),
			"offsetof:v4l2_buffer.timecode":   uint64(unsafe.Offsetof(b32.Timecode)),
			"offsetof:v4l2_buffer.sequence":   uint64(unsafe.Offsetof(b32.Sequence)),
			"offsetof:v4l2_buffer.memory":     uint64(unsafe.Offsetof(b32.Memory)),
			"offsetof:v4l2_buffer.m":          uint64(unsafe.Offsetof(b32.M)),
			"offsetof:v4l2_buffer.length":     uint64(unsafe.Offsetof(b32.Length)),
			"offsetof:v4l2_buffer.request_fd": uint64(unsafe.Offsetof(b32.RequestFD)),
			"VIDIOC_QUERYBUF":                 uint64(vidiocQueryBufTime32),
			"VIDIOC_QBUF":                     uint64(vidiocQBufTime32),
			"VIDIOC_DQBUF":                    uint64(vidiocDQBufTime32),
		},
	}
}
