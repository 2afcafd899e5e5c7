package viewer

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/internal/mjpeg"
	"net/http"
	"time"

	"github.com/picam-project/picam/cmd/picam-client/media"
)

// packetMeta is the JSON part of a /stream packet. Short keys: it goes with every frame.
type packetMeta struct {
	Codec    string `json:"c"`            // "jpeg" or "h264"
	Key      bool   `json:"k"`            // decoding can start here
	Seq      uint64 `json:"s"`            // server's frame number
	Captured int64  `json:"t"`            // capture time, Unix µs; 0 when unknown
	Received int64  `json:"r"`            // reception time at the client, Unix µs
	Width    int    `json:"w,omitempty"`  // picture size when known
	Height   int    `json:"h,omitempty"`  //
	Decoder  string `json:"cs,omitempty"` // H.264 keyframes: the WebCodecs codec string
}

// writePacket writes one packet as the page reads it: a 4-byte big-endian length and the JSON
// meta, then a 4-byte big-endian length and the payload (a JPEG, or an Annex-B access unit).
// A fetch() body stream carries it: no WebSocket library is needed on either side.
func writePacket(w http.ResponseWriter, p *media.Packet, decoder string) error {
	m := packetMeta{Codec: string(p.Codec), Key: p.Keyframe, Seq: p.Seq, Received: p.Received.UnixMicro(), Width: p.Width, Height: p.Height}
	if !p.Captured.IsZero() {
		m.Captured = p.Captured.UnixMicro()
	}
	if p.Codec == av.H264 && p.Keyframe {
		m.Decoder = decoder
	}
	meta, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(meta)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(meta); err != nil {
		return err
	}
	binary.BigEndian.PutUint32(n[:], uint32(len(p.Data)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err = w.Write(p.Data)
	return err
}

// openFeed subscribes a request for /PATH/PORT to that camera's packets, or answers 404 (ok
// false). The caller unsubscribes.
func (s *Server) openFeed(w http.ResponseWriter, r *http.Request, path string) (port int, feed *media.Feed, ok bool) {
	port, ok = portParam(r)
	if !ok {
		http.Error(w, "no such camera: /"+path+"/PORT takes one of the client's ports", http.StatusNotFound)
		return 0, nil, false
	}
	feed, ok = s.subscribe(port)
	if !ok {
		http.Error(w, fmt.Sprintf("no camera on port %d (see /api/cameras)", port), http.StatusNotFound)
		return 0, nil, false
	}
	return port, feed, true
}

func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	port, feed, ok := s.openFeed(w, r, "stream")
	if !ok {
		return
	}
	defer s.unsubscribe(port, feed)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	s.pump(r.Context(), w, feed, port, func(p *media.Packet) error {
		return writePacket(w, p, s.decoderCodec(port))
	})
}

func (s *Server) serveMJPEG(w http.ResponseWriter, r *http.Request) {
	port, feed, ok := s.openFeed(w, r, "mjpeg")
	if !ok {
		return
	}
	defer s.unsubscribe(port, feed)
	w.Header().Set("Content-Type", mjpeg.ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	s.pump(r.Context(), w, feed, port, func(p *media.Packet) error {
		if p.Codec != av.JPEG {
			return fmt.Errorf("camera %d sends %s, which /mjpeg cannot carry: open the page at / instead", port, p.Codec)
		}
		return mjpeg.WritePart(w, p.Data)
	})
}

// pump copies packets from feed to one browser connection until it goes away, the viewer
// closes (Close closes every feed), or a write fails or takes longer than WriteTimeout.
func (s *Server) pump(ctx context.Context, w http.ResponseWriter, feed *media.Feed, port int, write func(*media.Packet) error) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	for {
		p, err := feed.Pop(ctx)
		if err != nil {
			return
		}
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if err := write(p); err != nil {
			if !errors.Is(err, context.Canceled) {
				s.log.Debug("viewer connection ended", "port", port, "err", err)
			}
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
