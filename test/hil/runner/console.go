package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/picam-project/picam/test/hil/internal/fact"
)

// observations is everything a run saw, for evaluate to judge.
type observations struct {
	mu         sync.Mutex
	facts      []fact.Fact
	consoleLog string // guest serial log (QEMU) or remote output (SSH)

	hilTests []string // packages whose hil test binaries went to the target

	target  targetResult
	clients []*clientResult
	http    httpResult
	wall    time.Duration
}

// targetResult is how the guest (or the SSH session) ended.
type targetResult struct {
	kind     string // "qemu" or "ssh"
	exitCode int    // QEMU's or ssh's exit status
	timedOut bool   // hit the boot/run limit and was killed
	hung     bool   // reported its end but did not exit
}

// httpResult is what picam-server's /api/clients said from the host's side.
type httpResult struct {
	checked  bool // false when the target does not forward HTTP
	ok       bool
	clients  int
	attempts int
	err      string
	// unauthStatus is the answer to the same request without the token
	// (401 expected), asked once the authorized one worked.
	unauthStatus int
}

func (o *observations) add(f fact.Fact) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.facts = append(o.facts, f)
}

// all returns the facts for step, in arrival order.
func (o *observations) all(step string) []fact.Fact {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []fact.Fact
	for _, f := range o.facts {
		if f.Step == step {
			out = append(out, f)
		}
	}
	return out
}

// readConsole copies the target's output to the log, line by line, and hands
// each fact to onFact as it arrives.
func readConsole(r io.Reader, log io.Writer, onFact func(fact.Fact)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if _, err := fmt.Fprintln(log, line); err != nil {
			return err
		}
		if f, ok := fact.Parse(line); ok {
			onFact(f)
		}
	}
	return sc.Err()
}

// pollHTTP asks picam-server's /api/clients, with the bearer token, until it
// lists want clients, ctx ends or the server stops; then it checks that a
// request without the token is refused. It runs in its own goroutine, owned
// by the target runner, which cancels ctx and waits for it.
func pollHTTP(ctx context.Context, url, token string, want int) httpResult {
	res := httpResult{checked: true}
	cl := &http.Client{Timeout: 2 * time.Second}
	for {
		res.attempts++
		status, n, err := getClients(ctx, cl, url, token)
		if err == nil && n >= want {
			res.ok, res.clients, res.err = true, n, ""
			res.unauthStatus, _, _ = getClients(ctx, cl, url, "")
			return res
		}
		if err != nil {
			res.err = err.Error()
		} else {
			res.clients, res.err = n, fmt.Sprintf("HTTP %d, listed %d clients, want %d", status, n, want)
		}
		select {
		case <-ctx.Done():
			return res
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// getClients returns the status code and, for 200, the number of clients
// listed. A status other than 200 is an error too.
func getClients(ctx context.Context, cl *http.Client, url, token string) (int, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var body struct {
		Clients []json.RawMessage `json:"clients"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return resp.StatusCode, 0, fmt.Errorf("GET %s: %w", url, err)
	}
	return resp.StatusCode, len(body.Clients), nil
}

// printTail prints the last n lines of a log file, for failures that need
// the guest's own words.
func printTail(w io.Writer, path string, n int) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	fmt.Fprintf(w, "---- last %d lines of %s ----\n", len(lines), path)
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			fmt.Fprintln(w, "  "+l)
		}
	}
	fmt.Fprintln(w, "----")
}
