package stream

import (
	"errors"
	"strings"
)

// Sentinel errors mirroring NetGear's ValueErrors; a ConfigError wraps one of them, so callers
// can branch with errors.Is while users read a message that names the fix.
var (
	// ErrInvalidPattern: multi-client (or multi-server) mode needs pattern 1 or 2; otherwise
	// the pattern is 0, 1 or 2.
	ErrInvalidPattern = errors.New("invalid pattern for multi-client mode")
	// ErrBidirectionalPattern2: bidirectional mode needs pattern 1.
	ErrBidirectionalPattern2 = errors.New("bidirectional mode is not valid with pattern 2")
	// ErrMultiClientMultiServer: the two exclusive modes cannot be combined.
	ErrMultiClientMultiServer = errors.New("multi-client and multi-server mode together")
	// ErrPorts: ports or endpoints missing or invalid.
	ErrPorts = errors.New("missing or invalid ports")
	// ErrDuplicatePort: the same client endpoint or port given twice.
	ErrDuplicatePort = errors.New("duplicate port")
)

// Errors that end a Client's Recv loop.
var (
	// ErrTerminated: the server sent NetGear's terminate flag; frames received before it were
	// all returned first.
	ErrTerminated = errors.New("server terminated the stream")
	// ErrServerGone: a server was heard, then nothing arrived for the client's Timeout.
	ErrServerGone = errors.New("server gone: no message within the timeout")
	// ErrNoServer: no server was heard within the client's WaitLimit.
	ErrNoServer = errors.New("no server appeared within the wait limit")
	// ErrClosed: the Client or Server was closed.
	ErrClosed = errors.New("closed")
)

// ConfigError is an invalid configuration, with a message that tells the user what to change.
// The message names the configuration fields at fault in braces ("{Ports}"): Error spells
// them as the Go fields (ServerConfig.Ports), and a command renders them as its own flags with
// Render, so the library never names a command-line flag.
type ConfigError struct {
	Err error // one of the sentinels above
	Msg string
}

func (e *ConfigError) Error() string {
	return e.Render(func(field string) string { return field })
}

// Render is the message with every "{Field}" replaced by name(Field).
func (e *ConfigError) Render(name func(field string) string) string {
	var b strings.Builder
	rest := e.Msg
	for {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest[i+1:], '}')
		if i < 0 || j < 0 || !isField(rest[i+1:i+1+j]) {
			if i < 0 || j < 0 {
				b.WriteString(rest)
				return b.String()
			}
			b.WriteString(rest[:i+1])
			rest = rest[i+1:]
			continue
		}
		b.WriteString(rest[:i])
		b.WriteString(name(rest[i+1 : i+1+j]))
		rest = rest[i+2+j:]
	}
}

// isField reports whether s can be a Go field name (a placeholder, not a literal brace).
func isField(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Unwrap returns the sentinel, for errors.Is.
func (e *ConfigError) Unwrap() error { return e.Err }
