package media

import (
	"encoding/json"
	"github.com/picam-project/picam/av"
	"slices"
	"sync"
	"time"
)

// Camera states as the status line and the viewer show them.
const (
	StateWaiting   = "waiting"   // no frame yet
	StateStreaming = "streaming" // frames arriving
	StateStalled   = "stalled"   // no frame for StallAfter
)

// StallAfter is how long a camera may send nothing before it is shown as stalled.
const StallAfter = time.Second

// CameraStatus is one camera's live numbers, shared by the terminal status line, the viewer's
// overlay and the --json summary.
type CameraStatus struct {
	Port      int             `json:"port"`
	State     string          `json:"state"`
	Codec     av.Codec        `json:"codec,omitempty"`
	Width     int             `json:"width,omitempty"`
	Height    int             `json:"height,omitempty"`
	Frames    uint64          `json:"frames"`
	FPS       float64         `json:"fps"`
	Mbps      float64         `json:"mbps"`
	LatencyMS *float64        `json:"latency_ms,omitempty"` // median over the window
	Gaps      uint64          `json:"gaps"`                 // frames the server numbered but never sent us
	Message   json.RawMessage `json:"message,omitempty"`
}

// Meter measures one camera over a sliding window. Its methods are safe for concurrent use:
// the receive loop adds, the status line and the viewer read.
type Meter struct {
	mu      sync.Mutex
	window  time.Duration
	port    int
	st      CameraStatus
	first   time.Time
	last    time.Time
	lastSeq uint64
	hasSeq  bool
	samples []sample
}

type sample struct {
	at    time.Time
	bytes int
	lat   float64 // ms; NaN-free: -1 when unknown
}

// NewMeter returns a meter for the camera on port, averaging over window.
func NewMeter(port int, window time.Duration) *Meter {
	return &Meter{window: window, port: port, st: CameraStatus{Port: port, State: StateWaiting}}
}

// Add counts one received packet; bytes is its size on the wire (before any conversion).
func (m *Meter) Add(p *Packet, bytes int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.st.Frames == 0 {
		m.first = p.Received
	}
	m.st.Frames++
	m.st.Codec, m.st.Width, m.st.Height = p.Codec, p.Width, p.Height
	if p.Message != nil {
		m.st.Message = p.Message
	}
	if m.hasSeq && p.Seq > m.lastSeq+1 {
		m.st.Gaps += p.Seq - m.lastSeq - 1
	}
	m.lastSeq, m.hasSeq = p.Seq, true
	m.last = p.Received
	lat := -1.0
	if d, ok := p.Latency(); ok {
		lat = float64(d.Microseconds()) / 1000
	}
	m.samples = append(m.samples, sample{at: p.Received, bytes: bytes, lat: lat})
	m.trim(p.Received)
}

func (m *Meter) trim(now time.Time) {
	i := 0
	for i < len(m.samples) && now.Sub(m.samples[i].at) > m.window {
		i++
	}
	if i > 0 {
		m.samples = append(m.samples[:0], m.samples[i:]...)
	}
}

// Status returns the camera's numbers as of now.
func (m *Meter) Status(now time.Time) CameraStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.trim(now)
	st := m.st
	switch {
	case st.Frames == 0:
		st.State = StateWaiting
	case now.Sub(m.last) > StallAfter:
		st.State = StateStalled
	default:
		st.State = StateStreaming
	}
	if n := len(m.samples); n > 0 {
		// A camera that started less than a window ago is measured over its lifetime, so the
		// first second does not read low.
		secs := min(m.window, max(now.Sub(m.first), time.Millisecond)).Seconds()
		total := 0
		var lats []float64
		for _, s := range m.samples {
			total += s.bytes
			if s.lat >= 0 {
				lats = append(lats, s.lat)
			}
		}
		st.FPS = round(float64(n)/secs, 10)
		st.Mbps = round(float64(total)*8/secs/1e6, 100)
		if len(lats) > 0 {
			slices.Sort(lats)
			v := round(lats[len(lats)/2], 10)
			st.LatencyMS = &v
		}
	}
	return st
}

func round(v, unit float64) float64 {
	if v < 0 {
		return -round(-v, unit)
	}
	return float64(int64(v*unit+0.5)) / unit
}
