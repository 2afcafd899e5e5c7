package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/picam-project/picam/cmd/picam-client/media"
)

// redrawEvery is how often the terminal status line is redrawn.
const redrawEvery = 500 * time.Millisecond

// statusLoop shows the live numbers until ctx ends: a line redrawn in place on a terminal,
// else one log line per camera every --stats.
func (r *receiver) statusLoop(ctx context.Context, con *console) {
	every := r.o.statsEvery
	if con.live {
		every = redrawEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if con.live {
				con.SetStatus(r.statusLine())
			}
			return
		case <-t.C:
		}
		if con.live {
			con.SetStatus(r.statusLine())
			continue
		}
		for _, st := range r.cameraStatus() {
			if st.Frames == 0 {
				continue
			}
			args := []any{"port", st.Port, "state", st.State, "fps", st.FPS, "Mbit/s", st.Mbps, "frames", st.Frames, "gaps", st.Gaps, "dropped", r.c.Stats().Dropped}
			if st.LatencyMS != nil {
				args = append(args, "latency_ms", *st.LatencyMS)
			}
			r.log.Info("receiving", args...)
		}
	}
}

// statusLine is the terminal line: every camera's state and numbers, then the frames the
// client itself dropped because it fell behind.
func (r *receiver) statusLine() string {
	var b strings.Builder
	for i, st := range r.cameraStatus() {
		if i > 0 {
			b.WriteString(" │ ")
		}
		b.WriteString(cameraLine(st))
	}
	fmt.Fprintf(&b, " │ dropped %d", r.c.Stats().Dropped)
	return b.String()
}

func cameraLine(st media.CameraStatus) string {
	if st.State == media.StateWaiting {
		return fmt.Sprintf("%d waiting for the server", st.Port)
	}
	lat := "–"
	if st.LatencyMS != nil {
		lat = fmt.Sprintf("%.0f ms", *st.LatencyMS)
	}
	return fmt.Sprintf("%d %s %s %.1f fps %.2f Mbit/s %s gaps %d", st.Port, st.State, st.Codec, st.FPS, st.Mbps, lat, st.Gaps)
}
