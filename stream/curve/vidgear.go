package curve

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
)

// Mode is NetGear's secure_mode option value.
type Mode int

// NetGear's secure modes. Both are CURVE with the same keys; they differ only in which client
// keys the receiver (the CURVE server) accepts.
const (
	ModeOff        Mode = 0
	ModeStoneHouse Mode = 1
	ModeIronHouse  Mode = 2
)

// String names the mode as NetGear's documentation does.
func (m Mode) String() string {
	if s, ok := modeNames[m]; ok {
		return s
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

var modeNames = map[Mode]string{ModeOff: "off", ModeStoneHouse: "StoneHouse", ModeIronHouse: "IronHouse"}

// Names of NetGear's key tree: <dir>/.vidgear/keys/{public_keys,private_keys}/{server,client}.*.
const (
	vidgearDirName = ".vidgear"
	keysDirName    = "keys"
	publicDirName  = "public_keys"
	privateDirName = "private_keys"
	serverName     = "server"
	clientName     = "client"
)

// VidgearKeys locates NetGear's key tree. The receiver (CURVE server) uses server.key_secret
// and, in IronHouse, trusts every key in public_keys; the sender (CURVE client) uses
// client.key_secret and public_keys/server.key. Both machines need the same tree.
type VidgearKeys struct {
	// Dir is the "keys" directory that holds public_keys and private_keys.
	Dir string
}

// VidgearDir resolves NetGear's custom_cert_location: DIR or DIR/.vidgear (the ".vidgear" part
// is added unless the last element already is .vidgear, as NetGear does). An empty dir means
// the user's home directory, NetGear's default.
func VidgearDir(dir string) (VidgearKeys, error) {
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return VidgearKeys{}, fmt.Errorf("curve: no key directory given and no home directory: %w", err)
		}
		dir = home
	}
	dir = filepath.Clean(dir)
	if filepath.Base(dir) != vidgearDirName {
		dir = filepath.Join(dir, vidgearDirName)
	}
	return VidgearKeys{Dir: filepath.Join(dir, keysDirName)}, nil
}

// PublicDir is keys/public_keys: the trusted public keys (IronHouse) and server.key.
func (v VidgearKeys) PublicDir() string { return filepath.Join(v.Dir, publicDirName) }

// PrivateDir is keys/private_keys: server.key_secret and client.key_secret.
func (v VidgearKeys) PrivateDir() string { return filepath.Join(v.Dir, privateDirName) }

func (v VidgearKeys) secretPath(name string) string {
	return filepath.Join(v.PrivateDir(), name+SecretSuffix)
}

// ServerPublicKey reads public_keys/server.key: the key a sender must expect from receivers.
func (v VidgearKeys) ServerPublicKey() (PublicKey, error) {
	c, err := LoadCert(filepath.Join(v.PublicDir(), serverName+PublicSuffix))
	if err != nil {
		return PublicKey{}, v.missing(err)
	}
	return c.Public, nil
}

// keyPair reads private_keys/NAME.key_secret and warns through log when others can read it.
func (v VidgearKeys) keyPair(name string, log *slog.Logger) (KeyPair, error) {
	path := v.secretPath(name)
	c, err := LoadCert(path)
	if err != nil {
		return KeyPair{}, v.missing(err)
	}
	WarnIfExposed(log, path)
	return c.KeyPair()
}

func (v VidgearKeys) missing(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w; copy the whole key tree from the machine that made it to %s, or create one (NetGear and picam never fall back to plaintext)", err, v.Dir)
	}
	return err
}

// NewClient is the sender's side of NetGear's secure mode: client.key_secret as our keys and
// public_keys/server.key as the server's. log receives file-permission warnings (nil: default).
func (v VidgearKeys) NewClient(log *slog.Logger) (*Client, error) {
	kp, err := v.keyPair(clientName, log)
	if err != nil {
		return nil, err
	}
	srv, err := v.ServerPublicKey()
	if err != nil {
		return nil, err
	}
	return NewClient(kp, srv), nil
}

// NewServer is the receiver's side: server.key_secret as our keys; StoneHouse accepts any
// client, IronHouse the keys in public_keys. allow restricts client IPs (empty: any).
func (v VidgearKeys) NewServer(mode Mode, allow []netip.Prefix, log *slog.Logger) (*Server, error) {
	kp, err := v.keyPair(serverName, log)
	if err != nil {
		return nil, err
	}
	var auth Authorizer
	switch mode {
	case ModeStoneHouse:
		auth = StoneHouse(allow...)
	case ModeIronHouse:
		p, err := LoadIronHouse(v.PublicDir(), allow...)
		if err != nil {
			return nil, v.missing(err)
		}
		auth = p
	default:
		return nil, fmt.Errorf("curve: secure mode %d is not 1 (StoneHouse) or 2 (IronHouse)", int(mode))
	}
	return NewServer(kp, auth), nil
}

// Create makes a new key tree as NetGear's generate_keys does: server and client key pairs,
// public files in public_keys (0644), secret files in private_keys (0600, directory 0700).
// A complete tree is kept unless overwrite is set, so Create is safe to call on every start.
// A partial tree is an error rather than replaced: a sender needs only client.key_secret and
// server.key, and silently making a new set there is NetGear's "mismatching keys" trap.
func (v VidgearKeys) Create(overwrite bool) error {
	if !overwrite {
		have := v.existing()
		switch len(have) {
		case 4:
			return nil
		case 0:
		default:
			return fmt.Errorf("curve: key tree %s is incomplete (has %v); copy the missing files from the machine that made it, or create a new tree with overwrite and copy it to every peer", v.Dir, have)
		}
	}
	if err := os.MkdirAll(v.PublicDir(), 0o755); err != nil {
		return fmt.Errorf("curve: create key tree: %w", err)
	}
	if err := os.MkdirAll(v.PrivateDir(), 0o700); err != nil {
		return fmt.Errorf("curve: create key tree: %w", err)
	}
	for _, name := range []string{serverName, clientName} {
		kp, err := GenerateKeyPair()
		if err != nil {
			return err
		}
		pub, _, err := WriteCert(v.PrivateDir(), name, kp, nil)
		if err != nil {
			return err
		}
		if err := os.Rename(pub, filepath.Join(v.PublicDir(), filepath.Base(pub))); err != nil {
			return fmt.Errorf("curve: create key tree: %w", err)
		}
	}
	return nil
}

// existing lists which of the tree's four files exist (NetGear's validate_auth_keys checks
// the same set).
func (v VidgearKeys) existing() []string {
	var have []string
	for _, p := range []string{
		filepath.Join(publicDirName, serverName+PublicSuffix),
		filepath.Join(publicDirName, clientName+PublicSuffix),
		filepath.Join(privateDirName, serverName+SecretSuffix),
		filepath.Join(privateDirName, clientName+SecretSuffix),
	} {
		if _, err := os.Stat(filepath.Join(v.Dir, p)); err == nil {
			have = append(have, p)
		}
	}
	return have
}
