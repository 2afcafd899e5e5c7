package mdns

import (
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs hands pion/mdns's messages to slog. Its warnings are mostly about packets other
// hosts sent (malformed, or for interfaces we left out), which any peer can send at will:
// they go to debug, like its own debug and trace messages, so a peer cannot fill the log.
// Its errors stay errors.
type pionLogs struct{ log *slog.Logger }

func (p pionLogs) NewLogger(string) logging.LeveledLogger { return p }

func (p pionLogs) Trace(msg string)                  {}
func (p pionLogs) Tracef(format string, args ...any) {}
func (p pionLogs) Debug(msg string)                  { p.log.Debug("mdns: " + msg) }
func (p pionLogs) Debugf(format string, args ...any) {
	p.log.Debug("mdns: " + fmt.Sprintf(format, args...))
}
func (p pionLogs) Info(msg string) { p.log.Debug("mdns: " + msg) }
func (p pionLogs) Infof(format string, args ...any) {
	p.log.Debug("mdns: " + fmt.Sprintf(format, args...))
}
func (p pionLogs) Warn(msg string) { p.log.Debug("mdns: " + msg) }
func (p pionLogs) Warnf(format string, args ...any) {
	p.log.Debug("mdns: " + fmt.Sprintf(format, args...))
}
func (p pionLogs) Error(msg string) { p.log.Error("mdns: " + msg) }
func (p pionLogs) Errorf(format string, args ...any) {
	p.log.Error("mdns: " + fmt.Sprintf(format, args...))
}
