package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/picam-project/picam/stream/curve"
)

// Secure is NetGear's secure_mode and custom_cert_location as both commands take them:
// --secure-mode and --cert-dir (picam.conf keys secure_mode and cert_dir).
type Secure struct {
	Mode    string
	CertDir string
}

// Register adds --secure-mode and --cert-dir, with the command's own usage texts (the roles
// differ: picam-server is the CURVE client, picam-client the CURVE server).
func (s *Secure) Register(fs *flag.FlagSet, modeUsage, certDirUsage string) {
	fs.StringVar(&s.Mode, "secure-mode", "0", modeUsage)
	fs.StringVar(&s.CertDir, "cert-dir", "", certDirUsage)
}

// ParsedMode is --secure-mode parsed, with an error that names the flag.
func (s *Secure) ParsedMode() (curve.Mode, error) {
	m, err := curve.ParseMode(s.Mode)
	if err != nil {
		return m, fmt.Errorf("--secure-mode: %w", err)
	}
	return m, nil
}

// KeyTree is the key tree --cert-dir names, with an error that names the flag.
func (s *Secure) KeyTree() (curve.VidgearKeys, error) {
	v, err := curve.VidgearDir(s.CertDir)
	if err != nil {
		return v, fmt.Errorf("--cert-dir: %w", err)
	}
	return v, nil
}

// CertDirArg is --cert-dir as a command line would spell it, "~" when it was left empty.
func (s *Secure) CertDirArg() string {
	if s.CertDir == "" {
		return "~"
	}
	return s.CertDir
}

// KeyFile is one file a secure mode needs, with an optional note printed after its path.
type KeyFile struct {
	Path string
	Note string
}

// KeysError is a missing, unreadable or malformed key tree: a usage error (exit 2) that lists
// every file the mode needs, marks the missing ones, and ends with Fix, the command that makes
// them.
type KeysError struct {
	Mode  curve.Mode
	Files []KeyFile
	Fix   string
	Err   error
}

func (e *KeysError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--secure-mode %d (%s) needs these key files, and loading them failed: %v\n", int(e.Mode), e.Mode, e.Err)
	for _, f := range e.Files {
		state := "ok"
		if _, err := os.Stat(f.Path); err != nil {
			state = "MISSING"
		}
		line := f.Path
		if f.Note != "" {
			line += "  " + f.Note
		}
		fmt.Fprintf(&b, "  %-7s %s\n", state, line)
	}
	b.WriteString(e.Fix)
	return b.String()
}

// Unwrap returns the loading error.
func (e *KeysError) Unwrap() error { return e.Err }
