package curve

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVidgearDirForms(t *testing.T) {
	a, err := VidgearDir("/srv/cam")
	if err != nil {
		t.Fatal(err)
	}
	b, err := VidgearDir("/srv/cam/.vidgear/")
	if err != nil {
		t.Fatal(err)
	}
	if a.Dir != "/srv/cam/.vidgear/keys" || b.Dir != a.Dir {
		t.Fatalf("DIR gives %s, DIR/.vidgear gives %s", a.Dir, b.Dir)
	}
	if a.PublicDir() != "/srv/cam/.vidgear/keys/public_keys" || a.PrivateDir() != "/srv/cam/.vidgear/keys/private_keys" {
		t.Fatalf("subdirectories %s %s", a.PublicDir(), a.PrivateDir())
	}
}

func TestVidgearCreateAndLoad(t *testing.T) {
	root := t.TempDir()
	v, err := VidgearDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.NewClient(nil); err == nil || !strings.Contains(err.Error(), "copy the whole key tree") {
		t.Fatalf("missing tree: %v", err)
	}
	if err := v.Create(false); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"public_keys/server.key", "public_keys/client.key", "private_keys/server.key_secret", "private_keys/client.key_secret"} {
		fi, err := os.Stat(filepath.Join(root, ".vidgear/keys", p))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, SecretSuffix) && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o", p, fi.Mode().Perm())
		}
	}
	cl, err := v.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := v.NewServer(ModeIronHouse, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cl.ServerKey() != srv.PublicKey() {
		t.Fatal("client expects another server key than the server has")
	}
	// The client's key is in public_keys, so the IronHouse policy trusts it.
	if err := srv.auth.Authorize(nil, cl.PublicKey()); err != nil {
		t.Fatalf("IronHouse refuses the tree's own client: %v", err)
	}
	// Create keeps a complete tree; overwrite makes new keys.
	if err := v.Create(false); err != nil {
		t.Fatal(err)
	}
	if again, _ := v.NewClient(nil); again.PublicKey() != cl.PublicKey() {
		t.Fatal("Create(false) replaced existing keys")
	}
	if err := v.Create(true); err != nil {
		t.Fatal(err)
	}
	if again, _ := v.NewClient(nil); again.PublicKey() == cl.PublicKey() {
		t.Fatal("Create(true) kept the old keys")
	}
	// A sender's partial tree (client.key_secret and server.key only) is used as it is and
	// never replaced by a fresh, mismatching set.
	sender, _ := VidgearDir(t.TempDir())
	for _, p := range []string{"public_keys/server.key", "private_keys/client.key_secret"} {
		b, err := os.ReadFile(filepath.Join(v.Dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(sender.Dir, p)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sender.Dir, p), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := sender.Create(false); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("partial tree: %v", err)
	}
	sc, err := sender.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	if newest, _ := v.NewClient(nil); sc.PublicKey() != newest.PublicKey() || sc.ServerKey() != newest.ServerKey() {
		t.Fatal("the partial tree's keys changed")
	}
	if _, err := v.NewServer(Mode(3), nil, nil); err == nil {
		t.Fatal("secure mode 3 accepted")
	}
	allow, err := ParseAllowList([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.NewServer(ModeStoneHouse, allow, nil); err != nil {
		t.Fatal(err)
	}
}

func TestParseAllowList(t *testing.T) {
	got, err := ParseAllowList([]string{"10.0.0.5", " 192.168.1.7/24 ", "", "::ffff:1.2.3.4"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.5/32"),
		netip.MustParsePrefix("192.168.1.0/24"),
		netip.MustParsePrefix("1.2.3.4/32"),
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d: %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := ParseAllowList([]string{"localhost"}); err == nil {
		t.Fatal("a host name was accepted")
	}
}
