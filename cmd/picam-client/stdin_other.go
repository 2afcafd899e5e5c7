//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package main

import (
	"context"
	"os"
)

// pollLines is not available here: readLines scans standard input directly.
func pollLines(context.Context, *os.File, func(string)) (bool, error) { return false, nil }
