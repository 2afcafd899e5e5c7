package update

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func writeBundle(t *testing.T, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "update.raucb")
	if err := os.WriteFile(p, bundleBytes(n), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Send uploads the file, reports the server's progress while it installs, and returns its
// answer.
func TestSendShowsProgressAndTheAnswer(t *testing.T) {
	f := &fake{bundle: Bundle{Version: "3.1"}, block: make(chan struct{}), entered: make(chan struct{})}
	url := serve(t, New(Options{Engine: f, Dir: t.TempDir()}))
	var mu sync.Mutex
	var seen []Progress
	go func() {
		<-f.entered
		time.Sleep(2500 * time.Millisecond) // two progress ticks while installing
		close(f.block)
	}()
	st, err := Send(context.Background(), url, "", writeBundle(t, 1<<20), false, func(p Progress) {
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
	})
	if err != nil || st.State != StateInstalled || st.Bundle == nil || st.Bundle.Version != "3.1" || st.Reboot {
		t.Fatalf("Send: %+v, %v; want installed version 3.1, no reboot", st, err)
	}
	mu.Lock()
	defer mu.Unlock()
	installing := false
	for _, p := range seen {
		if p.Server != nil && p.Server.State == StateInstalling && p.Sent == 1<<20 {
			installing = true
		}
	}
	if !installing {
		t.Errorf("progress %+v: want the server's installing state after all bytes were sent", seen)
	}
	if _, n := f.state(); n != 0 {
		t.Errorf("reboot=false: %d reboots", n)
	}
}

func TestSendReturnsTheRefusal(t *testing.T) {
	f := &fake{checkErr: refuse(CodeWrongCompatible, `the bundle is for "x", this system is "y"`, nil)}
	url := serve(t, New(Options{Engine: f, Dir: t.TempDir()}))
	_, err := Send(context.Background(), url, "", writeBundle(t, 5000), true, nil)
	var r *Refusal
	if !errors.As(err, &r) || r.Code != CodeWrongCompatible || r.Reason != `the bundle is for "x", this system is "y"` {
		t.Errorf("Send: %v; want the server's refusal, wrong-compatible with its reason", err)
	}
}
