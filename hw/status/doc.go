// Package status shows what a headless picam-server is doing on LEDs and reads
// a push button, so a Pi without a screen or network still tells its owner
// "starting", "waiting for clients", "streaming to 3 clients" or "camera broke".
//
// The server feeds a [Machine] with [State] updates; the Machine turns each state
// into a repeating blink [Pattern] and drives any number of [Indicator]s with
// it. A [Button] turns raw, bouncing edges from a GPIO line into [ShortPress]
// (pause/resume) and [LongPress] (stop cleanly) events.
//
// # Patterns
//
// One pattern per state, chosen so that each can be told apart at a glance from
// across a room, and so that "nothing is wrong" looks calm (solid or slow)
// while "something is wrong" looks busy:
//
//	state      pattern                                         cycle
//	starting   on 100 ms, off 100 ms (fast flicker)             0.2 s
//	waiting    on 1 s, off 1 s (slow blink)                     2 s
//	streaming  on 2 s, then N × (off 200 ms, on 300 ms)         2.5 s + N × 0.5 s
//	           N = clients, at most 5; 0 clients → solid on
//	degraded   on 150, off 150, on 150, off 1050 (double blink) 1.5 s
//	fault      SOS in Morse, 100 ms unit (··· ––– ···)          3.4 s
//	paused     on 100 ms, off 1900 ms (short blip)              2 s
//	stopping   off                                              —
//	rolled-back 3 × (on 500 ms, off 250 ms), then off 1.25 s more   3.5 s
//	           (the last update failed its trial boot; see below)
//
// rolled-back is not a state of the server itself: picam-server shows it in
// place of waiting or streaming for a while after booting an SD card whose
// last update was rolled back (cmd/picam-server's rollbackNotice says when).
//
// [Patterns] returns the same table for documentation and status pages. A
// pattern restarts from its first step whenever the state (or, while streaming,
// the shown client count) changes, and keeps running undisturbed when the server
// repeats the same state.
//
// # Hardware
//
// [Open] builds everything from a [Config]: on-board LEDs through
// /sys/class/leds ([OpenSysfsLED], [FindBoardLEDs]), external LEDs and the
// button on GPIO lines through periph's gpioioctl driver (the GPIO character
// device, which also works on the Pi 5). periph's memory-mapped bcm283x path is
// deliberately not used: it needs /dev/gpiomem or root /dev/mem and addresses
// the wrong GPIO block on the Pi 5. On a laptop, in CI or in a container with no
// LEDs and no GPIO chips, Open logs that and returns a working Panel with no
// indicators, so the server code path is the same everywhere.
//
// # Lifecycle
//
// picam's long-running parts share one shape (stream.Server's): New, Start,
// Close, Wait. Here the constructors ([NewMachine], [NewButton], [Open]) are
// New and Start in one, since there is nothing to configure between them and
// nothing that can fail once the hardware is open: each starts its one
// goroutine at once, bound to the ctx it is given. Close stops it, waits for it
// and releases the hardware (safe to call more than once); Wait waits for the
// goroutine to end, after ctx is done or Close, without releasing anything.
//
// # Testing
//
// All timing goes through the [Clock] interface. Package statustest provides a
// fake clock, a recording fake indicator and a scriptable fake button input, so
// tests run patterns and 3-second presses in microseconds.
package status
