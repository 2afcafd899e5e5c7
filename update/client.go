package update

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Progress is what Send reports while it runs: bytes sent of the bundle, and once they are all
// sent, the server's Status (checking, installing and the engine's message).
type Progress struct {
	Sent, Total int64
	Server      *Status
}

// Send uploads the bundle at path to the picam-server whose HTTP listener is base
// ("http://HOST:PORT") and waits for its answer, calling progress about once a second. token,
// if not empty, is sent as the bearer token. reboot=false asks the server not to reboot after
// installing. The answer is the server's Status; err is a *Refusal when the server refused.
func Send(ctx context.Context, base, token, path string, reboot bool, progress func(Progress)) (Status, error) {
	f, err := os.Open(path)
	if err != nil {
		return Status{}, fmt.Errorf("the bundle: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Status{}, fmt.Errorf("the bundle: %w", err)
	}
	cr := &countingReader{r: f}
	url := base + "/api/update"
	if !reboot {
		url += "?reboot=0"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, cr)
	if err != nil {
		return Status{}, err
	}
	req.ContentLength = fi.Size()
	req.Header.Set("Content-Type", "application/vnd.rauc.bundle")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}

	// Progress: bytes sent, then the server's own status while it checks and installs.
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // owned by Send: ends when done is closed
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			p := Progress{Sent: cr.n.Load(), Total: fi.Size()}
			if p.Sent == p.Total {
				if st, err := getStatus(ctx, base, token); err == nil {
					p.Server = &st
				}
			}
			if progress != nil {
				progress(p)
			}
		}
	}()
	resp, err := http.DefaultClient.Do(req)
	close(done)
	wg.Wait()
	if err != nil {
		return Status{}, fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var st Status
	if err := json.Unmarshal(body, &st); err != nil {
		return Status{}, fmt.Errorf("POST %s: %s: %.200s", url, resp.Status, body)
	}
	if resp.StatusCode != http.StatusOK {
		return st, &Refusal{Code: st.Code, Reason: st.Error}
	}
	return st, nil
}

func getStatus(ctx context.Context, base, token string) (Status, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/update", nil)
	if err != nil {
		return Status{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Status{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Status{}, errors.New(resp.Status)
	}
	var st Status
	err = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&st)
	return st, err
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}
