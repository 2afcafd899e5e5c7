package curve

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Certificate file suffixes used by pyzmq's zmq.auth.create_certificates and czmq's zcert:
// NAME.key holds the public key, NAME.key_secret the public and the secret key.
const (
	PublicSuffix = ".key"
	SecretSuffix = ".key_secret"
)

// maxCertSize bounds a certificate file read; real ones are a few hundred bytes.
const maxCertSize = 64 << 10

// Cert is the content of a ZPL certificate file (RFC 4 ZPL, as pyzmq and czmq write them).
type Cert struct {
	Public PublicKey
	// Secret is set only when the file had a secret-key entry; HasSecret says so.
	Secret    SecretKey
	HasSecret bool
	// Metadata holds the entries of the "metadata" section (czmq certificates use it for
	// names and e-mail addresses; pyzmq writes it empty).
	Metadata map[string]string
}

// KeyPair returns the certificate's keys, failing when the file had no secret key.
func (c Cert) KeyPair() (KeyPair, error) {
	if !c.HasSecret {
		return KeyPair{}, fmt.Errorf("curve: certificate has no secret key (use the %s file, not the %s file)", SecretSuffix, PublicSuffix)
	}
	return KeyPair{Public: c.Public, Secret: c.Secret}, nil
}

// LoadCert reads a certificate file. When it holds a secret key, the public key written next to
// it must be the one the secret key derives, which catches files mixed up by hand.
func LoadCert(path string) (Cert, error) {
	b, err := readSmallFile(path)
	if err != nil {
		return Cert{}, err
	}
	c, err := ParseCert(b)
	if err != nil {
		return Cert{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("curve: open certificate: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCertSize+1))
	if err != nil {
		return nil, fmt.Errorf("curve: read certificate %s: %w", path, err)
	}
	if len(b) > maxCertSize {
		return nil, fmt.Errorf("curve: %s is larger than %d bytes; not a certificate file", path, maxCertSize)
	}
	return b, nil
}

// ParseCert parses certificate text in ZPL: "#" comments, sections named on their own line,
// "name = value" entries indented by four spaces per level, values optionally quoted. Only
// curve/public-key (required), curve/secret-key and metadata/* are used.
func ParseCert(text []byte) (Cert, error) {
	entries, err := parseZPL(text)
	if err != nil {
		return Cert{}, err
	}
	var c Cert
	pub, ok := entries["curve/public-key"]
	if !ok {
		return Cert{}, fmt.Errorf("curve: certificate has no curve/public-key entry")
	}
	if c.Public, err = ParsePublicKey(pub); err != nil {
		return Cert{}, fmt.Errorf("curve: certificate public-key: %w", err)
	}
	if sec, ok := entries["curve/secret-key"]; ok {
		if c.Secret, err = ParseSecretKey(sec); err != nil {
			return Cert{}, fmt.Errorf("curve: certificate secret-key: %w", err)
		}
		kp, err := KeyPairFromSecret(c.Secret)
		if err != nil {
			return Cert{}, err
		}
		if kp.Public != c.Public {
			return Cert{}, fmt.Errorf("curve: certificate secret-key does not belong to its public-key %s (file edited or mixed up?)", c.Public)
		}
		c.HasSecret = true
	}
	for k, v := range entries {
		if name, ok := strings.CutPrefix(k, "metadata/"); ok {
			if c.Metadata == nil {
				c.Metadata = map[string]string{}
			}
			c.Metadata[name] = v
		}
	}
	return c, nil
}

// parseZPL flattens ZPL text into "section/sub/name" -> value.
func parseZPL(text []byte) (map[string]string, error) {
	out := map[string]string{}
	var path []string
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 1024), maxCertSize)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		body := strings.TrimLeft(line, " ")
		if body == "" || body[0] == '#' {
			continue
		}
		indent := len(line) - len(body)
		if indent%4 != 0 || indent/4 > len(path) {
			return nil, fmt.Errorf("curve: certificate line %d: bad indentation (ZPL uses 4 spaces per level)", lineNo)
		}
		path = path[:indent/4]
		name, value, isEntry := strings.Cut(body, "=")
		name = strings.TrimSpace(name)
		if name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("curve: certificate line %d: bad name %q", lineNo, name)
		}
		if !isEntry {
			path = append(path, name)
			continue
		}
		value = strings.TrimSpace(value)
		if i := strings.Index(value, " #"); i >= 0 && value[0] != '"' && value[0] != '\'' {
			value = strings.TrimSpace(value[:i]) // trailing comment after an unquoted value
		}
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') {
			end := strings.IndexByte(value[1:], value[0])
			if end < 0 {
				return nil, fmt.Errorf("curve: certificate line %d: unterminated quote", lineNo)
			}
			value = value[1 : 1+end]
		}
		key := strings.Join(append(path[:len(path):len(path)], name), "/")
		out[key] = value
		// An entry may also open a section for deeper lines (ZPL allows values with children).
		path = append(path, name)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("curve: read certificate: %w", err)
	}
	return out, nil
}

// WriteCert writes kp as NAME.key (public, mode 0644) and NAME.key_secret (mode 0600) in dir,
// in the format pyzmq's create_certificates writes, and returns both paths. Existing files are
// replaced atomically. metadata may be nil.
func WriteCert(dir, name string, kp KeyPair, metadata map[string]string) (public, secret string, err error) {
	for k, v := range metadata {
		if k == "" || strings.ContainsAny(k, " \t\r\n=#\"'") || strings.ContainsAny(v, "\r\n\"") {
			return "", "", fmt.Errorf("curve: metadata %q = %q cannot be written as ZPL (no spaces, quotes or line breaks)", k, v)
		}
	}
	public = filepath.Join(dir, name+PublicSuffix)
	secret = filepath.Join(dir, name+SecretSuffix)
	now := time.Now().Format("2006-01-02 15:04:05")
	pubText := certText("#   ****  Generated on "+now+" by picam  ****\n"+
		"#   ZeroMQ CURVE Public Certificate\n"+
		"#   Exchange securely, or use a secure mechanism to verify the contents\n"+
		"#   of this file after exchange.\n\n", kp.Public, nil, metadata)
	secText := certText("#   ****  Generated on "+now+" by picam  ****\n"+
		"#   ZeroMQ CURVE **Secret** Certificate\n"+
		"#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n\n", kp.Public, &kp.Secret, metadata)
	if err := writeFileAtomic(public, pubText, 0o644); err != nil {
		return "", "", err
	}
	if err := writeFileAtomic(secret, secText, 0o600); err != nil {
		return "", "", err
	}
	return public, secret, nil
}

func certText(banner string, pub PublicKey, sec *SecretKey, metadata map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString(banner)
	b.WriteString("metadata\n")
	keys := make([]string, 0, len(metadata))
	for k := range metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "    %s = \"%s\"\n", k, metadata[k])
	}
	b.WriteString("curve\n")
	fmt.Fprintf(&b, "    public-key = \"%s\"\n", pub)
	if sec != nil {
		fmt.Fprintf(&b, "    secret-key = \"%s\"\n", sec.Z85())
	}
	return b.Bytes()
}

// writeFileAtomic writes data to a temporary file with the final mode from the start (a secret
// is never readable by others, not even briefly) and renames it over path.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("curve: write %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("curve: write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("curve: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("curve: write %s: %w", path, err)
	}
	return nil
}

// LoadPublicKeys reads every NAME.key file in dir, as pyzmq's load_certificates does for
// IronHouse. Secret files are ignored. A directory without any key is an error, because an
// IronHouse that trusts nobody is always a configuration mistake.
func LoadPublicKeys(dir string) ([]PublicKey, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+PublicSuffix))
	if err != nil {
		return nil, fmt.Errorf("curve: list %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("curve: public key directory: %w", err)
	}
	sort.Strings(paths)
	var keys []PublicKey
	for _, p := range paths {
		c, err := LoadCert(p)
		if err != nil {
			return nil, err
		}
		keys = append(keys, c.Public)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("curve: no *%s files in %s; copy the clients' public keys there", PublicSuffix, dir)
	}
	return keys, nil
}
