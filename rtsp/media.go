package rtsp

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/sdp/v3"

	"github.com/picam-project/picam/av"
)

const (
	// clockRate is the RTP clock of H.264 (RFC 6184) and JPEG (RFC 2435).
	clockRate = 90000
	// maxRTPPacket caps an RTP packet (header included) so that it fits an Ethernet frame in
	// UDP; interleaved TCP uses the same size.
	maxRTPPacket = 1472
	// rtpHeaderBytes is the fixed RTP header without CSRCs or extensions.
	rtpHeaderBytes = 12
	// payloadTypeH264 is the dynamic payload type the SDP maps to H264/90000.
	payloadTypeH264 = 96
	// trackControl is the one track's control URL, relative to the Content-Base.
	trackControl = "trackID=0"
)

// describeSDP returns the SDP of the stream that p (its first packet) starts.
func describeSDP(p av.Packet) ([]byte, error) {
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{Media: "video", Port: sdp.RangedPort{Value: 0}, Protos: []string{"RTP", "AVP"}},
	}
	switch p.Codec {
	case av.H264:
		if len(p.SPS) < 4 || len(p.PPS) == 0 {
			return nil, fmt.Errorf("H.264 packet without SPS and PPS: the feed must start at a keyframe")
		}
		pt := strconv.Itoa(payloadTypeH264)
		md.MediaName.Formats = []string{pt}
		md.Attributes = []sdp.Attribute{
			sdp.NewAttribute("rtpmap", pt+" H264/90000"),
			sdp.NewAttribute("fmtp", pt+" packetization-mode=1; profile-level-id="+hex.EncodeToString(p.SPS[1:4])+
				"; sprop-parameter-sets="+base64.StdEncoding.EncodeToString(p.SPS)+","+base64.StdEncoding.EncodeToString(p.PPS)),
		}
	case av.JPEG:
		pt := strconv.Itoa(int(rtp.PayloadTypeJPEG))
		md.MediaName.Formats = []string{pt}
		md.Attributes = []sdp.Attribute{sdp.NewAttribute("rtpmap", pt+" JPEG/90000")}
	default:
		return nil, fmt.Errorf("codec %q cannot be sent over RTSP: run the camera with --codec h264 or --codec jpeg", p.Codec)
	}
	if p.Width > 0 && p.Height > 0 {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("x-dimensions", fmt.Sprintf("%d,%d", p.Width, p.Height)))
	}
	md.Attributes = append(md.Attributes, sdp.NewAttribute("control", trackControl))
	d := &sdp.SessionDescription{
		Origin: sdp.Origin{Username: "-", SessionID: rand.Uint64() >> 1, SessionVersion: 1,
			NetworkType: "IN", AddressType: "IP4", UnicastAddress: "0.0.0.0"},
		SessionName:           "picam",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: "IP4", Address: &sdp.Address{Address: "0.0.0.0"}},
		TimeDescriptions:      []sdp.TimeDescription{{}},
		MediaDescriptions:     []*sdp.MediaDescription{md},
	}
	return d.Marshal()
}

// rtpSender turns one session's packets into RTP packets and RTCP sender reports.
type rtpSender struct {
	codec    av.Codec
	ssrc     uint32
	seq      uint16
	tsBase   uint32    // RTP timestamp of the first packet
	t0       time.Time // capture time of the first packet
	lastTS   uint32
	lastCapt time.Time
	packets  uint32 // sent, for sender reports
	octets   uint32
	h264     codecs.H264Payloader
	payloads [][]byte
}

func newRTPSender(codec av.Codec) *rtpSender {
	s := &rtpSender{codec: codec, ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), tsBase: rand.Uint32() | 1}
	// SPS and PPS go out as their own packets: pion drops a STAP-A that exceeds the MTU.
	s.h264.DisableStapA = true
	return s
}

// timestamp maps a capture time onto the 90 kHz RTP clock of this session.
func (s *rtpSender) timestamp(captured time.Time) uint32 {
	if s.t0.IsZero() {
		s.t0 = captured
	}
	d := max(captured.Sub(s.t0), 0)
	return s.tsBase + uint32(d.Nanoseconds()*clockRate/int64(time.Second))
}

// packetize appends the RTP packets of p, each marshalled, to out (reusing its capacity).
// It returns an error for a packet that cannot be sent (wrong codec, a JPEG outside RFC 2435).
func (s *rtpSender) packetize(p av.Packet, out [][]byte) ([][]byte, error) {
	if p.Codec != s.codec {
		return out, fmt.Errorf("packet of codec %q in a %q session", p.Codec, s.codec)
	}
	captured := p.Captured
	if captured.IsZero() {
		captured = time.Now()
	}
	ts := s.timestamp(captured)
	s.payloads = s.payloads[:0]
	pt := uint8(payloadTypeH264)
	switch p.Codec {
	case av.H264:
		s.payloads = s.h264.Payload(maxRTPPacket-rtpHeaderBytes, p.Data)
	case av.JPEG:
		f, err := parseJPEG(p.Data)
		if err != nil {
			return out, err
		}
		s.payloads = f.packetize(maxRTPPacket-rtpHeaderBytes, s.payloads)
		pt = rtp.PayloadTypeJPEG
	}
	for i, pl := range s.payloads {
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, Marker: i == len(s.payloads)-1, PayloadType: pt,
			SequenceNumber: s.seq, Timestamp: ts, SSRC: s.ssrc}, Payload: pl}
		b, err := pkt.Marshal()
		if err != nil {
			return out, fmt.Errorf("marshalling RTP: %w", err)
		}
		out = append(out, b)
		s.seq++
		s.packets++
		s.octets += uint32(len(pl))
	}
	if len(s.payloads) > 0 {
		s.lastTS, s.lastCapt = ts, captured
	}
	return out, nil
}

// senderReport returns an RTCP sender report that ties the last packet's RTP timestamp to
// its capture time, or nil before the first packet.
func (s *rtpSender) senderReport() []byte {
	if s.lastCapt.IsZero() {
		return nil
	}
	sr := rtcp.SenderReport{SSRC: s.ssrc, NTPTime: ntpTime(s.lastCapt), RTPTime: s.lastTS,
		PacketCount: s.packets, OctetCount: s.octets}
	b, err := sr.Marshal()
	if err != nil {
		return nil
	}
	return b
}

// ntpTime is t in the 64-bit NTP format: seconds since 1900 and a binary fraction.
func ntpTime(t time.Time) uint64 {
	const unixToNTP = 2208988800
	ns := t.UnixNano()
	secs := uint64(ns/1e9) + unixToNTP
	frac := uint64(ns%1e9) << 32 / 1e9
	return secs<<32 | frac
}
