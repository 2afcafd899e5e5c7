package h264

// AccessUnit summarises what one access unit (one encoded picture with its
// side information) contains, as far as starting a decoder is concerned.
type AccessUnit struct {
	// SPS and PPS count the parameter sets before the first slice. Sets
	// after a slice do not help decode that slice, so they are not counted.
	SPS, PPS int
	// IDR reports at least one IDR slice; Slices counts every slice
	// (IDR or not).
	IDR    bool
	Slices int
	// AUD reports that the unit starts with an access unit delimiter, which
	// must stay first if anything is inserted.
	AUD bool
}

// Inspect reads the NAL unit headers of an Annex-B access unit. It stops at
// the first slice: parameter sets that matter come before it, and nothing
// after the first slice changes whether decoding can start here, so the
// cost does not grow with the picture's size beyond finding that slice's
// start code. (Slices counts only that first slice.)
func Inspect(au []byte) AccessUnit {
	var a AccessUnit
	first := true
	for nal := range NALUnits(au) {
		t := TypeOf(nal)
		if first && t == NALAUD {
			a.AUD = true
		}
		first = false
		switch {
		case t == NALSPS:
			a.SPS++
		case t == NALPPS:
			a.PPS++
		case t.IsSlice():
			a.Slices++
			a.IDR = t == NALIDR
			return a
		}
	}
	return a
}

// IsRandomAccess reports whether a decoder that has seen nothing before can
// start decoding at this access unit: its first slice is an IDR slice and
// both an SPS and a PPS come before it.
func IsRandomAccess(au []byte) bool {
	a := Inspect(au)
	return a.IDR && a.SPS > 0 && a.PPS > 0
}

// IsIDR reports whether the access unit's first slice is an IDR slice,
// with or without parameter sets in front.
func IsIDR(au []byte) bool { return Inspect(au).IDR }
