package rtsp

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// pictureTimes reads RTP for d and returns the RTP timestamp of every complete picture
// (marker bit), over the RTSP connection (TCP) or from udp.
func (c *rawClient) pictureTimes(d time.Duration, udp *net.UDPConn) ([]uint32, error) {
	var ts []uint32
	buf := make([]byte, 65536)
	end := time.Now().Add(d)
	for {
		var b []byte
		if udp != nil {
			_ = udp.SetReadDeadline(end)
			n, err := udp.Read(buf)
			if err != nil {
				return ts, nil
			}
			b = buf[:n]
		} else {
			_ = c.nc.SetReadDeadline(end)
			var hdr [4]byte
			if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
				return ts, nil
			}
			n := int(binary.BigEndian.Uint16(hdr[2:]))
			if _, err := io.ReadFull(c.br, buf[:n]); err != nil {
				return ts, nil // the window ended inside a frame
			}
			if hdr[1] != 0 {
				continue
			}
			b = buf[:n]
		}
		var p rtp.Packet
		if err := p.Unmarshal(b); err != nil {
			return ts, err
		}
		if p.Marker {
			ts = append(ts, p.Timestamp)
		}
	}
}

// delivered matches a client's pictures to the published ones. The RTP timestamps are
// capture times on the 90 kHz clock from an unknown origin, so the client's first picture
// is aligned with each published capture time in turn, and the alignment that matches the
// most pictures wins. It returns the pictures matched and those published in the span the
// client covered.
func delivered(published []time.Time, ts []uint32) (matched, want int) {
	const tolerance = time.Millisecond
	for k := range published {
		got := 0
		j := k
		for _, t := range ts {
			at := published[k].Add(time.Duration(t-ts[0]) * time.Second / clockRate)
			for j < len(published) && published[j].Before(at.Add(-tolerance)) {
				j++
			}
			if j < len(published) && published[j].Sub(at).Abs() <= tolerance {
				got++
			}
		}
		if got > matched {
			end := published[k].Add(time.Duration(ts[len(ts)-1]-ts[0]) * time.Second / clockRate)
			n := 0
			for _, p := range published[k:] {
				if !p.After(end.Add(tolerance)) {
					n++
				}
			}
			matched, want = got, n
		}
	}
	return matched, want
}

// TestManyClients: 8 clients at once (4 over TCP, 4 over UDP) each get at least 99 % of the
// pictures published while they play, at 30 fps.
func TestManyClients(t *testing.T) {
	const clients, fps, window = 8, 30, 5 * time.Second
	ts := startServer(t, Config{Logger: quietLogger()}, h264Source(t, 90, 30), fps)
	var wg sync.WaitGroup
	times := make([][]uint32, clients)
	conns := make([]string, clients) // the clients' addresses, as the server names their feeds
	for i := range clients {
		c := dialRaw(t, ts.url)
		conns[i] = c.nc.LocalAddr().String()
		var udp *net.UDPConn
		transport := "RTP/AVP/TCP;unicast;interleaved=0-1"
		if i%2 == 1 {
			var err error
			if udp, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { udp.Close() })
			_ = udp.SetReadBuffer(4 << 20)
			port := udp.LocalAddr().(*net.UDPAddr).Port
			transport = fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port, port+1)
		}
		c.do("DESCRIBE", ts.url)
		r := c.do("SETUP", ts.url+"/trackID=0", "Transport: "+transport)
		sid, _, _ := strings.Cut(r.header.Get("Session"), ";")
		if r := c.do("PLAY", ts.url, "Session: "+sid); r.status != 200 {
			t.Fatalf("client %d: PLAY %d", i, r.status)
		}
		wg.Go(func() {
			var err error
			if times[i], err = c.pictureTimes(window, udp); err != nil || len(times[i]) < 2 {
				t.Errorf("client %d: %d pictures, %v", i, len(times[i]), err)
			}
		})
	}
	wg.Wait()
	ts.b.mu.Lock()
	published := slices.Clone(ts.b.published)
	ts.b.mu.Unlock()
	lost := map[string]int{}
	ts.b.mu.Lock()
	for _, f := range ts.b.all {
		lost[strings.TrimPrefix(f.name, "rtsp ")] = int(f.lost.Load())
	}
	ts.b.mu.Unlock()
	var report []string
	for i, tt := range times {
		if len(tt) < 2 {
			continue
		}
		got, want := delivered(published, tt)
		// Pictures the feed itself dropped (its consumer was not scheduled within a frame
		// interval, so the one-packet mailbox overflowed and it waited for the next
		// keyframe) are the fan-out's, reported but not the server's to deliver.
		feedLost := lost[conns[i]]
		report = append(report, fmt.Sprintf("%d/%d (feed lost %d)", got, want, feedLost))
		if float64(got) < 0.99*float64(want-feedLost) || got != len(tt) {
			t.Errorf("client %d got %d of %d pictures published while it played, %d lost at the feed (%d received)", i, got, want, feedLost, len(tt))
		}
	}
	t.Logf("pictures delivered of published, per client (even: TCP, odd: UDP): %v", report)
}
