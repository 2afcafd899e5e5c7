package v4l2

import (
	"strings"
	"testing"
	"time"
)

func TestCapabilityHelpers(t *testing.T) {
	legacyCam := Capability{Driver: "bm2835 mmal", Card: "mmal service 16.1",
		Capabilities: CapVideoCapture | CapVideoOverlay | CapStreaming | CapReadWrite | CapDeviceCaps,
		DeviceCaps:   CapVideoCapture | CapVideoOverlay | CapStreaming | CapReadWrite, Version: 6<<16 | 12<<8 | 61}
	codec := Capability{Driver: "bcm2835-codec", Card: "bcm2835-codec-encode",
		Capabilities: CapVideoM2MMPlane | CapStreaming | CapDeviceCaps, DeviceCaps: CapVideoM2MMPlane | CapStreaming}
	mplaneCam := Capability{Driver: "unicam", Capabilities: CapVideoCaptureMPlane | CapStreaming}
	// vivid's whole-device caps include output and M2M-unrelated bits;
	// DeviceCaps narrows them to this node.
	vivid := Capability{Driver: "vivid", Capabilities: CapVideoCapture | CapVideoOutput | CapDeviceCaps | CapStreaming,
		DeviceCaps: CapVideoCapture | CapStreaming}

	if !legacyCam.IsVideoCapture() || legacyCam.IsM2M() || legacyCam.IsMPlane() || !legacyCam.Streaming() {
		t.Errorf("legacy camera helpers wrong: %v", legacyCam)
	}
	if codec.IsVideoCapture() || !codec.IsM2M() || !codec.IsMPlane() || !codec.Streaming() {
		t.Errorf("codec helpers wrong: %v", codec)
	}
	if vivid.IsVideoOutput() {
		t.Error("vivid capture node reported as output: DeviceCaps ignored")
	}
	if !mplaneCam.IsVideoCapture() || !mplaneCam.IsMPlane() {
		t.Error("a driver without DEVICE_CAPS must fall back to Capabilities")
	}
	if got, err := legacyCam.CaptureType(); err != nil || got != BufTypeVideoCapture {
		t.Errorf("legacy CaptureType = %v, %v", got, err)
	}
	if got, err := mplaneCam.CaptureType(); err != nil || got != BufTypeVideoCaptureMPlane {
		t.Errorf("mplane CaptureType = %v, %v", got, err)
	}
	if _, err := codec.CaptureType(); err == nil || !strings.Contains(err.Error(), "memory-to-memory") {
		t.Errorf("codec CaptureType error = %v, want a memory-to-memory refusal", err)
	}
	if legacyCam.VersionString() != "6.12.61" {
		t.Errorf("VersionString = %q", legacyCam.VersionString())
	}
	if s := codec.String(); !strings.Contains(s, "m2m") || !strings.Contains(s, "mplane") {
		t.Errorf("String = %q", s)
	}
	if !legacyCam.Has(CapVideoCapture|CapStreaming) || legacyCam.Has(CapVideoM2M) {
		t.Error("Has wrong")
	}
}

func TestFract(t *testing.T) {
	f := Fract{1, 30}
	if f.FPS() != 30 || f.Duration() != time.Second/30 || f.String() != "1/30" {
		t.Errorf("Fract 1/30: fps %v, duration %v, %q", f.FPS(), f.Duration(), f)
	}
	ntsc := Fract{1001, 30000}
	if fps := ntsc.FPS(); fps < 29.97 || fps > 29.971 {
		t.Errorf("1001/30000 fps = %v", fps)
	}
	if (Fract{}).FPS() != 0 || (Fract{}).Duration() != 0 {
		t.Error("zero Fract must give 0, not divide by zero")
	}
}

func TestBufTypeHelpers(t *testing.T) {
	if !BufTypeVideoOutputMPlane.IsMPlane() || !BufTypeVideoOutputMPlane.IsOutput() ||
		BufTypeVideoCapture.IsMPlane() || BufTypeVideoCaptureMPlane.IsOutput() {
		t.Error("BufType helpers wrong")
	}
	if BufTypeVideoCaptureMPlane.String() != "VIDEO_CAPTURE_MPLANE" || BufType(77).String() != "BufType(77)" {
		t.Error("BufType.String wrong")
	}
	if MemoryDMABuf.String() != "DMABUF" {
		t.Error("Memory.String wrong")
	}
}

func TestBufferHelpers(t *testing.T) {
	b := Buffer{Flags: BufFlagKeyFrame | BufFlagLast, Planes: []Plane{{BytesUsed: 100, DataOffset: 10}, {BytesUsed: 50}}}
	if !b.IsKeyFrame() || !b.IsLast() {
		t.Error("flag helpers wrong")
	}
	if got := b.BytesUsed(); got != 140 {
		t.Errorf("BytesUsed = %d, want 140 (data offset excluded)", got)
	}
	bad := Buffer{Planes: []Plane{{BytesUsed: 4, DataOffset: 10}}}
	if got := bad.BytesUsed(); got != 0 {
		t.Errorf("BytesUsed with offset beyond payload = %d, want 0", got)
	}
}
