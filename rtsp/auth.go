package rtsp

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
)

// digest checks RTSP Digest authentication (RFC 2617, with RFC 7616's qop=auth) with MD5,
// the one algorithm every RTSP client speaks (FFmpeg does not do SHA-256). Basic is refused:
// this RTSP server has no TLS, and Basic would send the password in clear.
type digest struct {
	realm, user, password string
}

// newNonce returns a fresh random nonce; the server gives each connection its own.
func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// challenge is the WWW-Authenticate value of a 401 for nonce.
func (d *digest) challenge(nonce string) string {
	return fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm="MD5"`, d.realm, nonce)
}

// verify reports whether an Authorization header answers the challenge for nonce with
// the right user and password, for a request with this method.
func (d *digest) verify(authorization, method, nonce string) bool {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	if !strings.EqualFold(scheme, "Digest") {
		return false
	}
	p := parseAuthParams(rest)
	if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
		return false
	}
	if p["username"] != d.user || p["realm"] != d.realm || p["nonce"] != nonce || p["uri"] == "" {
		return false
	}
	ha1 := md5hex(d.user + ":" + d.realm + ":" + d.password)
	ha2 := md5hex(method + ":" + p["uri"])
	var want string
	switch p["qop"] {
	case "":
		want = md5hex(ha1 + ":" + nonce + ":" + ha2)
	case "auth":
		want = md5hex(ha1 + ":" + nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	default:
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(p["response"])), []byte(want)) == 1
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// parseAuthParams parses `k=v, k="quoted, value"` pairs; keys are lower-cased.
func parseAuthParams(s string) map[string]string {
	m := map[string]string{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t,")
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		var v string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			v, s = b.String(), rest[min(i+1, len(rest)):]
		} else {
			v, s, _ = strings.Cut(rest, ",")
			v = strings.TrimSpace(v)
		}
		m[k] = v
	}
	return m
}
