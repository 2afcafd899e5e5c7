package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picam-project/picam/update"
)

// engine accepts everything and records the bundle it installed.
type engine struct{ got []byte }

func (e *engine) Check(context.Context, string) (update.Bundle, error) {
	return update.Bundle{Compatible: "picam-offline-arm64", Version: "9.9"}, nil
}
func (e *engine) Install(_ context.Context, path string, _ func(string)) error {
	var err error
	e.got, err = os.ReadFile(path)
	return err
}
func (e *engine) Reboot() error { return nil }

// picam-client update sends the file with the token from --token-file and prints the answer.
func TestUpdateCommand(t *testing.T) {
	e := &engine{}
	mux := http.NewServeMux()
	update.New(update.Options{Engine: e, Dir: t.TempDir()}).Register(mux)
	const token = "client-update-token-0123"
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	defer s.Close()
	dir := t.TempDir()
	bundle, tok := filepath.Join(dir, "update.raucb"), filepath.Join(dir, "token")
	want := bytes.Repeat([]byte("bundle"), 50000)
	os.WriteFile(bundle, want, 0o644)
	os.WriteFile(tok, []byte(token+"\n"), 0o600)
	var out, errOut bytes.Buffer
	code := run([]string{"update", "--to", strings.TrimPrefix(s.URL, "http://"), "--token-file", tok, bundle}, nil, &out, &errOut)
	if code != 0 || !bytes.Equal(e.got, want) || !strings.Contains(out.String(), "installed version 9.9 (300000 bytes)") ||
		!strings.Contains(out.String(), "rebooting") {
		t.Errorf("exit %d, installed %d bytes, stdout %q, stderr %q; want 0, the file, the version and the reboot", code, len(e.got), out.String(), errOut.String())
	}
	// Without the token: the server's 401 is reported, exit 1.
	out.Reset()
	errOut.Reset()
	if code := run([]string{"update", "--to", strings.TrimPrefix(s.URL, "http://"), bundle}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "401") {
		t.Errorf("no token: exit %d, stderr %q; want 1 naming the 401", code, errOut.String())
	}
}

// Progress comes once a second; a line is printed when it changes, and an unchanged one again
// only after progressQuiet (a slow link printed "sent 4.2 of 17.1 MB (24%)" seven times).
func TestUpdateProgressPrintsChanges(t *testing.T) {
	var out bytes.Buffer
	clock := time.Unix(0, 0)
	pr := progressPrinter{w: &out, now: func() time.Time { return clock }}
	sent := []int64{0, 4_200_000, 4_200_000, 4_200_000, 5_700_000, 5_700_000}
	for _, n := range sent {
		pr.show(update.Progress{Sent: n, Total: 17_100_000})
		clock = clock.Add(time.Second)
	}
	for range 12 { // stalled for 12 s: one reminder
		pr.show(update.Progress{Sent: 5_700_000, Total: 17_100_000})
		clock = clock.Add(time.Second)
	}
	pr.show(update.Progress{Sent: 17_100_000, Total: 17_100_000, Server: &update.Status{State: "receiving"}})
	pr.show(update.Progress{Sent: 17_100_000, Total: 17_100_000, Server: &update.Status{State: "installing", Progress: "40%"}})
	pr.show(update.Progress{Sent: 17_100_000, Total: 17_100_000, Server: &update.Status{State: "installing", Progress: "40%"}})
	want := []string{
		"picam-client update: sent 0.0 of 17.1 MB (0%)",
		"picam-client update: sent 4.2 of 17.1 MB (24%)",
		"picam-client update: sent 5.7 of 17.1 MB (33%)",
		"picam-client update: sent 5.7 of 17.1 MB (33%)",
		"picam-client update: receiving",
		"picam-client update: installing 40%",
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
