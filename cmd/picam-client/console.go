package main

import (
	"io"
	"sync"
	"unicode/utf8"
)

// console is stderr as picam-client uses it: log lines, plus, on a terminal, one status line
// at the bottom that is redrawn in place. Log lines are written above it (the status line is
// cleared, the log line written, the status line drawn again), so the two never garble each
// other. When stderr is not a terminal there is no status line, only log lines.
type console struct {
	mu     sync.Mutex
	w      io.Writer
	live   bool // a terminal: the status line is shown
	width  int  // terminal columns; the status line is cut to fit, so it never wraps
	status string
}

const clearLine = "\r\x1b[K"

func newConsole(w io.Writer) *console {
	c := &console{w: w}
	c.width, c.live = terminalWidth(w)
	return c
}

// Write writes log output above the status line.
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status != "" {
		io.WriteString(c.w, clearLine)
	}
	n, err := c.w.Write(p)
	if c.status != "" {
		io.WriteString(c.w, c.status)
	}
	return n, err
}

// SetStatus redraws the status line (terminal only).
func (c *console) SetStatus(s string) {
	if !c.live {
		return
	}
	if c.width > 1 && utf8.RuneCountInString(s) > c.width-1 {
		r := []rune(s)
		s = string(r[:c.width-2]) + "…"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status = s
	io.WriteString(c.w, clearLine+s)
}

// Finish leaves the last status line on the screen and moves below it.
func (c *console) Finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status != "" {
		io.WriteString(c.w, "\n")
		c.status = ""
	}
}
