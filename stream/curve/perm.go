package curve

import (
	"fmt"
	"log/slog"
	"os"
)

// ErrSecretExposed is returned by CheckSecretFile when others than the owner may read a
// secret key file. pyzmq's create_certificates (and so NetGear) writes them with the umask,
// typically 0644, so this is common; picam warns rather than refuses.
var ErrSecretExposed = fmt.Errorf("curve: secret key file is readable by other users")

// CheckSecretFile reports, wrapped in ErrSecretExposed, a secret key file whose group or other
// permission bits are set. Errors from stat are returned as they are.
func CheckSecretFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("curve: check secret key file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o; run `chmod 600 %s`", ErrSecretExposed, path, perm, path)
	}
	return nil
}

// WarnIfExposed logs a warning when CheckSecretFile finds path readable by others and reports
// whether it did. A nil logger means slog.Default().
func WarnIfExposed(log *slog.Logger, path string) bool {
	err := CheckSecretFile(path)
	if err == nil {
		return false
	}
	if log == nil {
		log = slog.Default()
	}
	log.Warn("secret key file is not private", "path", path, "err", err)
	return true
}
