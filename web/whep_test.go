package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
)

// rig is a WHEP server on a loopback HTTP server, fed by a hub.
type rig struct {
	url string
	srv *Server
	hub *fanout.Hub
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	if cfg.Hub == nil {
		cfg.Hub = fanout.New(fanout.Config{RequestKeyframe: cfg.RequestKeyframe})
		t.Cleanup(cfg.Hub.Close)
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ctx, cancel := context.WithCancel(context.Background())
	s.Register(ctx, mux)
	mux.Handle("GET /{$}", Page())
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { hs.Close(); cancel(); s.Close() })
	return &rig{url: hs.URL, srv: s, hub: cfg.Hub}
}

// client is a real pion PeerConnection that offers to receive video, as a browser does.
func client(t *testing.T) *webrtc.PeerConnection {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	var me webrtc.MediaEngine
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(&me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return pc
}

// post sends body as an offer and returns the status, the Location and the body.
func (r *rig) post(t *testing.T, contentType, body string) (int, string, string) {
	t.Helper()
	resp, err := http.Post(r.url+WHEPPath, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (r *rig) delete(t *testing.T, location string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, r.url+location, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The endpoint's refusals, each with its status and a message naming the fix, and the bounds
// that free a slot: a peer that never connects is freed after ConnectTimeout, and DELETE ends
// a session.
func TestWHEPRefusalsAndBounds(t *testing.T) {
	r := newRig(t, Config{Codec: av.H264, MaxPeers: 1, MaxOffer: 8 << 10, ConnectTimeout: time.Second})
	offer := client(t).LocalDescription().SDP

	for _, c := range []struct {
		contentType, body string
		status            int
		says              string
	}{
		{"text/plain", offer, http.StatusUnsupportedMediaType, "Content-Type: application/sdp"},
		{"application/sdp", strings.Repeat("a=x\r\n", 2000), http.StatusRequestEntityTooLarge, "larger than 8192 bytes"},
		{"application/sdp", "v=0\r\nnot an offer\r\n", http.StatusBadRequest, "not a usable WebRTC offer"},
	} {
		code, loc, body := r.post(t, c.contentType, c.body)
		if code != c.status || loc != "" || !strings.Contains(body, c.says) {
			t.Errorf("POST %s (%d bytes): %d %q %q; want %d saying %q", c.contentType, len(c.body), code, loc, body, c.status, c.says)
		}
	}
	if n := len(r.srv.Peers()); n != 0 {
		t.Fatalf("%d peers after refusals, want 0 (a refused offer holds no slot)", n)
	}

	// A peer that takes the slot and never connects (its answer is never applied).
	code, loc, answer := r.post(t, "application/sdp; charset=utf-8", offer)
	if code != http.StatusCreated || !strings.HasPrefix(loc, WHEPPath+"/") || !strings.Contains(answer, "H264") || !strings.Contains(answer, "a=candidate") {
		t.Fatalf("POST offer: %d %q, answer:\n%s", code, loc, answer)
	}
	code, _, body := r.post(t, "application/sdp", client(t).LocalDescription().SDP)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "1 WebRTC viewers are already watching (the limit)") {
		t.Errorf("over the cap: %d %q; want 503 naming the limit", code, body)
	}
	waitFor(t, "the unconnected peer to be freed", 5*time.Second, func() bool { return len(r.srv.Peers()) == 0 })
	if code := r.delete(t, loc); code != http.StatusNotFound {
		t.Errorf("DELETE of the freed session: %d, want 404", code)
	}

	code, loc, _ = r.post(t, "application/sdp", client(t).LocalDescription().SDP)
	if code != http.StatusCreated {
		t.Fatalf("POST after the slot was freed: %d", code)
	}
	if code := r.delete(t, loc); code != http.StatusOK {
		t.Errorf("DELETE %s: %d, want 200", loc, code)
	}
	waitFor(t, "the deleted peer to go", 5*time.Second, func() bool { return len(r.srv.Peers()) == 0 })

	jr := newRig(t, Config{Codec: av.JPEG})
	code, _, body = jr.post(t, "application/sdp", offer)
	if code != http.StatusConflict || !strings.Contains(body, "--codec h264") || !strings.Contains(body, "/stream.mjpg") {
		t.Errorf("POST with a JPEG stream: %d %q; want 409 with the fix", code, body)
	}
}

// annexB joins NAL units with 4-byte start codes.
func annexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(b, 0, 0, 0, 1)
		b = append(b, n...)
	}
	return b
}

// nal is a NAL unit of type typ with n payload bytes that hold no start code.
func nal(typ byte, n int, fill byte) []byte {
	b := bytes.Repeat([]byte{fill}, n+1)
	b[0] = 0x60 | typ
	return b
}

// A connected peer gets the H.264 access units as the encoder made them, starting at a
// keyframe with SPS and PPS asked for when it connected: a real pion receiver over loopback
// reassembles the RTP (FU-A, STAP-A) into the published bytes. /api/clients' view of it shows
// it connected with frames, bytes and a bit rate, and a PLI from the receiver reaches the
// encoder's keyframe request.
func TestWHEPDeliversH264AsEncoded(t *testing.T) {
	var asked atomic.Int64
	r := newRig(t, Config{Codec: av.H264, RequestKeyframe: func() { asked.Add(1) }})
	sps, pps := []byte{0x67, 0x42, 0xc0, 0x1e, 0x8c, 0x8d, 0x40}, []byte{0x68, 0xce, 0x3c, 0x80}
	idr := annexB(sps, pps, nal(5, 5000, 0xab)) // several FU-A fragments at MTU 1200
	pFrame := annexB(nal(1, 700, 0xcd))

	pc := client(t)
	aus := make(chan []byte, 64)
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		var depack codecs.H264Packet
		var au []byte
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			b, err := depack.Unmarshal(pkt.Payload)
			if err != nil {
				t.Errorf("depacketizing: %v", err)
				return
			}
			au = append(au, b...)
			if pkt.Marker {
				select {
				case aus <- au:
				default:
				}
				au = nil
			}
		}
	})
	code, _, answer := r.post(t, "application/sdp", pc.LocalDescription().SDP)
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}

	// The encoder: a P-frame each 20 ms, and an IDR when asked (the hub asks when the peer
	// subscribes).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		served := int64(0)
		for i := uint64(0); ctx.Err() == nil; i++ {
			key := asked.Load() > served
			if key {
				served = asked.Load()
			}
			p := av.Packet{Codec: av.H264, Data: pFrame, Index: i, Seq: i, Captured: time.Now()}
			if key {
				p.Data, p.Keyframe, p.SPS, p.PPS = idr, true, sps, pps
			}
			r.hub.Publish(p)
			time.Sleep(20 * time.Millisecond)
		}
	}()

	timeout := time.After(10 * time.Second)
	for i := 0; i < 10; i++ {
		select {
		case au := <-aus:
			want := pFrame
			if i == 0 {
				want = idr
			}
			if !bytes.Equal(au, want) {
				t.Fatalf("access unit %d: %d bytes (NAL types %v), want the %d published", i, len(au), nalTypes(au), len(want))
			}
		case <-timeout:
			t.Fatalf("received %d access units in 10 s", i)
		}
	}
	time.Sleep(1100 * time.Millisecond) // a bit rate needs a second of sending
	peers := r.srv.Peers()
	if len(peers) != 1 || peers[0].State != "connected" || peers[0].Frames < 10 || peers[0].Bytes == 0 || peers[0].Bitrate == 0 {
		t.Fatalf("Peers: %+v", peers)
	}

	before := asked.Load()
	ssrc := uint32(pc.GetReceivers()[0].Track().SSRC())
	if err := pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the PLI to reach RequestKeyframe", 5*time.Second, func() bool { return asked.Load() > before })
}

func nalTypes(au []byte) []int {
	var out []int
	for i := 0; i+4 < len(au); i++ {
		if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 {
			out = append(out, int(au[i+3]&0x1f))
		}
	}
	return out
}
