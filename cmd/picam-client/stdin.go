package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"strings"
)

// readLines calls fn with each line of r (without the line end) until r ends or ctx is done.
// Standard input is read through pollLines where the system allows, so that a terminal that
// never sends end-of-file does not keep a goroutine blocked after the client stops; any other
// reader is scanned directly and is closed, when it can be, to end the scan.
func readLines(ctx context.Context, r io.Reader, fn func(string)) error {
	if f, ok := r.(*os.File); ok {
		if handled, err := pollLines(ctx, f, fn); handled {
			return err
		}
	}
	if c, ok := r.(io.Closer); ok {
		stop := context.AfterFunc(ctx, func() { c.Close() })
		defer stop()
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		if ctx.Err() != nil {
			return nil
		}
		fn(sc.Text())
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}

// lineSplitter turns chunks of bytes into lines.
type lineSplitter struct{ pending []byte }

func (s *lineSplitter) feed(b []byte, fn func(string)) {
	s.pending = append(s.pending, b...)
	for {
		i := bytes.IndexByte(s.pending, '\n')
		if i < 0 {
			return
		}
		fn(strings.TrimSuffix(string(s.pending[:i]), "\r"))
		s.pending = s.pending[i+1:]
	}
}

func (s *lineSplitter) flush(fn func(string)) {
	if len(s.pending) > 0 {
		fn(strings.TrimSuffix(string(s.pending), "\r"))
		s.pending = nil
	}
}
