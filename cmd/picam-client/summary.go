package main

import (
	"slices"
	"time"

	"github.com/picam-project/picam/cmd/picam-client/media"
)

// summary is the --json line.
type summary struct {
	Port         int      `json:"port"`
	Ports        []int    `json:"ports,omitempty"`
	Frames       uint64   `json:"frames"`
	FPS          float64  `json:"fps"`
	Bytes        uint64   `json:"bytes"`
	Latency      *latency `json:"latency_ms"`
	Messages     []string `json:"messages"`
	DecodeErrors uint64   `json:"decode_errors"`
	// Unshown counts raw frames that could not be converted for the outputs (a float array).
	Unshown      uint64   `json:"unshown_frames"`
	MissingParts uint64   `json:"missing_parts"`
	Dropped      uint64   `json:"dropped"`
	Rejected     uint64   `json:"rejected_connections"`
	Exit         string   `json:"exit"`
	Shapes       []string `json:"shapes"`
	Codecs       []string `json:"codecs"`
	// FirstKeyframe, for H.264 and FWHT streams, says whether the first frame received
	// (of every camera) was one a decoder can start at: an IDR with SPS and PPS in front
	// (checked by parsing), an FWHT I-frame.
	FirstKeyframe *bool `json:"first_keyframe,omitempty"`
	// KeyframeWaits counts H.264 and FWHT frames kept from the outputs after this client
	// dropped frames itself (it fell behind), until the next keyframe: they would decode
	// against pictures the decoder never saw.
	KeyframeWaits uint64               `json:"keyframe_waits,omitempty"`
	FirstSeq      *uint64              `json:"first_seq,omitempty"`
	LastSeq       *uint64              `json:"last_seq,omitempty"`
	Cameras       []media.CameraStatus `json:"cameras"`
	Outputs       []outputSummary      `json:"outputs,omitempty"`
	Started       time.Time            `json:"-"`

	// Cut counts server connections cut for a bound (the per-port connection cap, the idle
	// time-out, the memory cap: a hostile or broken peer), as rejected_connections counts
	// those dropped for protocol errors.
	Cut uint64 `json:"cut_connections"`
	// LatencyIgnored counts capture times that were in the future or older than their
	// connection: not averaged into latency_ms (see noteCapture).
	LatencyIgnored uint64 `json:"latency_ignored"`
}

type latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

func (r *receiver) finish() summary {
	st := r.c.Stats()
	s := r.sum
	s.DecodeErrors += st.DecodeErrors
	s.MissingParts, s.Dropped, s.Rejected, s.Cut = st.MissingParts, st.Dropped, st.Rejected, st.Cut
	if s.Frames > 1 {
		if d := r.last.Sub(r.first).Seconds(); d > 0 {
			s.FPS = round1(float64(s.Frames-1) / d)
		}
	}
	if len(r.lat) > 0 {
		slices.Sort(r.lat)
		s.Latency = &latency{P50: round2(pct(r.lat, 0.50)), P99: round2(pct(r.lat, 0.99))}
	}
	if s.Messages == nil {
		s.Messages = []string{}
	}
	s.Cameras = r.cameraStatus()
	for _, out := range r.outputs {
		s.Outputs = append(s.Outputs, out.summary())
	}
	return s
}

func pct(sorted []float64, p float64) float64 {
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }
