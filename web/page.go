package web

import (
	_ "embed"
	"net/http"
)

// indexHTML is the viewer page: plain HTML and JavaScript, no build step.
//
//go:embed index.html
var indexHTML []byte

// Page serves the viewer page (GET /). It plays /whep, or /stream.mjpg when /whep answers 409
// (the server encodes JPEG) or 404 (WebRTC is off), and shows the latency it measures.
func Page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(indexHTML)
	})
}
