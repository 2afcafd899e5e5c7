package main

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/stream"
)

// serverState derives what the status LEDs show from the stream server's tracked clients and
// the RTSP sessions playing: with NetGear clients, waiting until the Wait policy is met, then
// streaming with the connected count (RTSP players added), or degraded when any NetGear client
// is stalled, gone or refused; with no NetGear client at all (--rtsp only), waiting until an
// RTSP session plays, then streaming with the players counted.
func serverState(srv *stream.Server, rtspPlaying int, paused bool) (status.State, int) {
	clients := srv.Clients()
	if len(clients) == 0 {
		if rtspPlaying == 0 {
			return status.Waiting, 0
		}
		if paused {
			return status.Paused, 0
		}
		return status.Streaming, rtspPlaying
	}
	select {
	case <-srv.Ready():
	default:
		return status.Waiting, 0
	}
	if paused {
		return status.Paused, 0
	}
	st, n := streamingState(clients)
	return st, n + rtspPlaying
}

// streamingState is the state once transmission has started: streaming with the connected
// count, or degraded when a client is in trouble.
func streamingState(clients []stream.ClientStatus) (status.State, int) {
	connected, trouble := 0, false
	for _, c := range clients {
		switch c.State {
		case stream.ClientConnected:
			connected++
		case stream.ClientStalled, stream.ClientGone, stream.ClientRefused: // refused: a NetGear client sent the terminate (it cannot decode the codec)
			trouble = true
		}
	}
	if trouble {
		return status.Degraded, connected
	}
	return status.Streaming, connected
}

// runPanel keeps the LEDs in step with the server and turns button presses into actions: a
// short press toggles pause, a long press stops the server (stop is called). It returns when
// ctx ends. rtspOut is nil without --rtsp, pub without --publish.
func runPanel(ctx context.Context, panel *status.Panel, srv *stream.Server, rtspOut *rtspOutput, pub *publishOutput, paused *atomic.Bool, stop func(), log *slog.Logger) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	stateFile, written := os.Getenv(stateFileEnv), status.State(-1)
	for {
		st, n := serverState(srv, rtspOut.playing(), paused.Load())
		panel.Set(withPublish(st, n, pub))
		if stateFile != "" && st != written {
			if err := writeStateFile(stateFile, st); err != nil {
				log.Warn("cannot write the state file", "env", stateFileEnv, "err", err)
			}
			written = st
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case ev := <-panel.Events():
			switch ev.Kind {
			case status.ShortPress:
				now := !paused.Load()
				paused.Store(now)
				log.Info("button: streaming paused", "paused", now)
			case status.LongPress:
				log.Info("button held: stopping")
				panel.Set(status.Stopping, 0)
				stop()
				return
			}
		}
	}
}

// stateFileEnv names the file, when set, where the server keeps the state its LEDs show (one
// word: waiting, streaming ...) once camera and encoder are open. The SD card's update check
// (S55picam-update) reads it to tell a healthy trial boot.
const stateFileEnv = "PICAM_STATE_FILE"

// writeStateFile replaces path with the state's name, whole (a new file renamed over it).
func writeStateFile(path string, st status.State) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(st.String()+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
