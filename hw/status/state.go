package status

import "fmt"

// State is what the server is doing, as far as the LEDs are concerned. The
// server owns the truth; it reports every change with [Machine.Set].
type State int

// The states, in the order a normal run passes through them. The zero value is
// Starting so that a Machine shows "booting" before the server said anything.
const (
	// Starting: the process is up but the camera/encoder pipeline is not yet.
	Starting State = iota
	// Waiting: the pipeline runs and the server is waiting for a client.
	Waiting
	// Streaming: frames go to one or more clients; the count is shown.
	Streaming
	// Degraded: streaming, but a client stalled or vanished.
	Degraded
	// Fault: the camera or encoder failed; the server cannot stream.
	Fault
	// Paused: the owner paused streaming (e.g. with a short button press).
	Paused
	// Stopping: the server is shutting down; LEDs go dark.
	Stopping
	// RolledBack: the SD card's last update failed its trial boot and the card is back on the
	// old slot; shown instead of Waiting or Streaming for a while after each boot (picam-server
	// decides when, see its rollbackNotice) so that an owner looking at the box learns it.
	RolledBack
)

// numStates bounds the valid State values for validation and tables.
const numStates = int(RolledBack) + 1

var stateNames = [numStates]string{"starting", "waiting", "streaming", "degraded", "fault", "paused", "stopping", "rolled-back"}

// String returns the lower-case name used in logs, metrics and the status page.
func (s State) String() string {
	if s < 0 || int(s) >= numStates {
		return fmt.Sprintf("state(%d)", int(s))
	}
	return stateNames[s]
}

// MarshalText encodes the state by name, so JSON status pages read "streaming"
// rather than 2.
func (s State) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= numStates {
		return nil, fmt.Errorf("status: cannot encode unknown state %d", int(s))
	}
	return []byte(s.String()), nil
}

// ParseState is the inverse of String, for configuration and tests.
func ParseState(name string) (State, error) {
	for i, n := range stateNames {
		if n == name {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("status: unknown state %q; want one of %v", name, stateNames)
}
