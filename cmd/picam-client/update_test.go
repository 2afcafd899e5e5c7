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
