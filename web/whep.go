// Package web is picam-server's browser output, on its --http listener: a page at / that plays
// the camera in a <video> over WebRTC and shows the glass-to-glass latency it measures, and the
// WHEP endpoint the page (or any WHEP player: OBS, GStreamer's whepsrc, ffmpeg's whep demuxer)
// plays from.
//
// WHEP (draft-ietf-wish-whep) is one HTTP exchange: the viewer POSTs its SDP offer
// (Content-Type application/sdp) to /whep and gets 201 Created, the SDP answer and a Location
// naming its session; DELETE on that URL ends it. picam answers with every ICE candidate in
// the answer (no trickle) and only host candidates: enough on a LAN, where the phone and the
// Pi reach each other directly (see the README for NAT).
//
// Each peer is one more consumer of the fan-out hub: it subscribes once its connection is up,
// so its mailbox's keyframe gate hands it an IDR with SPS and PPS first (asked of the encoder
// at once), and the H.264 access units then go out as the encoder made them, packetized by
// pion/webrtc (RFC 6184, FU-A and STAP-A); nothing is decoded or re-encoded. A slow or stalled
// peer loses packets from its own mailbox only: it never blocks the camera or another output.
//
// The bounds: at most Config.MaxPeers peers at once (503 beyond), offers of at most
// Config.MaxOffer bytes (413), and a peer whose connection is not up within
// Config.ConnectTimeout, or that fails or disconnects for good (ICE consent lost), is closed
// and its slot freed.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
)

// Defaults for the Config bounds.
const (
	DefaultMaxPeers       = 8
	DefaultMaxOffer       = 32 << 10
	DefaultConnectTimeout = 10 * time.Second
)

// WHEPPath is where the endpoint listens; sessions are WHEPPath/ID.
const WHEPPath = "/whep"

// h264Fmtp is what the track declares. pion binds it to the browser's H.264 payload type of
// the same packetization mode (it compares only the profile-level-id's profile bytes, and
// falls back to the first H.264 codec offered), so any profile the encoder makes plays.
const h264Fmtp = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"

// Config configures a Server. Hub is required.
type Config struct {
	// Hub is the fan-out every peer subscribes to.
	Hub *fanout.Hub
	// Codec is what the hub carries. Only H.264 goes out over WebRTC; for any other codec
	// POST /whep answers 409 with the fix (the page then falls back to MJPEG).
	Codec av.Codec
	// RequestKeyframe passes a browser's picture-loss report (RTCP PLI or FIR) on to the
	// encoder; it should limit how often (codec.KeyframeLimiter). Nil: ignored.
	RequestKeyframe func()
	// MaxPeers bounds concurrent peers; 0 means DefaultMaxPeers.
	MaxPeers int
	// MaxOffer bounds an offer's size in bytes; 0 means DefaultMaxOffer.
	MaxOffer int64
	// ConnectTimeout is how long a peer may take from its offer to a connected state; 0
	// means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Logger logs peers coming and going; nil means slog.Default().
	Logger *slog.Logger
}

// Server is the WHEP endpoint and its peers. Its methods are safe for concurrent use.
type Server struct {
	cfg Config
	api *webrtc.API
	log *slog.Logger

	mu     sync.Mutex
	peers  map[string]*peer
	closed bool
	wg     sync.WaitGroup // every peer's goroutines
}

// PeerInfo is one peer as /api/clients shows it.
type PeerInfo struct {
	ID      string    `json:"id"`
	Remote  string    `json:"remote"` // the HTTP client that sent the offer
	State   string    `json:"state"`  // the PeerConnection's: new, connecting, connected, disconnected, failed, closed
	Since   time.Time `json:"since"`
	Frames  uint64    `json:"frames_sent"`
	Dropped uint64    `json:"dropped"`     // pictures the peer lost because it was not ready for them
	Held    uint64    `json:"held"`        // pictures kept back until a keyframe, after a loss
	Bytes   uint64    `json:"bytes_sent"`  // H.264 bytes handed to the peer's track
	Bitrate uint64    `json:"bitrate_bps"` // over about the last second
}

// peer is one WebRTC viewer.
type peer struct {
	id     string
	remote string
	since  time.Time
	pc     *webrtc.PeerConnection
	track  *webrtc.TrackLocalStaticSample
	sender *webrtc.RTPSender
	ctx    context.Context // ends the peer: DELETE, Close, a failed or closed connection
	cancel context.CancelFunc

	state       atomic.Value  // webrtc.PeerConnectionState
	connected   chan struct{} // closed once the connection is first up
	connectOnce sync.Once
	sub         atomic.Pointer[fanout.Sub]
	bytes       atomic.Uint64
	bitrate     atomic.Uint64
}

// New returns a WHEP server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Hub == nil {
		return nil, errors.New("web: Config.Hub is required")
	}
	if cfg.MaxPeers <= 0 {
		cfg.MaxPeers = DefaultMaxPeers
	}
	if cfg.MaxOffer <= 0 {
		cfg.MaxOffer = DefaultMaxOffer
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	api, err := newAPI()
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, api: api, log: cfg.Logger, peers: map[string]*peer{}}, nil
}

// newAPI is pion's stack as picam uses it: the default codecs and interceptors (NACK
// retransmission, RTCP reports), host candidates including loopback (so a browser on the Pi
// itself, and the tests, connect), and ICE timeouts that free a vanished peer within seconds.
func newAPI() (*webrtc.API, error) {
	var me webrtc.MediaEngine
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("web: codecs: %w", err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(&me, reg); err != nil {
		return nil, fmt.Errorf("web: interceptors: %w", err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	// Disconnected after 4 s without an answer to ICE keep-alives, failed (and freed) after 10.
	se.SetICETimeouts(4*time.Second, 10*time.Second, time.Second)
	return webrtc.NewAPI(webrtc.WithMediaEngine(&me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

// Register adds POST /whep and DELETE /whep/{id} to mux. ctx ending (the server stopping)
// closes every peer, as Close does.
func (s *Server) Register(ctx context.Context, mux *http.ServeMux) {
	mux.HandleFunc("POST "+WHEPPath, s.offer)
	mux.HandleFunc("DELETE "+WHEPPath+"/{id}", s.delete)
	context.AfterFunc(ctx, s.Close)
}

// MaxOffer is the largest offer body POST /whep reads, for the HTTP server's body bound.
func (s *Server) MaxOffer() int64 { return s.cfg.MaxOffer }

// MaxPeers is the bound on concurrent peers.
func (s *Server) MaxPeers() int { return s.cfg.MaxPeers }

// Close ends every peer and refuses new ones; it returns once their goroutines are done.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for _, p := range s.peers {
		p.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Peers returns the peers, oldest first (none when s is nil).
func (s *Server) Peers() []PeerInfo {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	out := make([]PeerInfo, 0, len(s.peers))
	for _, p := range s.peers {
		pi := PeerInfo{ID: p.id, Remote: p.remote, Since: p.since, State: p.stateName(), Bytes: p.bytes.Load(), Bitrate: p.bitrate.Load()}
		if sub := p.sub.Load(); sub != nil {
			st := sub.Stats()
			pi.Frames, pi.Dropped, pi.Held = st.Delivered, st.Dropped, st.Held
		}
		out = append(out, pi)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b PeerInfo) int { return a.Since.Compare(b.Since) })
	return out
}

func (p *peer) stateName() string {
	if st, ok := p.state.Load().(webrtc.PeerConnectionState); ok {
		return st.String()
	}
	return webrtc.PeerConnectionStateNew.String()
}

// refuse writes a plain-text error that names the fix.
func refuse(w http.ResponseWriter, code int, format string, args ...any) {
	http.Error(w, fmt.Sprintf("%d %s: ", code, http.StatusText(code))+fmt.Sprintf(format, args...), code)
}

// offer is POST /whep: the refusals first (codec, media type, size, the peer cap), then one
// PeerConnection answering the offer with all its candidates.
func (s *Server) offer(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Codec != av.H264 {
		refuse(w, http.StatusConflict, "WebRTC carries the encoder's H.264 as it is, and this server encodes %s: start picam-server with --codec h264, or watch /stream.mjpg (the page at / falls back to it)", s.cfg.Codec)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/sdp" {
		refuse(w, http.StatusUnsupportedMediaType, "a WHEP offer is an SDP body with Content-Type: application/sdp (got %q)", r.Header.Get("Content-Type"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxOffer))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, http.StatusRequestEntityTooLarge, "the offer is larger than %d bytes; a browser's is a few kilobytes", s.cfg.MaxOffer)
			return
		}
		refuse(w, http.StatusBadRequest, "reading the offer: %v", err)
		return
	}
	p, err := s.admit(r.RemoteAddr)
	if err != nil {
		refuse(w, http.StatusServiceUnavailable, "%v", err)
		return
	}
	answer, err := s.negotiate(r.Context(), p, string(body))
	if err != nil {
		s.drop(p)
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.log.Info("webrtc peer joined", "id", p.id, "remote", p.remote)
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", WHEPPath+"/"+p.id)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, answer)
}

// admit reserves a slot for a new peer, or says why not.
func (s *Server) admit(remote string) (*peer, error) {
	var id [12]byte
	rand.Read(id[:])
	p := &peer{id: hex.EncodeToString(id[:]), remote: remote, since: time.Now(), connected: make(chan struct{})}
	p.state.Store(webrtc.PeerConnectionStateNew)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("the server is stopping")
	}
	if len(s.peers) >= s.cfg.MaxPeers {
		return nil, fmt.Errorf("%d WebRTC viewers are already watching (the limit): close one (its page, or DELETE its session), or watch over --rtsp", s.cfg.MaxPeers)
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	s.peers[p.id] = p
	s.wg.Add(1) // done when the peer is dropped or its run ends
	return p, nil
}

// drop frees a slot admit reserved for a peer that never started.
func (s *Server) drop(p *peer) {
	defer s.wg.Done()
	p.cancel()
	if p.pc != nil {
		p.pc.Close()
	}
	s.mu.Lock()
	delete(s.peers, p.id)
	s.mu.Unlock()
}

// negotiate makes p's PeerConnection, answers offer and starts the peer. It returns the answer
// with every candidate in it.
func (s *Server) negotiate(ctx context.Context, p *peer, offer string) (string, error) {
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", fmt.Errorf("creating the peer: %w", err)
	}
	p.pc = pc
	// pion calls this on a goroutine of its own per change, so two calls may overlap or come
	// out of order: the state shown is read from the connection, and connected closes once.
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		p.state.Store(pc.ConnectionState())
		switch st {
		case webrtc.PeerConnectionStateConnected:
			p.connectOnce.Do(func() { close(p.connected) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			p.cancel()
		}
	})
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: h264Fmtp}, "video", "picam")
	if err != nil {
		return "", fmt.Errorf("creating the track: %w", err)
	}
	p.track = track
	if p.sender, err = pc.AddTrack(track); err != nil {
		return "", fmt.Errorf("adding the track: %w", err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("the body is not a usable WebRTC offer: %w", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("answering the offer (does it receive H.264 video?): %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("answering the offer (does it receive H.264 video?): %w", err)
	}
	select {
	case <-gathered: // host candidates only: this takes milliseconds
	case <-ctx.Done():
		return "", fmt.Errorf("gathering candidates: %w", ctx.Err())
	case <-time.After(5 * time.Second):
		return "", errors.New("gathering candidates took more than 5 s")
	}
	go s.run(p)
	return pc.LocalDescription().SDP, nil
}

// readRTCP reads the sender's RTCP until the PeerConnection closes.
func (s *Server) readRTCP(sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if s.cfg.RequestKeyframe != nil {
					s.cfg.RequestKeyframe()
				}
			}
		}
	}
}

// run is one peer's life: wait for the connection, then feed the track from the peer's own
// fan-out mailbox until the peer goes or ctx ends; then free everything.
func (s *Server) run(p *peer) {
	defer s.wg.Done()
	ctx := p.ctx
	rtcpDone := make(chan struct{})
	go func() { // RTCP from the browser: the interceptors need it read; PLI and FIR ask for a keyframe
		defer close(rtcpDone)
		s.readRTCP(p.sender)
	}()
	defer func() {
		p.cancel()
		if sub := p.sub.Load(); sub != nil {
			sub.Close()
		}
		p.pc.Close() // ends readRTCP
		<-rtcpDone
		s.mu.Lock()
		delete(s.peers, p.id)
		s.mu.Unlock()
		s.log.Info("webrtc peer left", "id", p.id, "remote", p.remote, "state", p.stateName())
	}()
	select {
	case <-p.connected:
	case <-ctx.Done():
		return
	case <-time.After(s.cfg.ConnectTimeout):
		s.log.Info("webrtc peer never connected: freed", "id", p.id, "remote", p.remote, "after", s.cfg.ConnectTimeout)
		return
	}
	// Subscribed only now: the first packet is a keyframe asked for now, not one that went
	// stale while ICE and DTLS were under way.
	sub := s.cfg.Hub.Subscribe("webrtc " + p.remote)
	p.sub.Store(sub)
	var last time.Time
	markBytes, markTime := uint64(0), time.Now()
	for {
		pkt, err := sub.Next(ctx)
		if err != nil {
			return
		}
		// The RTP clock follows the capture times, so the browser plays frames at the pace
		// they were taken; the first frame's duration is a guess (30 fps).
		d := 33 * time.Millisecond
		if !last.IsZero() && !pkt.Captured.IsZero() {
			d = min(max(pkt.Captured.Sub(last), time.Millisecond), time.Second)
		}
		last = pkt.Captured
		if err := p.track.WriteSample(media.Sample{Data: pkt.Data, Duration: d}); err != nil {
			if errors.Is(err, io.ErrClosedPipe) {
				return
			}
			s.log.Debug("webrtc write", "id", p.id, "err", err)
		}
		n := p.bytes.Add(uint64(len(pkt.Data)))
		if el := time.Since(markTime); el >= time.Second {
			p.bitrate.Store(uint64(float64(n-markBytes) * 8 / el.Seconds()))
			markBytes, markTime = n, time.Now()
		}
	}
}

// delete is DELETE /whep/{id}: the viewer ends its session.
func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.peers[r.PathValue("id")]
	s.mu.Unlock()
	if p == nil {
		refuse(w, http.StatusNotFound, "no WebRTC session %q (it ended, or never was)", r.PathValue("id"))
		return
	}
	p.cancel()
	w.WriteHeader(http.StatusOK)
}
