package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"

	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/stream/curve"
	"github.com/picam-project/picam/stream/zmtp"
)

// secureOptions are NetGear's secure_mode and custom_cert_location plus --allow. picam-client
// is NetGear's receiver, so it is the CURVE server: it holds server.key_secret and decides which
// senders may connect.
type secureOptions struct {
	cli.Secure
	allow string
}

func (s *secureOptions) register(fs *flag.FlagSet) {
	s.Register(fs,
		"NetGear secure_mode: 0 (grasslands, plaintext), 1 (stonehouse: any sender key) or 2 (ironhouse: only sender keys in public_keys); a plaintext or mis-keyed sender is refused, never heard",
		"NetGear custom_cert_location: DIR or DIR/.vidgear holding keys/ (default: the home directory); the sender makes one with: picam-server keys --out DIR")
	fs.StringVar(&s.allow, "allow", "", "secure mode: accept senders only from these IPs or CIDR prefixes (comma-separated, e.g. 192.168.1.10,10.0.0.0/24); the SENDER's address, unlike NetGear which lists its own")
}

// check validates the flags without touching files (parse time, exit 2).
func (s *secureOptions) check() error {
	mode, err := s.ParsedMode()
	if err != nil {
		return err
	}
	if s.allow != "" && mode == curve.ModeOff {
		return errors.New("--allow needs --secure-mode 1 or 2: a plaintext receiver cannot tell senders apart")
	}
	if _, err := s.allowList(); err != nil {
		return err
	}
	return nil
}

func (s *secureOptions) allowList() ([]netip.Prefix, error) {
	if strings.TrimSpace(s.allow) == "" {
		return nil, nil
	}
	items := strings.Split(s.allow, ",")
	p, err := curve.ParseAllowList(items)
	if err != nil {
		return nil, fmt.Errorf("--allow: %w", err)
	}
	return p, nil
}

// handshaker returns the CURVE server for stream.ClientConfig.Curve, or nil in mode 0.
// A missing, unreadable or malformed key tree is a *cli.KeysError naming the files it needs.
func (s *secureOptions) handshaker(log *slog.Logger) (curve.Handshaker, error) {
	mode, err := s.ParsedMode()
	if err != nil || mode == curve.ModeOff {
		return nil, err
	}
	allow, err := s.allowList()
	if err != nil {
		return nil, err
	}
	v, err := s.KeyTree()
	if err != nil {
		return nil, err
	}
	srv, err := v.NewServer(mode, allow, log)
	if err != nil {
		files := []cli.KeyFile{{Path: filepath.Join(v.PrivateDir(), "server"+curve.SecretSuffix)}}
		if mode == curve.ModeIronHouse {
			files = append(files, cli.KeyFile{Path: filepath.Join(v.PublicDir(), "client"+curve.PublicSuffix), Note: "(or any *.key of a trusted sender)"})
		}
		return nil, &cli.KeysError{Mode: mode, Files: files, Err: err,
			Fix: "make a key set on the sender with: picam-server keys --out " + s.CertDirArg() + ", and copy its keys/ tree here; picam-client never falls back to plaintext"}
	}
	log.Info("secure mode on: CURVE server", "mode", mode.String(), "keys", v.Dir, "server_key", srv.PublicKey().String(), "allow", s.allow)
	return srv, nil
}

// refusalHints wraps the log handler and adds a "why" attribute to stream.Client's handshake
// refusals, naming the likely mistake in words, since the sentinel text alone ("client public
// key not allowed") does not say which file or flag to fix.
//
// A sender that keeps redialling (every 250 ms or so) would repeat the same warning; a
// refusal with the same reason from the same host as the previous one is logged at Debug.
type refusalHints struct {
	slog.Handler
	last *lastRefusal
}

type lastRefusal struct {
	mu  sync.Mutex
	key string
}

func newRefusalHints(h slog.Handler) refusalHints {
	return refusalHints{Handler: h, last: &lastRefusal{}}
}

// Handle implements slog.Handler.
func (h refusalHints) Handle(ctx context.Context, r slog.Record) error {
	var why, remote string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "err":
			if err, ok := a.Value.Any().(error); ok {
				why = refusalReason(err)
			}
		case "remote":
			remote = a.Value.String()
			if host, _, err := net.SplitHostPort(remote); err == nil {
				remote = host
			}
		}
		return true
	})
	if why == "" {
		return h.Handler.Handle(ctx, r)
	}
	h.last.mu.Lock()
	repeat := h.last.key == why+"|"+remote
	h.last.key = why + "|" + remote
	h.last.mu.Unlock()
	if repeat && r.Level > slog.LevelDebug {
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	r = r.Clone()
	r.AddAttrs(slog.String("why", why))
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h refusalHints) WithAttrs(as []slog.Attr) slog.Handler {
	return refusalHints{h.Handler.WithAttrs(as), h.last}
}

// WithGroup implements slog.Handler.
func (h refusalHints) WithGroup(name string) slog.Handler {
	return refusalHints{h.Handler.WithGroup(name), h.last}
}

// refusalReason explains a refused sender in the terms of the flags and key files.
func refusalReason(err error) string {
	switch {
	case errors.Is(err, curve.ErrKeyNotAllowed):
		return "sender REJECTED: its client key is not in public_keys (IronHouse); copy the sender's public_keys/client.key into this machine's public_keys, or use one key tree on both"
	case errors.Is(err, curve.ErrAddressNotAllowed):
		return "sender REJECTED: its IP address is not in --allow"
	case errors.Is(err, curve.ErrReplay):
		return "sender REJECTED: it replayed a recorded handshake or messages (captured traffic sent again); the keys are not at fault"
	case errors.Is(err, curve.ErrBadBox), errors.Is(err, curve.ErrMalformed):
		return "sender REJECTED: its HELLO does not open with our server key; the sender's public_keys/server.key is not this machine's (use one key tree on both)"
	case errors.Is(err, curve.ErrSecurity):
		return "sender REJECTED: the CURVE handshake failed"
	case errors.As(err, new(*zmtp.MechanismError)):
		return "sender REJECTED: secure mode differs (one side plaintext, the other CURVE); use the same --secure-mode on both"
	}
	return ""
}
