package h264_test

import (
	"fmt"

	"github.com/picam-project/picam/av/h264"
)

// A per-client sender with a gate: the client joins while P-frames flow,
// the gate asks the encoder for a keyframe and holds back everything until
// an IDR with SPS and PPS arrives.
func ExampleGate() {
	// Stand-ins for an encoder's output: index, and what each unit holds.
	sps, pps := []byte{0x67, 0x42, 0xc0, 0x1e, 0x80}, []byte{0x68, 0xce, 0x3c, 0x80}
	idr, p := []byte{0x65, 0x88, 0x80}, []byte{0x41, 0x9a, 0x80}
	au := func(nals ...[]byte) []byte {
		var b []byte
		for _, n := range nals {
			b = h264.AppendNAL(b, n)
		}
		return b
	}
	stream := [][]byte{au(p), au(p), au(sps, pps, idr), au(p)}

	gate := h264.NewGate(h264.GateConfig{
		RequestKeyframe: func() { fmt.Println("encoder: keyframe requested") },
	})
	gate.Join() // the client connected
	for i, unit := range stream {
		data, ok := gate.Admit(uint64(10+i), unit)
		if !ok {
			fmt.Println(i, "held back")
			continue
		}
		fmt.Println(i, "sent, starts decoding:", h264.IsRandomAccess(data))
	}
	// Output:
	// encoder: keyframe requested
	// 0 held back
	// 1 held back
	// 2 sent, starts decoding: true
	// 3 sent, starts decoding: false
}
