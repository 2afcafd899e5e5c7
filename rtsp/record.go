package rtsp

// The client side: publishing picam's stream to another RTSP server (MediaMTX, an NVR's
// ingest, ffmpeg -rtsp_flags listen) with ANNOUNCE, SETUP (mode=record, RTP over TCP
// interleaved) and RECORD, the way MediaMTX and rtsp-simple-server take streams in. The SDP
// and the RTP packets are the ones the server side sends (media.go).

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/picam-project/picam/av"
)

// DefaultPort is the RTSP port a URL without one means.
const DefaultPort = "554"

// StatusError is a request the remote server answered with an error status.
type StatusError struct {
	Method string
	Status int
	Reason string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("rtsp: %s answered %d %s", e.Method, e.Status, e.Reason)
}

// Refused reports that the server refused the credentials or the path (401, 403): retrying
// the same request soon will not help.
func (e *StatusError) Refused() bool { return e.Status == 401 || e.Status == 403 }

// Recorder publishes one stream to an RTSP server. It is used by one goroutine (WritePacket,
// then Close), while a goroutine of its own reads and discards what the server sends (RTCP
// receiver reports, keep-alive answers) and notices when the server hangs up.
type Recorder struct {
	nc           net.Conn
	br           *bufio.Reader
	base         string // the request URL: no user info, no trailing slash
	user, pass   string
	authz        func(method, uri string) string // nil until a 401 asked for credentials
	cseq         int
	session      string
	snd          *rtpSender
	writeTimeout time.Duration
	out          []byte
	lastSR       time.Time

	readDone chan struct{}
	mu       sync.Mutex
	readErr  error
}

// Dial connects to the RTSP server at rawURL (rtsp://[user:password@]host[:port]/path) and
// checks with OPTIONS that it speaks RTSP; Record then starts the stream. Each exchange and
// each later write must finish within timeout. Errors from the server's answers are
// *StatusError.
func Dial(ctx context.Context, rawURL string, timeout time.Duration) (*Recorder, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("rtsp: %w", err)
	}
	if u.Scheme != "rtsp" || u.Host == "" {
		return nil, fmt.Errorf("rtsp: %q is not an rtsp://host[:port]/path URL", u.Redacted())
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), DefaultPort)
	}
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	nc, err := d.DialContext(dctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	r := &Recorder{nc: nc, br: bufio.NewReaderSize(nc, 4096), writeTimeout: timeout, readDone: make(chan struct{})}
	clean := *u
	clean.User = nil
	r.base = strings.TrimSuffix(clean.String(), "/")
	if u.User != nil {
		r.user = u.User.Username()
		r.pass, _ = u.User.Password()
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	if _, err := r.request("OPTIONS", r.base, nil, nil, timeout); err != nil {
		nc.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return r, nil
}

// Record announces the stream that first starts (an H.264 keyframe with SPS and PPS, or a
// JPEG), sets it up over TCP interleaved and starts recording; first itself is not sent
// (give it to WritePacket). On an error the connection is closed.
func (r *Recorder) Record(ctx context.Context, first av.Packet) error {
	sdpBody, err := describeSDP(first)
	if err != nil {
		r.nc.Close()
		return err
	}
	r.snd = newRTPSender(first.Codec)
	stop := context.AfterFunc(ctx, func() { r.nc.Close() })
	defer stop()
	if err := r.start(sdpBody, r.writeTimeout); err != nil {
		r.nc.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	go r.drain()
	return nil
}

// start runs ANNOUNCE, SETUP and RECORD.
func (r *Recorder) start(sdpBody []byte, timeout time.Duration) error {
	if _, err := r.request("ANNOUNCE", r.base, []string{"Content-Type", "application/sdp"}, sdpBody, timeout); err != nil {
		return err
	}
	h, err := r.request("SETUP", r.base+"/"+trackControl,
		[]string{"Transport", "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"}, nil, timeout)
	if err != nil {
		return err
	}
	r.session, _, _ = strings.Cut(h.Get("Session"), ";")
	r.session = strings.TrimSpace(r.session)
	if r.session == "" {
		return errors.New("rtsp: SETUP answer has no Session")
	}
	if tr := h.Get("Transport"); tr != "" && !strings.Contains(tr, "interleaved=0-1") {
		return fmt.Errorf("rtsp: the server chose the transport %q; picam records over TCP interleaved=0-1 only", tr)
	}
	_, err = r.request("RECORD", r.base, []string{"Range", "npt=0.000-"}, nil, timeout)
	return err
}

// request sends one request and reads its answer, answering one Digest or Basic challenge
// with the URL's credentials. It returns the answer's header for a 2xx status.
func (r *Recorder) request(method, uri string, header []string, body []byte, timeout time.Duration) (textproto.MIMEHeader, error) {
	for attempt := 0; ; attempt++ {
		r.cseq++
		var b []byte
		b = fmt.Appendf(b, "%s %s RTSP/1.0\r\nCSeq: %d\r\nUser-Agent: picam\r\n", method, uri, r.cseq)
		if r.session != "" {
			b = fmt.Appendf(b, "Session: %s\r\n", r.session)
		}
		if r.authz != nil {
			b = fmt.Appendf(b, "Authorization: %s\r\n", r.authz(method, uri))
		}
		for i := 0; i+1 < len(header); i += 2 {
			b = fmt.Appendf(b, "%s: %s\r\n", header[i], header[i+1])
		}
		if len(body) > 0 {
			b = fmt.Appendf(b, "Content-Length: %d\r\n", len(body))
		}
		b = append(b, "\r\n"...)
		b = append(b, body...)
		r.nc.SetDeadline(time.Now().Add(timeout))
		if _, err := r.nc.Write(b); err != nil {
			return nil, fmt.Errorf("rtsp: sending %s: %w", method, err)
		}
		status, reason, h, err := readResponse(r.br)
		if err != nil {
			return nil, fmt.Errorf("rtsp: answer to %s: %w", method, err)
		}
		r.nc.SetDeadline(time.Time{})
		if got := h.Get("Cseq"); got != "" && got != strconv.Itoa(r.cseq) {
			return nil, fmt.Errorf("rtsp: answer to %s has CSeq %s, want %d", method, got, r.cseq)
		}
		if status == 401 && attempt == 0 && r.user != "" {
			if r.authz = authorizer(h.Values("Www-Authenticate"), r.user, r.pass); r.authz != nil {
				continue
			}
		}
		if status < 200 || status > 299 {
			return nil, &StatusError{Method: method, Status: status, Reason: reason}
		}
		return h, nil
	}
}

// authorizer answers a server's challenges: Digest (MD5) if offered, else Basic. Nil when
// it offers neither.
func authorizer(challenges []string, user, pass string) func(method, uri string) string {
	for _, c := range challenges {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(c), " ")
		if !strings.EqualFold(scheme, "Digest") {
			continue
		}
		p := parseAuthParams(rest)
		if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
			continue
		}
		realm, nonce := p["realm"], p["nonce"]
		return func(method, uri string) string {
			ha1 := md5hex(user + ":" + realm + ":" + pass)
			ha2 := md5hex(method + ":" + uri)
			return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`,
				user, realm, nonce, uri, md5hex(ha1+":"+nonce+":"+ha2))
		}
	}
	for _, c := range challenges {
		if scheme, _, _ := strings.Cut(strings.TrimSpace(c), " "); strings.EqualFold(scheme, "Basic") {
			v := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
			return func(string, string) string { return v }
		}
	}
	return nil
}

// readResponse reads one RTSP response within the package's bounds, skipping interleaved
// frames that arrive before it.
func readResponse(br *bufio.Reader) (status int, reason string, h textproto.MIMEHeader, err error) {
	buf := make([]byte, maxInterleavedKept)
	for {
		c, err := br.Peek(1)
		if err != nil {
			return 0, "", nil, err
		}
		if c[0] != '$' {
			break
		}
		if _, err := readInterleaved(br, buf); err != nil {
			return 0, "", nil, err
		}
	}
	line, err := readLine(br, maxLineBytes)
	if err != nil {
		return 0, "", nil, err
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, reason, _ := strings.Cut(rest, " ")
	status, err = strconv.Atoi(code)
	if !strings.HasPrefix(proto, "RTSP/") || err != nil {
		return 0, "", nil, fmt.Errorf("not an RTSP answer: %.64q", line)
	}
	h = textproto.MIMEHeader{}
	for n := 0; ; n++ {
		l, err := readLine(br, maxLineBytes)
		if err != nil {
			return 0, "", nil, err
		}
		if l == "" {
			break
		}
		if n >= maxHeaders {
			return 0, "", nil, errHeadTooBig
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return 0, "", nil, fmt.Errorf("malformed header line %.64q", l)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)), strings.TrimSpace(v))
	}
	if cl := h.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || n > maxBodyBytes {
			return 0, "", nil, fmt.Errorf("bad Content-Length %.32q", cl)
		}
		if _, err := br.Discard(n); err != nil {
			return 0, "", nil, err
		}
	}
	return status, reason, h, nil
}

// drain reads what the server sends while recording (RTCP receiver reports, answers) and
// throws it away, until the connection ends; that error is kept for WritePacket.
func (r *Recorder) drain() {
	defer close(r.readDone)
	buf := make([]byte, maxInterleavedKept)
	for {
		var err error
		if c, perr := r.br.Peek(1); perr != nil {
			err = perr
		} else if c[0] == '$' {
			_, err = readInterleaved(r.br, buf)
		} else {
			_, _, _, err = readResponse(r.br)
		}
		if err != nil {
			r.mu.Lock()
			r.readErr = fmt.Errorf("rtsp: the server closed the connection: %w", err)
			r.mu.Unlock()
			r.nc.Close()
			return
		}
	}
}

// WritePacket sends one packet as RTP (channel 0), with an RTCP sender report (channel 1)
// every srInterval. It returns the byte count written, or an error once the connection is broken
// or a write did not finish within the timeout.
func (r *Recorder) WritePacket(p av.Packet) (int, error) {
	pkts, err := r.snd.packetize(p)
	if err != nil {
		return 0, err
	}
	r.out = r.out[:0]
	for i := range pkts {
		r.out = pkts[i].appendInterleaved(r.out, 0)
	}
	if now := time.Now(); now.Sub(r.lastSR) >= srInterval {
		if sr := r.snd.senderReport(); sr != nil {
			r.out = appendInterleaved(r.out, 1, sr)
			r.lastSR = now
		}
	}
	r.nc.SetWriteDeadline(time.Now().Add(r.writeTimeout))
	n, err := r.nc.Write(r.out)
	if err != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.readErr != nil {
			return n, r.readErr
		}
		return n, fmt.Errorf("rtsp: sending: %w", err)
	}
	return n, nil
}

// Abort closes the connection at once, from any goroutine: a WritePacket under way returns
// an error. Close is still to be called.
func (r *Recorder) Abort() { r.nc.Close() }

// Close sends TEARDOWN (without waiting for the answer) and closes the connection.
func (r *Recorder) Close() error {
	if r.snd == nil { // never recording
		return r.nc.Close()
	}
	r.cseq++
	r.nc.SetWriteDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(r.nc, "TEARDOWN %s RTSP/1.0\r\nCSeq: %d\r\nSession: %s\r\nUser-Agent: picam\r\n\r\n", r.base, r.cseq, r.session)
	err := r.nc.Close()
	<-r.readDone
	return err
}
