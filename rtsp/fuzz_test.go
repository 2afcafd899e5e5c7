package rtsp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"strings"
	"testing"
)

// FuzzReadRequest: any byte stream either parses into requests within the bounds that read
// back the same after writing them out again, or fails with a status to answer (or the
// stream's end); nothing panics and no request exceeds a bound.
func FuzzReadRequest(f *testing.F) {
	for _, s := range []string{
		"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n",
		"DESCRIBE rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\nUser-Agent: Lavf59.27.100\r\n\r\n",
		"SETUP rtsp://h/cam/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n",
		"SET_PARAMETER rtsp://h/cam RTSP/1.0\r\nCSeq: 4\r\nContent-Length: 5\r\nSession: 12;timeout=60\r\n\r\nhello",
		"PLAY rtsp://h/cam RTSP/1.0\nCSeq: 5\n\nTEARDOWN rtsp://h/cam RTSP/1.0\r\nCSeq: 6\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
		"OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n",
		"DESCRIBE x RTSP/1.0\r\nContent-Length: -1\r\n\r\n",
		"DESCRIBE x RTSP/1.0\r\nBad Header\r\n\r\n",
		"OPTIONS * RTSP/1.0\r\nX: " + strings.Repeat("a", maxLineBytes) + "\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(data), 4096)
		for {
			req, err := ReadRequest(br)
			if err != nil {
				var se *statusError
				if !errors.As(err, &se) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("error is neither a status nor the end of input: %v", err)
				}
				if se != nil && (se.status < 400 || se.status > 599) {
					t.Fatalf("status %d for a bad request", se.status)
				}
				return
			}
			checkRequestBounds(t, req)
			again, err := ReadRequest(bufio.NewReader(bytes.NewReader(writeRequest(req))))
			if err != nil {
				t.Fatalf("written-out request does not parse: %v\n%q", err, writeRequest(req))
			}
			if again.Method != req.Method || again.URI != req.URI || !bytes.Equal(again.Body, req.Body) ||
				fmt.Sprint(again.Header) != fmt.Sprint(req.Header) {
				t.Fatalf("round trip changed the request:\n%+v\n%+v", req, again)
			}
		}
	})
}

func checkRequestBounds(t *testing.T, req *Request) {
	t.Helper()
	if !isToken(req.Method) || req.URI == "" || len(req.Method)+len(req.URI)+10 > maxLineBytes {
		t.Fatalf("request line out of bounds: %q %q", req.Method, req.URI)
	}
	n, size := 0, 0
	for k, vs := range req.Header {
		n += len(vs)
		for _, v := range vs {
			size += len(k) + len(v)
		}
	}
	if n > maxHeaders || size > maxHeadBytes || len(req.Body) > maxBodyBytes {
		t.Fatalf("%d header fields, %d header bytes, %d body bytes: over the bounds", n, size, len(req.Body))
	}
}

// writeRequest writes a parsed request out again in canonical form.
func writeRequest(req *Request) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s RTSP/1.0\r\n", req.Method, req.URI)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	b.Write(req.Body)
	return b.Bytes()
}

// FuzzReadInterleaved: a connection's byte stream of interleaved frames is consumed exactly
// frame by frame: each frame takes 4 bytes plus its declared length, what is kept is exactly
// the frame's data and never more than the buffer, and a frame written with
// appendInterleaved reads back unchanged.
func FuzzReadInterleaved(f *testing.F) {
	f.Add([]byte{'$', 1, 0, 4, 0x80, 0xc9, 0, 1}, byte(0), []byte("rtp"))
	f.Add([]byte{'$', 0, 0xff, 0xff}, byte(3), bytes.Repeat([]byte{1}, 3000))
	f.Add([]byte("$\x01\x00\x02ab$\x00\x00\x00"), byte(200), []byte{})
	f.Add([]byte("OPTIONS"), byte(1), []byte("x"))
	f.Fuzz(func(t *testing.T, stream []byte, channel byte, payload []byte) {
		buf := make([]byte, maxInterleavedKept)
		br := bufio.NewReader(bytes.NewReader(stream))
		consumed := 0
		for consumed < len(stream) {
			fr, err := readInterleaved(br, buf)
			if err != nil {
				rest := len(stream) - consumed
				if stream[consumed] == '$' && rest >= 4 && rest >= 4+int(binary.BigEndian.Uint16(stream[consumed+2:])) {
					t.Fatalf("a complete frame at %d failed: %v", consumed, err)
				}
				break
			}
			want := stream[consumed+4 : consumed+4+fr.size]
			if fr.channel != stream[consumed+1] || fr.size != int(binary.BigEndian.Uint16(stream[consumed+2:])) {
				t.Fatalf("frame at %d: channel %d size %d", consumed, fr.channel, fr.size)
			}
			if fr.size <= len(buf) && !bytes.Equal(fr.data, want) || fr.size > len(buf) && fr.data != nil {
				t.Fatalf("frame at %d: kept %d bytes of %d", consumed, len(fr.data), fr.size)
			}
			consumed += 4 + fr.size
		}
		if len(payload) > 0xffff {
			payload = payload[:0xffff]
		}
		frame := appendInterleaved(nil, channel, payload)
		fr, err := readInterleaved(bufio.NewReader(bytes.NewReader(frame)), make([]byte, 0xffff))
		if err != nil || fr.channel != channel || fr.size != len(payload) || !bytes.Equal(fr.data, payload) && len(payload) <= maxInterleavedKept {
			t.Fatalf("round trip: %+v, %v", fr, err)
		}
	})
}

// testJPEG encodes a w x h picture with Go's image/jpeg (standard tables, 4:2:0).
func testJPEG(t testing.TB, w, h int) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FuzzJPEGPacketize: parseJPEG never panics; for a JPEG it accepts, the RTP payloads fit
// the MTU, carry contiguous fragment offsets with the same type, size and restart header, the
// quantisation tables only in the first, and put the scan back together exactly.
func FuzzJPEGPacketize(f *testing.F) {
	f.Add(testJPEG(f, 64, 48), uint16(1200))
	f.Add(testJPEG(f, 320, 240), uint16(300))
	for _, p := range jpegSource(f, 2).packets { // picam's encoder, with restart markers
		f.Add(p.Data, uint16(1460))
	}
	f.Fuzz(func(t *testing.T, data []byte, mtu uint16) {
		fr, err := parseJPEG(data)
		if err != nil {
			if !errors.Is(err, errNotRFC2435) {
				t.Fatalf("error does not wrap errNotRFC2435: %v", err)
			}
			return
		}
		maxPayload := jpegHeaderBytes + 1 + int(mtu)%2000
		parts, _ := fr.packetize(maxPayload, nil, nil)
		var scan []byte
		for i, part := range parts {
			p := append(append([]byte(nil), part.head...), part.data...)
			if len(p) > maxPayload {
				t.Fatalf("payload %d is %d bytes, max %d", i, len(p), maxPayload)
			}
			off := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
			if off != len(scan) || p[4] != fr.typ || p[5] != 255 || p[6] != fr.width || p[7] != fr.height {
				t.Fatalf("payload %d: header % x, offset want %d", i, p[:8], len(scan))
			}
			h := 8
			if fr.typ >= 64 {
				if binary.BigEndian.Uint16(p[8:]) != fr.restart || p[10] != 0xff || p[11] != 0xff {
					t.Fatalf("payload %d: restart header % x", i, p[8:12])
				}
				h += 4
			}
			if i == 0 {
				if p[h+3] != 128 || !bytes.Equal(p[h+4:h+4+128], fr.quant) {
					t.Fatalf("first payload lacks the quantisation tables")
				}
				h += 4 + 128
			}
			scan = append(scan, p[h:]...)
		}
		if !bytes.Equal(scan, fr.scan) {
			t.Fatalf("payloads carry %d scan bytes, the JPEG has %d", len(scan), len(fr.scan))
		}
	})
}

func TestParseJPEG(t *testing.T) {
	fr, err := parseJPEG(testJPEG(t, 100, 50))
	if err != nil {
		t.Fatal(err)
	}
	if fr.typ != 1 || fr.width != 13 || fr.height != 7 || len(fr.quant) != 128 || fr.restart != 0 {
		t.Errorf("type %d, %dx%d blocks, %d quant bytes, restart %d", fr.typ, fr.width, fr.height, len(fr.quant), fr.restart)
	}
	picam := jpegSource(t, 2).packets[0].Data
	if fr, err := parseJPEG(picam); err != nil || fr.typ != 65 || fr.restart == 0 {
		t.Errorf("picam's striped JPEG: type %d restart %d, %v", fr.typ, fr.restart, err)
	}
	// An optimised Huffman table, 4:4:4 and progressive JPEGs cannot be sent.
	good := testJPEG(t, 16, 16)
	dht := bytes.Index(good, []byte{0xff, 0xc4})
	optimised := bytes.Clone(good)
	optimised[dht+5+3]++ // one more code of length 3 in the first table's counts
	sof := bytes.Index(good, []byte{0xff, 0xc0})
	yuv444 := bytes.Clone(good)
	yuv444[sof+11] = 0x11
	progressive := bytes.Clone(good)
	progressive[sof+1] = 0xc2
	for name, b := range map[string][]byte{"optimised Huffman": optimised, "4:4:4": yuv444, "progressive": progressive, "empty": nil} {
		if _, err := parseJPEG(b); !errors.Is(err, errNotRFC2435) {
			t.Errorf("%s: %v, want errNotRFC2435", name, err)
		}
	}
}

func TestDigestQopAuth(t *testing.T) {
	d := &digest{realm: "picam", user: "u", password: "p"}
	h := func(s string) string { return md5hex(s) }
	ha1, ha2 := h("u:picam:p"), h("PLAY:rtsp://h/cam/")
	resp := h(ha1 + ":n0nce:00000001:c1:auth:" + ha2)
	auth := fmt.Sprintf(`Digest username="u", realm="picam", nonce="n0nce", uri="rtsp://h/cam/", qop=auth, nc=00000001, cnonce="c1", response="%s"`, resp)
	if !d.verify(auth, "PLAY", "n0nce") {
		t.Error("a correct qop=auth answer was refused")
	}
	if d.verify(auth, "PLAY", "other") || d.verify(auth, "DESCRIBE", "n0nce") || d.verify(strings.Replace(auth, `"u"`, `"v"`, 1), "PLAY", "n0nce") {
		t.Error("an answer for another nonce, method or user was accepted")
	}
}
