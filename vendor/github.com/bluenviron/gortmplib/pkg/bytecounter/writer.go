package bytecounter

import (
	"io"
	"sync/atomic"
)

// Writer allows to count written bytes.
type Writer struct {
	w     io.Writer
	count atomic.Uint64
}

// NewWriter allocates a Writer.
func NewWriter(w io.Writer) *Writer {
	return &Writer{
		w: w,
	}
}

// Write implements io.Writer.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.count.Add(uint64(n))
	return n, err
}

// Count returns sent bytes.
func (w *Writer) Count() uint64 {
	return w.count.Load()
}

// SetCount sets sent bytes.
func (w *Writer) SetCount(v uint64) {
	w.count.Store(v)
}
