package rtsp_test

import (
	"context"
	"log"
	"log/slog"

	"github.com/picam-project/picam/rtsp"
)

// Example shows how picam-server wires the RTSP output: every session subscribes its own
// feed from the fan-out, so rtsp://PI:8554/cam plays in VLC, ffplay, GStreamer or an NVR.
func Example() {
	var subscribe func(name string) rtsp.Feed // the fan-out's Subscribe, adapted to rtsp.Feed
	srv, err := rtsp.New(rtsp.Config{
		Subscribe: subscribe,
		Path:      "/cam",
		// Required for clients off loopback (Digest); loopback clients need none.
		User: "viewer", Password: "a long secret",
		Logger: slog.Default(),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.ListenAndServe(context.Background(), ":8554"); err != nil {
		log.Fatal(err)
	}
}
