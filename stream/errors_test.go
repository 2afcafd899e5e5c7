package stream

import (
	"strings"
	"testing"
)

// A ConfigError names ServerConfig's fields; a command renders them as its flags.
func TestConfigErrorRender(t *testing.T) {
	e := &ConfigError{Err: ErrPorts, Msg: "{Ports} needs {Address}; {not a field} and {x} stay"}
	if got := e.Error(); got != "Ports needs Address; {not a field} and {x} stay" {
		t.Errorf("Error: %q", got)
	}
	got := e.Render(func(f string) string { return "--" + strings.ToLower(f) })
	if got != "--ports needs --address; {not a field} and {x} stay" {
		t.Errorf("Render: %q", got)
	}
	if _, err := NewServer(ServerConfig{Pattern: ReqRep}); err == nil || strings.Contains(err.Error(), "--") {
		t.Errorf("a library error names a flag: %v", err)
	}
}
