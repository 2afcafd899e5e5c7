package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"

	"github.com/picam-project/picam/web"
)

// httpAuthOptions is --http-token-file. The status API shows client addresses and can be
// scraped for activity patterns, so off this machine it needs a bearer token.
type httpAuthOptions struct {
	tokenFile string
}

func (h *httpAuthOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&h.tokenFile, "http-token-file", "", "file holding a bearer token that --http requires (Authorization: Bearer TOKEN) on every path but /healthz; needed when --http binds anything but loopback")
}

// httpAuth checks bearer tokens. A nil *httpAuth lets every request through (loopback only).
type httpAuth struct {
	// digest is SHA-256 of the token: comparing fixed-size digests in constant time leaks
	// neither the token's bytes nor its length.
	digest [sha256.Size]byte
	// missing names a --http-token-file that does not exist yet: no token matches, and the
	// refusal says which file to write (the SD card's picam.conf names /boot/http.token before
	// the user has written it).
	missing string
}

// resolveHTTPAddr applies picam's --http rule: a bare port ("8080") or an empty host (":8080")
// binds 127.0.0.1, so the API is never exposed by accident. It reports whether the result is
// loopback only.
func resolveHTTPAddr(addr string) (string, bool, error) {
	addr = strings.TrimSpace(addr)
	if !strings.Contains(addr, ":") {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", false, fmt.Errorf("invalid --http %q: use PORT (loopback), 127.0.0.1:PORT, or HOST:PORT with --http-token-file", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if host == "localhost" {
		return net.JoinHostPort(host, port), true, nil
	}
	ip, err := netip.ParseAddr(host)
	loopback := err == nil && ip.IsLoopback()
	return net.JoinHostPort(host, port), loopback, nil
}

// prepare validates --http and --http-token-file before anything starts. Without a token file
// a non-loopback bind is a usage error; a token file, when given, is enforced on every bind.
func (h *httpAuthOptions) prepare(addr string, log *slog.Logger) (string, *httpAuth, error) {
	bind, loopback, err := resolveHTTPAddr(addr)
	if err != nil {
		return "", nil, err
	}
	if h.tokenFile == "" {
		if !loopback {
			return "", nil, fmt.Errorf("--http %s can be reached from other machines: give --http-token-file FILE (a bearer token clients send as \"Authorization: Bearer TOKEN\"), or bind loopback with --http 127.0.0.1:PORT", bind)
		}
		return bind, nil, nil
	}
	a, err := loadToken(h.tokenFile, log)
	if errors.Is(err, fs.ErrNotExist) {
		// Not a usage error, so the appliance keeps running (and serving /healthz) until the
		// user has written the file; every other request is refused, never let through.
		log.Warn("the HTTP token file does not exist: every request but /healthz is refused (401) until it does; write a token into it and restart",
			"file", h.tokenFile, "fix", "head -c 24 /dev/urandom | base64 > "+h.tokenFile)
		return bind, &httpAuth{missing: h.tokenFile}, nil
	}
	if err != nil {
		return "", nil, err
	}
	return bind, a, nil
}

// loadToken reads the first line of the token file. It warns when others may read the file
// and never logs the token.
func loadToken(path string, log *slog.Logger) (*httpAuth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--http-token-file: %w (write a random token into it, e.g. head -c 24 /dev/urandom | base64 > FILE; chmod 600 FILE)", err)
	}
	tok, _, _ := strings.Cut(string(b), "\n")
	tok = strings.TrimSpace(tok)
	if len(tok) < 16 {
		return nil, fmt.Errorf("--http-token-file %s: the token must be at least 16 characters (e.g. head -c 24 /dev/urandom | base64 > FILE)", path)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the HTTP token file is readable by other users: chmod 600 it", "file", path, "mode", fi.Mode().Perm().String())
	}
	return &httpAuth{digest: sha256.Sum256([]byte(tok))}, nil
}

// tokenCookie carries the token for browsers, which cannot send a bearer header with an
// <img src=/stream.mjpg>: a page opened once as /stream.mjpg?token=TOKEN sets it.
const tokenCookie = "picam_token"

// wrap requires the token on every path except /healthz, which load balancers and systemd
// watchdogs poll without credentials and which reveals nothing. The token may come as
// "Authorization: Bearer TOKEN", as the cookie a valid ?token=TOKEN query sets (HttpOnly,
// SameSite=Strict), or as that query parameter itself (for players that can set neither); the
// last two for GET and HEAD only.
func (a *httpAuth) wrap(next http.Handler) http.Handler {
	if a == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || a.allowed(r) {
			next.ServeHTTP(w, r)
			return
		}
		if q := r.URL.Query().Get("token"); q != "" && readOnly(r) && a.matches(q) {
			http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: q, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="picam"`)
		if a.missing != "" {
			http.Error(w, "401 unauthorized: this camera has no token yet: write one into "+a.missing+" (at least 16 characters; on the SD card: http.token on the boot partition) and restart it", http.StatusUnauthorized)
			return
		}
		http.Error(w, "401 unauthorized: send Authorization: Bearer TOKEN (the token in --http-token-file), or open the URL once with ?token=TOKEN in a browser", http.StatusUnauthorized)
	})
}

func (a *httpAuth) allowed(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return a.matches(strings.TrimSpace(tok))
	}
	if c, err := r.Cookie(tokenCookie); err == nil && (readOnly(r) || whepSession(r)) {
		return a.matches(c.Value)
	}
	return false
}

// whepSession reports the page's own WebRTC requests (POST /whep with an SDP offer, DELETE of
// its session), which also take the token from the cookie: the page at / cannot read the
// HttpOnly cookie to make a bearer header of it. A page elsewhere cannot make a browser send
// them with the cookie: SameSite=Strict keeps it off cross-site requests, and a POST of
// application/sdp or a DELETE needs a CORS preflight that picam never grants.
func whepSession(r *http.Request) bool {
	return (r.Method == http.MethodPost && r.URL.Path == web.WHEPPath) ||
		(r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, web.WHEPPath+"/"))
}

// readOnly reports a GET or HEAD: only those take the token from a cookie or the URL, so a
// page elsewhere can never make a browser POST an update with it.
func readOnly(r *http.Request) bool { return r.Method == http.MethodGet || r.Method == http.MethodHead }

// matches compares tok with the token in constant time.
func (a *httpAuth) matches(tok string) bool {
	if a.missing != "" {
		return false
	}
	d := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(d[:], a.digest[:]) == 1
}
