package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/picam-project/picam/av"
	"image/jpeg"
	"io"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"

	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/cmd/picam-client/media"
)

// Timing of the fragmented MP4 writer.
const (
	// TimeScale is the MP4 track's clock: 90 kHz, the usual video clock, exact for every
	// common frame rate.
	TimeScale = 90000
	// FragmentTarget is how much video one fragment holds before it is written at the next
	// keyframe: at most this much (plus one GOP when keyframes are sparse) is lost when the
	// client is killed.
	FragmentTarget = time.Second
	// FragmentMax forces a fragment out even without a keyframe, so sparse keyframes do not
	// put more than this at risk.
	FragmentMax = 2 * time.Second
)

const trackID = 1

// NewFMP4 returns a fragmented MP4 writer to w, which it closes on Close when it is an
// io.Closer. The init segment is written at the first keyframe (an H.264 track needs the
// stream's SPS and PPS, a Motion-JPEG one the picture size); each fragment is written with one
// Write call, so a cut-off file ends with whole fragments and at most a partial last one,
// which players ignore.
//
// Timestamps come from the packets' capture times (Packet.Time), on a 90 kHz clock starting at
// 0 with the first frame. Each sample lasts until the next one starts; the very last one, at
// Close, gets the duration of the one before it. H.264 is written in arrival order without
// composition offsets, which is right for streams without B-frames (what camera encoders send).
func NewFMP4(w io.Writer) Writer {
	c, _ := w.(io.Closer)
	return &fmp4Writer{w: w, closer: c}
}

type fmp4Writer struct {
	w      io.Writer
	closer io.Closer

	codec  av.Codec
	params h264.ParamSets
	begun  bool
	t0     time.Time
	last   uint64 // decode time of the newest sample, in TimeScale units
	lastD  uint32 // duration of the newest complete sample

	pending   []pendingSample
	fragStart uint64
	seqNum    uint32
	frames    uint64
	buf       seekablebuffer.Buffer
}

type pendingSample struct {
	dts     uint64
	key     bool
	payload []byte // AVCC for H.264, the JPEG for Motion-JPEG
}

func (m *fmp4Writer) Write(p *media.Packet) error {
	if !MP4.Accepts(p.Codec) || (m.codec != "" && p.Codec != m.codec) {
		return codecMismatch(MP4, p.Codec)
	}
	var s pendingSample
	switch p.Codec {
	case av.H264:
		m.params.Observe(p.Data)
		if !m.begun && !h264.IsRandomAccess(m.params.Complete(p.Data)) {
			return nil
		}
		s = pendingSample{key: h264.IsIDR(p.Data), payload: avcc(p.Data)}
		if len(s.payload) == 0 {
			return fmt.Errorf("frame %d: %w", p.Seq, errNoSlices)
		}
	case av.JPEG:
		s = pendingSample{key: true, payload: p.Data}
	}
	if !m.begun {
		if err := m.writeInit(p); err != nil {
			return err
		}
		m.begun, m.codec, m.t0 = true, p.Codec, p.Time()
	}
	s.dts = m.decodeTime(p.Time())
	if len(m.pending) > 0 {
		span := time.Duration(s.dts-m.fragStart) * time.Second / TimeScale
		if (s.key && span >= FragmentTarget) || span >= FragmentMax {
			if err := m.flush(s.dts); err != nil {
				return err
			}
		}
	}
	if len(m.pending) == 0 {
		m.fragStart = s.dts
	}
	m.pending = append(m.pending, s)
	m.frames++
	return nil
}

// decodeTime converts a capture time to the track clock, keeping times strictly increasing:
// a frame stamped no later than the one before (a clock step on the camera) is placed one
// frame duration after it.
func (m *fmp4Writer) decodeTime(t time.Time) uint64 {
	d := t.Sub(m.t0)
	var dts uint64
	if d > 0 {
		dts = uint64((d*TimeScale + time.Second/2) / time.Second)
	}
	if m.frames > 0 && dts <= m.last {
		step := uint64(m.lastD)
		if step == 0 {
			step = TimeScale / 30
		}
		dts = m.last + step
	}
	if m.frames > 0 {
		m.lastD = uint32(dts - m.last)
	}
	m.last = dts
	return dts
}

func (m *fmp4Writer) writeInit(p *media.Packet) error {
	track := &fmp4.InitTrack{ID: trackID, TimeScale: TimeScale}
	switch p.Codec {
	case av.H264:
		track.Codec = &codecs.H264{SPS: m.params.SPS()[0], PPS: m.params.PPS()[0]}
	case av.JPEG:
		w, h := p.Width, p.Height
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.Data)); err == nil {
			w, h = cfg.Width, cfg.Height
		}
		if w <= 0 || h <= 0 {
			return fmt.Errorf("frame %d: cannot tell the JPEG picture size for the MP4 track", p.Seq)
		}
		track.Codec = &codecs.MJPEG{Width: w, Height: h}
	}
	init := fmp4.Init{Tracks: []*fmp4.InitTrack{track}}
	m.buf.Reset()
	if err := init.Marshal(&m.buf); err != nil {
		return fmt.Errorf("building the MP4 header: %w", err)
	}
	if _, err := m.w.Write(m.buf.Bytes()); err != nil {
		return fmt.Errorf("writing the MP4 header: %w", err)
	}
	return nil
}

// flush writes the pending samples as one fragment; next is the decode time of the sample that
// follows them, which ends the last one.
func (m *fmp4Writer) flush(next uint64) error {
	if len(m.pending) == 0 {
		return nil
	}
	samples := make([]*fmp4.Sample, len(m.pending))
	for i, s := range m.pending {
		end := next
		if i+1 < len(m.pending) {
			end = m.pending[i+1].dts
		}
		samples[i] = &fmp4.Sample{Duration: uint32(end - s.dts), IsNonSyncSample: !s.key, Payload: s.payload}
	}
	m.seqNum++
	part := fmp4.Part{SequenceNumber: m.seqNum, Tracks: []*fmp4.PartTrack{{ID: trackID, BaseTime: m.pending[0].dts, Samples: samples}}}
	m.buf.Reset()
	if err := part.Marshal(&m.buf); err != nil {
		return fmt.Errorf("building MP4 fragment %d: %w", m.seqNum, err)
	}
	if _, err := m.w.Write(m.buf.Bytes()); err != nil {
		return fmt.Errorf("writing MP4 fragment %d: %w", m.seqNum, err)
	}
	clear(m.pending)
	m.pending = m.pending[:0]
	return nil
}

var errNoSlices = errors.New("H.264 access unit without picture data (not Annex-B?)")

// avcc converts an Annex-B access unit to an MP4 sample: each NAL unit with a 4-byte length in
// front instead of a start code. Parameter sets and delimiters are left out: the track header
// holds the parameter sets.
func avcc(au []byte) []byte {
	var out []byte
	for nal := range h264.NALUnits(au) {
		switch h264.TypeOf(nal) {
		case h264.NALSPS, h264.NALPPS, h264.NALAUD:
			continue
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(nal)))
		out = append(out, nal...)
	}
	return out
}

func (m *fmp4Writer) Frames() uint64 { return m.frames }

func (m *fmp4Writer) Close() error {
	var err error
	if len(m.pending) > 0 {
		d := uint64(m.lastD)
		if d == 0 {
			d = TimeScale / 30
		}
		err = m.flush(m.last + d)
	}
	if m.closer != nil {
		if cerr := m.closer.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the recording: %w", cerr)
		}
	}
	return err
}
