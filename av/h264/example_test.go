package h264_test

import (
	"fmt"

	"github.com/picam-project/picam/av/h264"
)

// A producer's packets: the camera sends its parameter sets once, at the start. The Packager
// decides once, for every output, where a decoder can start, and puts the cached SPS and PPS
// in front of a later IDR that comes without them.
func ExamplePackager() {
	// Stand-ins for a camera's access units.
	sps, pps := []byte{0x67, 0x42, 0xc0, 0x1e, 0x80}, []byte{0x68, 0xce, 0x3c, 0x80}
	idr, p := []byte{0x65, 0x88, 0x80}, []byte{0x41, 0x9a, 0x80}
	au := func(nals ...[]byte) []byte {
		var b []byte
		for _, n := range nals {
			b = h264.AppendNAL(b, n)
		}
		return b
	}
	stream := [][]byte{au(sps, pps, idr), au(p), au(idr), au(p)}

	var k h264.Packager
	for _, unit := range stream {
		pkt := k.Packet(unit)
		fmt.Printf("packet %d: keyframe %v, %d NAL units, SPS % x\n", pkt.Index, pkt.Keyframe, len(h264.Split(pkt.Data)), pkt.SPS)
	}
	// Output:
	// packet 0: keyframe true, 3 NAL units, SPS 67 42 c0 1e 80
	// packet 1: keyframe false, 1 NAL units, SPS 67 42 c0 1e 80
	// packet 2: keyframe true, 3 NAL units, SPS 67 42 c0 1e 80
	// packet 3: keyframe false, 1 NAL units, SPS 67 42 c0 1e 80
}
