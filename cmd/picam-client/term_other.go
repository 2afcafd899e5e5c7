//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package main

import "io"

// terminalWidth reports no terminal where picam-client cannot ask: status goes to log lines.
func terminalWidth(io.Writer) (int, bool) { return 0, false }
