package rtsp

import (
	"encoding/base64"
	"encoding/binary"
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

// rtpPayload is one RTP packet's payload in two parts, so that a frame's bytes are copied
// once, straight into what is written to the client: a payload header the packetizer made
// (may be empty) and a slice of the frame itself.
type rtpPayload struct{ head, data []byte }

// rtpPacket is one RTP packet ready to write: its fixed header, then its payload.
type rtpPacket struct {
	hdr [rtpHeaderBytes]byte
	rtpPayload
}

// payloadLen is the packet's payload size.
func (p *rtpPacket) payloadLen() int { return len(p.head) + len(p.data) }

// appendTo appends the marshalled packet to b.
func (p *rtpPacket) appendTo(b []byte) []byte {
	return append(append(append(b, p.hdr[:]...), p.head...), p.data...)
}

// appendInterleaved appends the packet to b as one interleaved frame on channel (RFC 2326
// 10.12): the packet itself, not a copy of it, is what it frames.
func (p *rtpPacket) appendInterleaved(b []byte, channel byte) []byte {
	n := rtpHeaderBytes + p.payloadLen()
	return p.appendTo(append(b, '$', channel, byte(n>>8), byte(n)))
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
	payloads []rtpPayload
	arena    []byte // the JPEG payload headers of the current frame
	pkts     []rtpPacket
}

func newRTPSender(codec av.Codec) *rtpSender {
	s := &rtpSender{codec: codec, ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), tsBase: rand.Uint32() | 1}
	// SPS and PPS go out as their own packets: pion drops a STAP-A that exceeds the MTU.
	s.h264.DisableStapA = true
	return s
}

// minPictureGap is the least RTP time between two pictures: a source whose pictures arrive in
// a burst (stamped on arrival, as H.264 from a pipe is) stamps two of them within a few
// microseconds, and a receiver reads pictures with one RTP timestamp as parts of one picture.
const minPictureGap = clockRate / 1000

// timestamp maps a capture time onto the 90 kHz RTP clock of this session, always at least a
// millisecond after the last picture's (see minPictureGap).
func (s *rtpSender) timestamp(captured time.Time) uint32 {
	if s.t0.IsZero() {
		s.t0 = captured
	}
	d := max(captured.Sub(s.t0), 0)
	ts := s.tsBase + uint32(d.Nanoseconds()*clockRate/int64(time.Second))
	if s.packets > 0 && int32(ts-s.lastTS) < minPictureGap {
		ts = s.lastTS + minPictureGap
	}
	return ts
}

// packetize returns the RTP packets of p, valid until the next call (their payloads point
// into p.Data and the sender's buffers). It returns an error for a packet that cannot be sent
// (wrong codec, a JPEG outside RFC 2435).
func (s *rtpSender) packetize(p av.Packet) ([]rtpPacket, error) {
	if p.Codec != s.codec {
		return nil, fmt.Errorf("packet of codec %q in a %q session", p.Codec, s.codec)
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
		for _, pl := range s.h264.Payload(maxRTPPacket-rtpHeaderBytes, p.Data) {
			s.payloads = append(s.payloads, rtpPayload{data: pl})
		}
	case av.JPEG:
		f, err := parseJPEG(p.Data)
		if err != nil {
			return nil, err
		}
		s.payloads, s.arena = f.packetize(maxRTPPacket-rtpHeaderBytes, s.arena, s.payloads)
		pt = rtp.PayloadTypeJPEG
	}
	s.pkts = s.pkts[:0]
	for i, pl := range s.payloads {
		pk := rtpPacket{rtpPayload: pl}
		h := &pk.hdr
		h[0] = 2 << 6 // version 2, no padding, extension or CSRC
		h[1] = pt
		if i == len(s.payloads)-1 {
			h[1] |= 1 << 7 // marker: the picture's last packet
		}
		binary.BigEndian.PutUint16(h[2:], s.seq)
		binary.BigEndian.PutUint32(h[4:], ts)
		binary.BigEndian.PutUint32(h[8:], s.ssrc)
		s.pkts = append(s.pkts, pk)
		s.seq++
		s.packets++
		s.octets += uint32(pk.payloadLen())
	}
	if len(s.payloads) > 0 {
		s.lastTS, s.lastCapt = ts, captured
	}
	return s.pkts, nil
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
