package rtsp

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// maxInterleavedKept caps the interleaved frames a client's connection keeps: clients send
// only RTCP receiver reports this way (tens of bytes); larger frames are read and discarded.
const maxInterleavedKept = 2048

// interleavedFrame is one "$" frame of RTP or RTCP carried on the RTSP connection
// (RFC 2326 section 10.12): '$', a channel byte, a 16-bit length, then the data.
type interleavedFrame struct {
	channel byte
	// size is the length the frame declared.
	size int
	// data is the frame's data when size <= maxInterleavedKept, else nil. It aliases the
	// buffer passed to readInterleaved.
	data []byte
}

// readInterleaved reads one interleaved frame from br, which must start with '$'. buf
// (at least maxInterleavedKept bytes) receives data small enough to keep; anything longer
// is discarded as it is read, so a client can make the server hold at most len(buf) bytes.
func readInterleaved(br *bufio.Reader, buf []byte) (interleavedFrame, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return interleavedFrame{}, fmt.Errorf("interleaved frame header: %w", err)
	}
	if hdr[0] != '$' {
		return interleavedFrame{}, fmt.Errorf("interleaved frame starts with %#x, not '$'", hdr[0])
	}
	f := interleavedFrame{channel: hdr[1], size: int(binary.BigEndian.Uint16(hdr[2:]))}
	if f.size > maxInterleavedKept || f.size > len(buf) {
		if _, err := br.Discard(f.size); err != nil {
			return interleavedFrame{}, fmt.Errorf("interleaved frame of %d bytes: %w", f.size, err)
		}
		return f, nil
	}
	f.data = buf[:f.size]
	if _, err := io.ReadFull(br, f.data); err != nil {
		return interleavedFrame{}, fmt.Errorf("interleaved frame of %d bytes: %w", f.size, err)
	}
	return f, nil
}

// appendInterleaved appends data as one interleaved frame on channel; len(data) must fit in
// 16 bits (RTP packets here are at most maxRTPPacket bytes).
func appendInterleaved(b []byte, channel byte, data []byte) []byte {
	b = append(b, '$', channel, byte(len(data)>>8), byte(len(data)))
	return append(b, data...)
}
