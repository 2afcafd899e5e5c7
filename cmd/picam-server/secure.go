package main

import (
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/internal/conf"
	"github.com/picam-project/picam/stream/curve"
)

// secureOptions are NetGear's secure_mode and custom_cert_location. picam-server is NetGear's
// sender, so it is always the CURVE client: StoneHouse and IronHouse load the same files here
// (client.key_secret and server.key); only the receivers' policies differ.
type secureOptions struct{ cli.Secure }

// register adds --secure-mode and --cert-dir. Their picam.conf keys are secure_mode and
// cert_dir (conf maps "_" to "-").
func (s *secureOptions) register(fs *flag.FlagSet) {
	s.Register(fs,
		"NetGear secure_mode: 0 (grasslands, plaintext), 1 (stonehouse) or 2 (ironhouse): CURVE encryption; the receivers must use the same mode and key tree; never falls back to plaintext",
		"NetGear custom_cert_location: DIR or DIR/.vidgear holding keys/ (default: the home directory); make one with: picam-server keys --out DIR")
}

// handshaker returns the CURVE client for stream.ServerConfig.Curve, or nil in mode 0.
// Secret-key permission warnings go to log; no key is ever logged. A key tree that cannot be
// used is a *cli.KeysError naming every file the sender needs and the command that makes them.
func (s *secureOptions) handshaker(log *slog.Logger) (curve.Handshaker, curve.Mode, error) {
	mode, err := s.ParsedMode()
	if err != nil || mode == curve.ModeOff {
		return nil, mode, err
	}
	v, err := s.KeyTree()
	if err != nil {
		return nil, mode, err
	}
	c, err := v.NewClient(log)
	if err != nil {
		return nil, mode, &cli.KeysError{
			Mode: mode,
			Err:  err,
			Files: []cli.KeyFile{
				{Path: filepath.Join(v.PrivateDir(), "client"+curve.SecretSuffix)},
				{Path: filepath.Join(v.PublicDir(), "server"+curve.PublicSuffix)},
			},
			Fix: "make a key set with: picam-server keys --out " + s.CertDirArg() + "\n" +
				"then copy the same keys/ tree to every receiver; picam-server never falls back to plaintext",
		}
	}
	log.Info("secure mode on: CURVE client", "mode", mode.String(), "keys", v.Dir, "client_key", c.PublicKey().String(), "server_key", c.ServerKey().String())
	return c, mode, nil
}

// confAsksSecure reports whether a settings file that failed to apply asks for secure mode.
// Such a file is ignored as a whole, and starting in plaintext because of a typo on another
// line would be exactly NetGear's silent downgrade, so the caller refuses to start instead.
func confAsksSecure(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	settings, _ := conf.Parse(f)
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
