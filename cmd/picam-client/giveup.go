package main

import (
	"errors"
	"fmt"
	"time"
)

// NetGear's defaults for the options --max-retries and --request-timeout mirror.
const (
	netgearMaxRetries     = 3
	netgearRequestTimeout = 4 * time.Second
)

// errSilentWindow ends one Recv wait of giveUp's window (it is the context's cause).
var errSilentWindow = errors.New("no message within the window")

// giveUp decides when picam-client stops waiting for a silent server the way NetGear's recv()
// does (vidgear 0.3.5, netgear.py's receive thread):
//
//   - patterns 0 and 1: each wait for a message lasts 3 × request_timeout; a wait that ends
//     with nothing costs one of max_retries (NetGear then re-binds and waits again), and the
//     count is never reset by frames that arrive later. At 0 it gives up. max_retries 0 never
//     gives up: NetGear only checks for 0 after decrementing.
//   - pattern 2: one wait of subscriber_timeout (the SUB socket's receive timeout) with
//     nothing gives up at once.
//
// The zero giveUp never gives up: picam-client's default is to wait for the server for ever
// (until --wait-limit or --timeout, picam's own limits, say otherwise).
type giveUp struct {
	window  time.Duration // one wait; 0 = never give up
	retries int           // waits left that may end silent
	why     string        // the NetGear option(s) behind it, for the message
	start   time.Time     // when the current wait began: start-up, the last frame, or the last silent wait's end
}

// newGiveUp builds the rule from picam-client's options; nil when none of the NetGear options
// was given.
func newGiveUp(o *options, now time.Time) *giveUp {
	switch {
	case o.subscriberTimeout > 0:
		return &giveUp{window: o.subscriberTimeout, retries: 1, start: now,
			why: fmt.Sprintf("--subscriber-timeout %v", o.subscriberTimeout)}
	case o.netgearRetrySet:
		if o.maxRetries == 0 {
			return nil
		}
		rt := o.requestTimeout
		if rt <= 0 {
			rt = netgearRequestTimeout
		}
		return &giveUp{window: 3 * rt, retries: o.maxRetries, start: now,
			why: fmt.Sprintf("--max-retries %d waits of 3 × --request-timeout %v", o.maxRetries, rt)}
	}
	return nil
}

// deadline is when the current wait ends.
func (g *giveUp) deadline() time.Time { return g.start.Add(g.window) }

// heard restarts the wait at a message's arrival.
func (g *giveUp) heard(at time.Time) {
	if at.After(g.start) {
		g.start = at
	}
}

// silent records a wait that ended with nothing at now; it reports whether to give up.
func (g *giveUp) silent(now time.Time) bool {
	g.retries--
	g.start = now
	return g.retries <= 0
}
