// Package mjpeg writes MJPEG over HTTP, a multipart/x-mixed-replace response with one JPEG per
// part, the way picam-server's /stream.mjpg and picam-client's viewer /mjpeg serve it.
package mjpeg

import (
	"io"
	"strconv"
)

// Boundary separates the parts.
const Boundary = "picamframe"

// ContentType is the response's Content-Type.
const ContentType = "multipart/x-mixed-replace; boundary=" + Boundary

// WritePart writes one JPEG as the next part, with its Content-Length.
func WritePart(w io.Writer, jpeg []byte) error {
	head := "--" + Boundary + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + strconv.Itoa(len(jpeg)) + "\r\n\r\n"
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	if _, err := w.Write(jpeg); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\r\n")
	return err
}
