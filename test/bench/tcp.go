package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/picam-project/picam/stream"
)

// The plain-TCP reference (transport (c) of the benchmark): one writer process and one reader
// process per client, the same topology as picam (readers bind, the writer connects). Each
// message is an 8-byte length, padding up to the size of picam's header plus ZMTP framing, then
// the payload: the same bytes per frame as picam puts on the wire, without any protocol. In
// pattern 1 the reader answers every message with one byte and the writer waits for it (a
// request/ack ping-pong per client, like picam's REQ/REP); in pattern 2 the writer streams.
// The writer's sockets get the same SO_SNDBUF as picam-server's (stream.DefaultSendBuffer).
// This is the physical limit of the machine's loopback for the frame size.

// tcpWriterResult is the writer's JSON line.
type tcpWriterResult struct {
	Seconds float64  `json:"seconds"` // first write to the end of sending
	Sent    []uint64 `json:"sent"`    // messages written per connection
	Error   string   `json:"error,omitempty"`
}

// tcpReaderResult is a reader's JSON line.
type tcpReaderResult struct {
	Frames uint64 `json:"frames"`
	Bytes  uint64 `json:"bytes"`
	Error  string `json:"error,omitempty"`
}

// tcpMessage builds one message: length, padding to prefix bytes, payload.
func tcpMessage(prefix, payload int) []byte {
	msg := make([]byte, prefix+payload)
	binary.BigEndian.PutUint64(msg, uint64(len(msg)))
	for i := prefix; i < len(msg); i++ {
		msg[i] = byte(i)
	}
	return msg
}

// runTCPWriter is the hidden "tcp-writer" role: it dials every port, prints SENDING on stderr,
// then writes flat out to all of them for the given time (one goroutine per connection) and
// prints a tcpWriterResult.
func runTCPWriter(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tcp-writer", flag.ContinueOnError)
	ports := fs.String("ports", "", "comma-separated reader ports on 127.0.0.1")
	pattern := fs.Int("pattern", 2, "1: wait for a 1-byte ack after each message; 2: stream")
	prefix := fs.Int("prefix", 256, "bytes before the payload (header-sized)")
	payload := fs.Int("payload", 921600, "payload bytes")
	seconds := fs.Duration("seconds", 2*time.Second, "how long to send")
	sndbuf := fs.Int("sndbuf", stream.DefaultSendBuffer, "SO_SNDBUF per connection, as picam's server sets it (0: kernel autotuning)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res := tcpWriterResult{}
	emit := func() int { return emitResult(stdout, res, res.Error) }
	list, err := splitPorts(*ports)
	if err != nil {
		res.Error = err.Error()
		return emit()
	}
	msg := tcpMessage(*prefix, *payload)
	conns := make([]net.Conn, len(list))
	for i, p := range list {
		c, err := dialRetry(net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), 10*time.Second)
		if err != nil {
			res.Error = err.Error()
			closeAll(conns)
			return emit()
		}
		conns[i] = c
		if *sndbuf > 0 {
			if err := c.(*net.TCPConn).SetWriteBuffer(*sndbuf); err != nil {
				res.Error = fmt.Sprintf("set SO_SNDBUF: %v", err)
				closeAll(conns)
				return emit()
			}
		}
	}
	res.Sent = make([]uint64, len(conns))
	fmt.Fprintln(stderr, "SENDING")
	start := time.Now()
	deadline := start.Add(*seconds)
	var wg sync.WaitGroup
	var errMu sync.Mutex
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := tcpWrite(c, msg, *pattern == 1, deadline)
			res.Sent[i] = n
			if err != nil {
				errMu.Lock()
				res.Error = err.Error()
				errMu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	closeAll(conns)
	return emit()
}

// tcpWrite writes msg until deadline; with ack it waits for the reader's byte after each one.
func tcpWrite(c net.Conn, msg []byte, ack bool, deadline time.Time) (uint64, error) {
	var n uint64
	var b [1]byte
	// A write blocked on a full socket ends at the deadline; what was written so far still counts
	// on the reader's side.
	if err := c.SetDeadline(deadline); err != nil {
		return 0, err
	}
	for time.Now().Before(deadline) {
		if _, err := c.Write(msg); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return n, nil
			}
			return n, fmt.Errorf("write: %w", err)
		}
		n++
		if ack {
			if _, err := io.ReadFull(c, b[:]); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					return n, nil
				}
				return n, fmt.Errorf("read ack: %w", err)
			}
		}
	}
	return n, nil
}

// runTCPReader is the hidden "tcp-reader" role: it binds its port, prints READY on stderr,
// accepts one writer and reads whole messages into one reused buffer until EOF, then prints a
// tcpReaderResult.
func runTCPReader(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tcp-reader", flag.ContinueOnError)
	port := fs.Int("port", 0, "port to bind on 127.0.0.1")
	pattern := fs.Int("pattern", 2, "1: answer each message with one byte")
	limit := fs.Duration("max-seconds", 60*time.Second, "hard bound on the run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res := tcpReaderResult{}
	emit := func() int { return emitResult(stdout, res, res.Error) }
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		res.Error = err.Error()
		return emit()
	}
	defer ln.Close()
	fmt.Fprintln(stderr, "READY tcp-reader", ln.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), *limit)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	c, err := ln.Accept()
	if err != nil {
		res.Error = fmt.Sprintf("accept: %v", err)
		return emit()
	}
	defer c.Close()
	stopConn := context.AfterFunc(ctx, func() { c.Close() })
	defer stopConn()
	var lenb [8]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(c, lenb[:]); err != nil {
			// EOF, or a reset when the writer closed with our last ack unread: the end either way.
			if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
				res.Error = fmt.Sprintf("read: %v", err)
			}
			return emit()
		}
		n := binary.BigEndian.Uint64(lenb[:])
		if n < 8 || n > 1<<30 {
			res.Error = fmt.Sprintf("bad message length %d", n)
			return emit()
		}
		if uint64(cap(buf)) < n-8 {
			buf = make([]byte, n-8)
		}
		if _, err := io.ReadFull(c, buf[:n-8]); err != nil {
			// A message cut short by the writer's deadline is not a delivered frame.
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET) {
				res.Error = fmt.Sprintf("read: %v", err)
			}
			return emit()
		}
		res.Frames++
		res.Bytes += n
		if *pattern == 1 {
			if _, err := c.Write([]byte{1}); err != nil {
				return emit()
			}
		}
	}
}

func dialRetry(addr string, limit time.Duration) (net.Conn, error) {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// emitResult prints res as the process's JSON summary line and returns its
// exit status: 1 when errText says it failed.
func emitResult(stdout io.Writer, res any, errText string) int {
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	if errText != "" {
		return 1
	}
	return 0
}
