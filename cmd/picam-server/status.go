package main

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/picam-project/picam/hw/status"
	"github.com/picam-project/picam/stream"
	"github.com/picam-project/picam/update"
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
	rb := newRollbackNotice(update.SystemSlots(), time.Now())
	if rb.active() {
		log.Info("status LED: showing rolled-back instead of waiting/streaming (the last update was rolled back)", "for", rollbackShown)
	}
	for {
		st, n := serverState(srv, rtspOut.playing(), paused.Load())
		shown, shownN := withPublish(st, n, pub)
		panel.Set(rb.apply(shown, shownN, time.Now()))
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

// rollbackShown is how long after picam-server starts its LEDs show rolled-back instead of
// waiting or streaming, on an SD card whose last update was rolled back. Bounded, so the LEDs
// get back to their everyday job (the client count) on a camera that keeps working on its old
// slot; long enough that an owner who powers the box up and looks at it sees it. It comes back
// on every boot until an update is marked good, which clears the card's rollback reason.
const rollbackShown = 10 * time.Minute

// rollbackNotice decides when the LEDs show status.RolledBack: until a deadline, and only in
// place of waiting or streaming (a fault, a stalled client, a pause or a stop are shown as
// they are: they need the owner now). The zero value never shows it.
type rollbackNotice struct{ until time.Time }

// newRollbackNotice reads the card's slots (nil off the card): shown for rollbackShown from now
// when the state keeps a rollback reason and no slot is on trial. A trial boot of a newer
// update shows the normal states: its health check, not the old failure, is what matters then.
func newRollbackNotice(s *update.Slots, now time.Time) rollbackNotice {
	if s == nil || s.Rollback == "" || s.Trial != "" {
		return rollbackNotice{}
	}
	return rollbackNotice{until: now.Add(rollbackShown)}
}

func (r rollbackNotice) active() bool { return !r.until.IsZero() }

// apply is the state the LEDs show at now for the server's state st with n clients.
func (r rollbackNotice) apply(st status.State, n int, now time.Time) (status.State, int) {
	if (st == status.Waiting || st == status.Streaming) && now.Before(r.until) {
		return status.RolledBack, n
	}
	return st, n
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
