package mjpeg

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"testing"
)

// Parts written by WritePart read back with Go's multipart reader, each with its exact bytes
// and Content-Length, under the boundary ContentType names.
func TestPartsReadBack(t *testing.T) {
	var buf bytes.Buffer
	pics := [][]byte{{0xff, 0xd8, 1, 2, 3, 0xff, 0xd9}, bytes.Repeat([]byte{0xff, 0x00, 0x42, 0x0d, 0x0a, 0x2d}, 500)}
	for _, p := range pics {
		if err := WritePart(&buf, p); err != nil {
			t.Fatal(err)
		}
	}
	mt, params, err := mime.ParseMediaType(ContentType)
	if err != nil || mt != "multipart/x-mixed-replace" {
		t.Fatalf("ContentType %q: %v", ContentType, err)
	}
	r := multipart.NewReader(&buf, params["boundary"])
	for i, want := range pics {
		part, err := r.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		got, _ := io.ReadAll(part)
		if !bytes.Equal(got, want) || part.Header.Get("Content-Type") != "image/jpeg" ||
			part.Header.Get("Content-Length") != strconv.Itoa(len(want)) {
			t.Fatalf("part %d: %q %v, want %q", i, got, part.Header, want)
		}
	}
}
