package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/picam-project/picam/internal/conf"
	"github.com/picam-project/picam/stream/curve"
)

// secureOptions are NetGear's secure_mode and custom_cert_location. picam-server is NetGear's
// sender, so it is always the CURVE client: StoneHouse and IronHouse load the same files here
// (client.key_secret and server.key); only the receivers' policies differ.
type secureOptions struct {
	mode    string
	certDir string
}

// register adds --secure-mode and --cert-dir. Their picam.conf keys are secure_mode and
// cert_dir (conf maps "_" to "-").
func (s *secureOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&s.mode, "secure-mode", "0", "NetGear secure_mode: 0 (grasslands, plaintext), 1 (stonehouse) or 2 (ironhouse): CURVE encryption; the receivers must use the same mode and key tree; never falls back to plaintext")
	fs.StringVar(&s.certDir, "cert-dir", "", "NetGear custom_cert_location: DIR or DIR/.vidgear holding keys/ (default: the home directory); make one with: picam-server keys --out DIR")
}

// keysError is a missing, unreadable or malformed key tree: a usage error (exit 2) that names
// every file the sender needs and the command that makes them.
type keysError struct {
	mode  curve.Mode
	paths []string
	dir   string
	err   error
}

func (e *keysError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--secure-mode %d (%s) needs these key files, and loading them failed: %v\n", int(e.mode), e.mode, e.err)
	for _, p := range e.paths {
		state := "ok"
		if _, err := os.Stat(p); err != nil {
			state = "MISSING"
		}
		fmt.Fprintf(&b, "  %-7s %s\n", state, p)
	}
	fmt.Fprintf(&b, "make a key set with: picam-server keys --out %s\n", e.dir)
	b.WriteString("then copy the same keys/ tree to every receiver; picam-server never falls back to plaintext")
	return b.String()
}

func (e *keysError) Unwrap() error { return e.err }

// handshaker returns the CURVE client for stream.ServerConfig.Curve, or nil in mode 0.
// Secret-key permission warnings go to log; no key is ever logged.
func (s *secureOptions) handshaker(log *slog.Logger) (curve.Handshaker, curve.Mode, error) {
	mode, err := curve.ParseMode(s.mode)
	if err != nil || mode == curve.ModeOff {
		return nil, mode, err
	}
	v, err := curve.VidgearDir(s.certDir)
	if err != nil {
		return nil, mode, fmt.Errorf("--cert-dir: %w", err)
	}
	c, err := v.NewClient(log)
	if err != nil {
		return nil, mode, &keysError{
			mode: mode,
			dir:  certDirArg(s.certDir),
			err:  err,
			paths: []string{
				filepath.Join(v.PrivateDir(), "client"+curve.SecretSuffix),
				filepath.Join(v.PublicDir(), "server"+curve.PublicSuffix),
			},
		}
	}
	log.Info("secure mode on: CURVE client", "mode", mode.String(), "keys", v.Dir, "client_key", c.PublicKey().String(), "server_key", c.ServerKey().String())
	return c, mode, nil
}

// certDirArg names the --cert-dir value for a command line, "~" when it was left empty.
func certDirArg(dir string) string {
	if dir == "" {
		return "~"
	}
	return dir
}

// confAsksSecure reports whether a settings file that failed to apply asks for secure mode.
// Such a file is ignored as a whole, and starting in plaintext because of a typo on another
// line would be exactly NetGear's silent downgrade, so the caller refuses to start instead.
func confAsksSecure(path string) bool {
	settings, _ := conf.ReadFile(path) // at most conf.MaxFileSize bytes, a regular file only
	for _, st := range settings {
		k := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(st.Key)), "_", "-")
		if k != "secure-mode" {
			continue
		}
		m, err := curve.ParseMode(st.Value)
		if err != nil || m != curve.ModeOff {
			return true
		}
	}
	return false
}
