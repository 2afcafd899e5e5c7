//go:build linux && arm

package v4l2

import (
	"encoding/binary"
	"testing"
	"unsafe"
)

// sampleArgs uses a distinct value in every field so a swapped or shifted
// field shows up.
func sampleArgs() bufArgs {
	return bufArgs{index: 3, typ: uint32(BufTypeVideoCaptureMPlane), bytesUsed: 1000, flags: uint32(BufFlagKeyFrame),
		field: uint32(FieldNone), sec: 86400, usec: 123456, sequence: 77, memory: uint32(MemoryMMAP),
		m: 0x10000, length: 2, requestFD: -1}
}

func TestBufferTime64RoundTrip(t *testing.T) {
	a := sampleArgs()
	var r rawBuffer
	r.load(&a)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&r)), unsafe.Sizeof(r))
	// The kernel reads tv_sec as a 64-bit value at offset 24 and tv_usec at 32.
	if binary.LittleEndian.Uint64(raw[24:]) != 86400 || binary.LittleEndian.Uint64(raw[32:]) != 123456 {
		t.Fatalf("timeval bytes: % x", raw[24:40])
	}
	if binary.LittleEndian.Uint32(raw[56:]) != 77 || binary.LittleEndian.Uint32(raw[64:]) != 0x10000 {
		t.Fatalf("sequence/m at wrong offsets: % x", raw[56:68])
	}
	var b bufArgs
	r.store(&b)
	if b != a {
		t.Errorf("round trip:\n got %+v\nwant %+v", b, a)
	}
}

func TestBufferTime32RoundTrip(t *testing.T) {
	a := sampleArgs()
	var r rawBufferTime32
	r.load(&a)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&r)), unsafe.Sizeof(r))
	if binary.LittleEndian.Uint32(raw[20:]) != 86400 || binary.LittleEndian.Uint32(raw[24:]) != 123456 {
		t.Fatalf("timeval bytes: % x", raw[20:28])
	}
	if binary.LittleEndian.Uint32(raw[44:]) != 77 || binary.LittleEndian.Uint32(raw[52:]) != 0x10000 {
		t.Fatalf("sequence/m at wrong offsets: % x", raw[44:56])
	}
	var b bufArgs
	r.store(&b)
	if b != a {
		t.Errorf("round trip:\n got %+v\nwant %+v", b, a)
	}
}

func TestBufIoctlNamesTime32(t *testing.T) {
	if ioctlName(vidiocQBufTime32) != "VIDIOC_QBUF_TIME32" || ioctlName(vidiocQBuf) != "VIDIOC_QBUF" {
		t.Errorf("names: %q %q", ioctlName(vidiocQBufTime32), ioctlName(vidiocQBuf))
	}
}
