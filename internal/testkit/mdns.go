package testkit

import (
	"os"
	"path/filepath"
	"syscall"
)

// LockMDNS holds a machine-wide lock until the test ends, for tests that run an mDNS responder
// on UDP port 5353 and ask it with unicast queries: the port is shared (SO_REUSEADDR), and the
// kernel hands a unicast query to one of the sockets only, so two test packages running at
// once (go test ./...) would take each other's queries.
func LockMDNS(t TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "picam-test-mdns-5353.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("mDNS test lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("mDNS test lock: %v", err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}
