// Package rtsp serves picam's encoded video to standard RTSP players (VLC, ffplay/ffmpeg,
// GStreamer's rtspsrc, NVRs such as Frigate, Home Assistant) from the one encode.
//
// It is a small RTSP 1.0 server (RFC 2326) written for exactly one live video track at one
// path (default /cam): OPTIONS, DESCRIBE (an SDP built with pion/sdp), SETUP (RTP over TCP
// interleaved, or UDP unicast with RTCP), PLAY, PAUSE, TEARDOWN and GET_PARAMETER /
// SET_PARAMETER keep-alives. H.264 goes out as RFC 6184 packetization mode 1 (pion/rtp's
// payloader) with SPS and PPS both in the SDP and in band; JPEG as RFC 2435 (our own
// packetizer, jpeg.go). RTP timestamps are the capture times on a 90 kHz clock, and RTCP
// sender reports tie them to wall-clock time.
//
// Every session takes packets from its own Feed (one per session, from picam's fan-out), so a
// slow or stalled client only ever delays itself: its writes have a deadline, after which it is
// dropped. Everything a client can make the server hold is bounded: request line and header
// sizes, bodies, interleaved frames, connections and sessions. Clients on loopback need no
// credentials; any other client must authenticate with HTTP Digest (RFC 2617/7616, MD5), and
// Basic is never accepted, because RTSP here has no TLS.
//
// The package also has a small client for the other direction (record.go: Dial, then
// Recorder.Record): publishing the stream to another RTSP server with ANNOUNCE, SETUP
// (mode=record, TCP interleaved) and RECORD, with the same SDP and RTP packets.
package rtsp
