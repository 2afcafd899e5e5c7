package rtsp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
)

// Bounds on what one request may make the server read and hold.
const (
	// maxLineBytes caps the request line and each header line.
	maxLineBytes = 4096
	// maxHeadBytes caps the request line and all header lines together.
	maxHeadBytes = 16 << 10
	// maxHeaders caps the number of header lines.
	maxHeaders = 64
	// maxBodyBytes caps a request body (GET_PARAMETER and SET_PARAMETER may carry one).
	maxBodyBytes = 16 << 10
)

// Request is one parsed RTSP request.
type Request struct {
	// Method is the request method, such as "DESCRIBE".
	Method string
	// URI is the request URI exactly as sent ("*" for OPTIONS *).
	URI string
	// Header holds the header fields under their canonical MIME keys ("Cseq", "Session").
	Header textproto.MIMEHeader
	// Body is the request body (Content-Length bytes).
	Body []byte
}

// statusError is a request the server answers with an error status and then hangs up on,
// because the connection's byte stream can no longer be trusted.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("rtsp: %d %s: %s", e.status, statusText(e.status), e.msg)
}

var (
	errLineTooLong = &statusError{414, "request line longer than 4096 bytes"}
	errHeadTooBig  = &statusError{431, "request header larger than 16 KiB or more than 64 fields"}
	errBodyTooBig  = &statusError{413, "request body larger than 16 KiB"}
)

func badRequest(format string, a ...any) error {
	return &statusError{400, fmt.Sprintf(format, a...)}
}

// readLine reads one CRLF- (or LF-) terminated line of at most limit bytes, without its line
// ending. A longer line is errLineTooLong; the bytes read so far are consumed.
func readLine(br *bufio.Reader, limit int) (string, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > limit+2 { // +2: the CRLF does not count
			return "", errLineTooLong
		}
		line = append(line, chunk...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) > limit {
		return "", errLineTooLong
	}
	return string(line), nil
}

// isToken reports whether s is a non-empty RFC 2616 token (methods and header names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// ReadRequest reads one request from br, within the package's bounds. An error that is a
// *statusError names the status to answer with; any other error is the connection's.
func ReadRequest(br *bufio.Reader) (*Request, error) {
	line, err := readLine(br, maxLineBytes)
	if err != nil {
		return nil, err
	}
	method, rest, ok1 := strings.Cut(line, " ")
	uri, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !isToken(method) || uri == "" || strings.ContainsAny(uri, " \t") {
		return nil, badRequest("malformed request line %.64q", line)
	}
	if proto != "RTSP/1.0" {
		if strings.HasPrefix(proto, "RTSP/") {
			return nil, &statusError{505, fmt.Sprintf("version %.16q, this server speaks RTSP/1.0", proto)}
		}
		return nil, badRequest("not an RTSP request: %.64q", line)
	}
	req := &Request{Method: method, URI: uri, Header: textproto.MIMEHeader{}}
	budget := maxHeadBytes - len(line)
	for n := 0; ; n++ {
		h, err := readLine(br, min(maxLineBytes, max(budget, 0)))
		if errors.Is(err, errLineTooLong) {
			return nil, errHeadTooBig
		}
		if err != nil {
			return nil, err
		}
		budget -= len(h) + 2
		if h == "" {
			break
		}
		if n >= maxHeaders || budget < 0 {
			return nil, errHeadTooBig
		}
		k, v, ok := strings.Cut(h, ":")
		if !ok || !isToken(k) {
			return nil, badRequest("malformed header line %.64q", h)
		}
		req.Header.Add(textproto.CanonicalMIMEHeaderKey(k), strings.TrimSpace(v))
	}
	if cl := req.Header.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 {
			return nil, badRequest("bad Content-Length %.32q", cl)
		}
		if n > maxBodyBytes {
			return nil, errBodyTooBig
		}
		req.Body = make([]byte, n)
		if _, err := io.ReadFull(br, req.Body); err != nil {
			return nil, fmt.Errorf("reading %d-byte body: %w", n, err)
		}
	}
	return req, nil
}

// Response is what the server answers one request with.
type response struct {
	status int
	header []string // name, value pairs in order
	body   []byte
}

func (r *response) set(name, value string) { r.header = append(r.header, name, value) }

// appendTo writes the response with the request's CSeq (none if cseq is "").
func (r *response) appendTo(b []byte, cseq string) []byte {
	b = fmt.Appendf(b, "RTSP/1.0 %d %s\r\n", r.status, statusText(r.status))
	if cseq != "" {
		b = fmt.Appendf(b, "CSeq: %s\r\n", cseq)
	}
	b = append(b, "Server: picam\r\n"...)
	for i := 0; i+1 < len(r.header); i += 2 {
		b = fmt.Appendf(b, "%s: %s\r\n", r.header[i], r.header[i+1])
	}
	if len(r.body) > 0 {
		b = fmt.Appendf(b, "Content-Length: %d\r\n", len(r.body))
	}
	b = append(b, "\r\n"...)
	return append(b, r.body...)
}

// statusText returns the reason phrase of an RTSP status code (RFC 2326 section 7.1.1).
func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 413:
		return "Request Entity Too Large"
	case 414:
		return "Request-URI Too Large"
	case 415:
		return "Unsupported Media Type"
	case 431:
		return "Request Header Fields Too Large"
	case 453:
		return "Not Enough Bandwidth"
	case 454:
		return "Session Not Found"
	case 455:
		return "Method Not Valid in This State"
	case 459:
		return "Aggregate Operation Not Allowed"
	case 461:
		return "Unsupported Transport"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 503:
		return "Service Unavailable"
	case 505:
		return "RTSP Version Not Supported"
	}
	return "Status " + strconv.Itoa(code)
}
