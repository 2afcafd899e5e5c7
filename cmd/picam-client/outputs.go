package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/picam-project/picam/cmd/picam-client/media"
	"github.com/picam-project/picam/cmd/picam-client/record"
)

// Queue lengths of the outputs: files get a deep queue (a disk hiccup must not cost frames),
// the pipe to a player a short one (a player that falls behind should skip, not lag).
const (
	recordQueue = 256
	pipeQueue   = 32
)

// output drives one record.Writer from its own goroutine, fed through a media.Feed, so a slow
// disk or player never stalls the receive loop. Its life is stream.Server's shape with the
// steps paired: startOutput is New and Start (nothing can fail in between), stop is Close and
// Wait (it returns once the goroutine has finished the file).
type output struct {
	name   string // for logs and the summary: the file name, or "stdout"
	camera int    // the camera it takes, or 0 for any (the pipe, which has one camera)
	pipe   bool   // a pipe to a player: its reader going away ends the client cleanly
	feed   *media.Feed
	w      record.Writer
	fail   func(error)
	log    *slog.Logger
	done   chan struct{}

	mu  sync.Mutex
	err error
}

// errOutputClosed ends the client when the player reading --output - quits.
var errOutputClosed = errors.New("the player reading --output closed the pipe")

// outputError is a recording or pipe that failed; it ends the client.
type outputError struct {
	name string
	err  error
}

func (e *outputError) Error() string { return fmt.Sprintf("%s: %v", e.name, e.err) }
func (e *outputError) Unwrap() error { return e.err }

func startOutput(name string, camera int, pipe bool, w record.Writer, queue int, fail func(error), log *slog.Logger) *output {
	o := &output{name: name, camera: camera, pipe: pipe, feed: media.NewFeed(queue), w: w, fail: fail, log: log, done: make(chan struct{})}
	go o.run() // ends when the feed is closed (stop) and drained, or on a write error
	return o
}

func (o *output) run() {
	defer close(o.done)
	for {
		p, err := o.feed.Pop(context.Background())
		if err != nil { // closed and drained
			if err := o.w.Close(); err != nil {
				o.setErr(err)
			}
			return
		}
		if err := o.w.Write(p); err != nil {
			o.w.Close()
			o.feed.Close()
			if o.pipe && errors.Is(err, syscall.EPIPE) {
				err = errOutputClosed
			}
			o.setErr(err)
			o.fail(&outputError{name: o.name, err: err})
			return
		}
	}
}

func (o *output) setErr(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err == nil {
		o.err = err
	}
}

// push offers a packet; it never blocks.
func (o *output) push(p *media.Packet) {
	if o.camera == 0 || o.camera == p.Camera {
		o.feed.Push(p)
	}
}

// stop lets the output write what is queued, finish its file and close it.
func (o *output) stop() {
	o.feed.Close()
	<-o.done
}

// outputSummary is one output in the --json line.
type outputSummary struct {
	Name    string `json:"name"`
	Frames  uint64 `json:"frames"`
	Dropped uint64 `json:"dropped"`
	Error   string `json:"error,omitempty"`
}

func (o *output) summary() outputSummary {
	s := outputSummary{Name: o.name, Frames: o.w.Frames(), Dropped: o.feed.Dropped()}
	o.mu.Lock()
	if o.err != nil {
		s.Error = o.err.Error()
	}
	o.mu.Unlock()
	return s
}

// recordName is the file for one camera: FILE itself with one camera, FILE-PORT.ext with
// several.
func recordName(path string, port int, several bool) string {
	if !several {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + strconv.Itoa(port) + ext
}

// emptyOutputs names every output (recording, pipe, viewer camera) that got no frame in this
// run, with the reason, so a run that produced nothing does not look like a success.
func (r *receiver) emptyOutputs(s summary) []string {
	var out []string
	why := func(port int) string {
		arrived := s.Frames
		if cam := r.cams[port]; port != 0 && cam != nil {
			arrived = cam.count
		}
		switch {
		case arrived == 0 && port != 0 && len(r.cams) > 1:
			return fmt.Sprintf("no frame arrived on port %d", port)
		case arrived == 0:
			return "no frame arrived from a server"
		case s.Unshown > 0:
			return fmt.Sprintf("%d frames arrived but %d raw frames could not be converted (see the warning above for the fix)", arrived, s.Unshown)
		}
		return fmt.Sprintf("%d frames arrived but none could be written (an H.264 stream that never sent a keyframe?)", arrived)
	}
	for _, o := range s.Outputs {
		if o.Frames > 0 || o.Error != "" {
			continue // a failed output has its own error already
		}
		flag, name, port := "--record", o.Name, 0
		for _, x := range r.outputs {
			if x.name == o.Name {
				port = x.camera
				if x.pipe {
					flag, name = "--output", r.o.output
				}
			}
		}
		out = append(out, fmt.Sprintf("%s %s received no frame: %s", flag, name, why(port)))
	}
	if r.viewer != nil {
		for _, p := range r.o.cameraPorts() {
			if cam := r.cams[p]; cam != nil && cam.viewed == 0 {
				out = append(out, fmt.Sprintf("--view received no frame for port %d: %s", p, why(p)))
			}
		}
	}
	return out
}
