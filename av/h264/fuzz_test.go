package h264

import (
	"bytes"
	"testing"
)

// The helpers run on bytes from cameras and the network, so none may panic,
// loop or over-allocate on any input.

func FuzzNALUnits(f *testing.F) {
	f.Add(annexB(audNAL, spsNAL, ppsNAL, seiNAL, idrNAL))
	f.Add([]byte{0, 0, 1})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 1, 0x65})
	f.Add([]byte{0xff, 0, 0, 1, 0x41, 0, 0, 3, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		total := 0
		for nal := range NALUnits(b) {
			if len(nal) == 0 || nal[len(nal)-1] == 0 {
				t.Fatalf("unit % x is empty or ends in zero", nal)
			}
			if bytes.Contains(nal, startCode) {
				t.Fatalf("unit % x contains a start code", nal)
			}
			total += len(nal)
		}
		if total > len(b) {
			t.Fatalf("units total %d bytes from %d", total, len(b))
		}
		a := Inspect(b)
		if IsRandomAccess(b) != (a.IDR && a.SPS > 0 && a.PPS > 0) {
			t.Fatal("IsRandomAccess disagrees with Inspect")
		}
		// Re-framing the units with start codes gives the same units.
		var again []byte
		for nal := range NALUnits(b) {
			again = AppendNAL(again, nal)
		}
		if got, want := Split(again), Split(b); len(got) != len(want) {
			t.Fatalf("re-framed stream has %d units, original %d", len(got), len(want))
		}
	})
}

func FuzzParamSets(f *testing.F) {
	f.Add(annexB(spsNAL, ppsNAL, idrNAL), annexB(idrNAL))
	f.Add(annexB(audNAL, spsNAL, ppsNAL, idrNAL), annexB(audNAL, seiNAL, idrNAL))
	f.Add([]byte{0, 0, 1, 0x67, 0, 0, 1, 0x68}, []byte{9, 0, 0, 1, 0x09, 0, 0, 1, 0x65})
	f.Fuzz(func(t *testing.T, first, au []byte) {
		var p ParamSets
		p.Observe(first)
		orig := bytes.Clone(au)
		out := p.Complete(au)
		if !bytes.Equal(au, orig) {
			t.Fatal("Complete modified its input")
		}
		in := Inspect(au)
		if p.Ready() && in.IDR && !IsRandomAccess(out) {
			t.Fatalf("IDR not completed although SPS and PPS are cached: % x -> % x", au, out)
		}
		if !in.IDR && !bytes.Equal(out, au) {
			t.Fatal("a non-IDR unit was changed")
		}
		var k Packager
		k.Packet(first)
		if pkt := k.Packet(au); pkt.Keyframe != IsRandomAccess(pkt.Data) || (pkt.Keyframe && (pkt.SPS == nil || pkt.PPS == nil)) {
			t.Fatalf("packet of % x marked keyframe %v with SPS %x PPS %x; random access %v", pkt.Data, pkt.Keyframe, pkt.SPS, pkt.PPS, IsRandomAccess(pkt.Data))
		}
	})
}

func FuzzParseSPS(f *testing.F) {
	for _, tc := range realSPS {
		f.Add(tc.nal)
	}
	f.Add(buildSPS(spsSpec{profile: 100, level: 42, id: 3, chroma: 1, scaling: true, pocType: 1, wMBs: 20, hUnits: 15, frameMBsOnly: true, crop: [4]uint32{1, 1, 1, 1}}))
	f.Add(buildSPS(spsSpec{profile: 77, level: 30, wMBs: 45, hUnits: 18}))
	f.Fuzz(func(t *testing.T, nal []byte) {
		s, err := ParseSPS(nal)
		if err != nil {
			return
		}
		if s.Width <= 0 || s.Height <= 0 || s.Width > 16*maxMBs || s.Height > 16*maxMBs {
			t.Fatalf("accepted SPS with size %dx%d", s.Width, s.Height)
		}
		_ = s.ProfileName() + s.Level()
	})
}
