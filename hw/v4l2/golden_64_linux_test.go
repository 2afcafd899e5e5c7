//go:build linux && (amd64 || arm64)

package v4l2

import (
	"runtime"
	"unsafe"
)

// bufferVariants returns the Go struct v4l2_buffer layout, keyed by the
// golden table it must match. 64-bit Linux has a single layout.
func bufferVariants() map[string]map[string]uint64 {
	var b rawBuffer
	return map[string]map[string]uint64{runtime.GOARCH: {
		"sizeof:v4l2_buffer":              uint64(unsafe.Sizeof(b)),
		"offsetof:v4l2_buffer.timestamp":  uint64(unsafe.Offsetof(b.Timestamp)),
		"offsetof:v4l2_buffer.timecode":   uint64(unsafe.Offsetof(b.Timecode)),
		"offsetof:v4l2_buffer.sequence":   uint64(unsafe.Offsetof(b.Sequence)),
		"offsetof:v4l2_buffer.memory":     uint64(unsafe.Offsetof(b.Memory)),
		"offsetof:v4l2_buffer.m":          uint64(unsafe.Offsetof(b.M)),
		"offsetof:v4l2_buffer.length":     uint64(unsafe.Offsetof(b.Length)),
		"offsetof:v4l2_buffer.request_fd": uint64(unsafe.Offsetof(b.RequestFD)),
		"VIDIOC_QUERYBUF":                 uint64(vidiocQueryBuf),
		"VIDIOC_QBUF":                     uint64(vidiocQBuf),
		"VIDIOC_DQBUF":                    uint64(vidiocDQBuf),
	}}
}
