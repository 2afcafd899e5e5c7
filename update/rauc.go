package update

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// SystemConf is where the SD-card image keeps RAUC's system.conf.
const SystemConf = "/etc/rauc/system.conf"

// RAUC is the Engine on the SD-card image: the rauc command line with the image's system.conf
// (its keyring and compatible string).
type RAUC struct {
	Bin        string // the rauc program; default "rauc" on PATH
	Conf       string // system.conf
	Compatible string // [system] compatible= of Conf: the board bundles must be built for
	RebootCmd  []string
	// InstallCmd, when set, installs instead of "rauc install": the bundle's path is added as
	// its last argument. The SD card's InstallWrapper starts RAUC's service and makes the boot
	// partition writable for the install only.
	InstallCmd []string
}

// InstallWrapper is the SD card's install command (buildroot/board/picam/rootfs-overlay).
const InstallWrapper = "/usr/lib/picam/rauc-install"

// RebootWrapper is the SD card's reboot after an install: on the Buildroot card it sets the Pi
// firmware's tryboot flag so that the next boot is the new slot's trial.
const RebootWrapper = "/usr/lib/picam/reboot-update"

// NewRAUC returns the engine for conf, or an error naming what is missing.
func NewRAUC(conf string) (*RAUC, error) {
	bin, err := exec.LookPath("rauc")
	if err != nil {
		return nil, fmt.Errorf("no rauc program: %w", err)
	}
	b, err := os.ReadFile(conf)
	if err != nil {
		return nil, fmt.Errorf("RAUC's system.conf: %w", err)
	}
	c := iniValue(string(b), "system", "compatible")
	if c == "" {
		return nil, fmt.Errorf("%s has no [system] compatible=", conf)
	}
	e := &RAUC{Bin: bin, Conf: conf, Compatible: c, RebootCmd: []string{"reboot"}}
	if _, err := os.Stat(InstallWrapper); err == nil {
		e.InstallCmd = []string{InstallWrapper}
	}
	if _, err := os.Stat(RebootWrapper); err == nil {
		e.RebootCmd = []string{RebootWrapper}
	}
	return e, nil
}

// iniValue is key's value in [section] of a RAUC-style ini file ("" if absent).
func iniValue(text, section, key string) string {
	in := false
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			in = l == "["+section+"]"
			continue
		}
		if k, v, ok := strings.Cut(l, "="); in && ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Check runs rauc info, which verifies the signature against the keyring of system.conf and
// reads the manifest, then compares the manifest's compatible with the system's.
func (e *RAUC) Check(ctx context.Context, path string) (Bundle, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, e.Bin, "--conf="+e.Conf, "info", "--output-format=json", path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Bundle{}, classify(stderr.String(), err)
	}
	var b Bundle
	if err := json.Unmarshal(stdout.Bytes(), &b); err != nil {
		return Bundle{}, refuse(CodeInvalid, "rauc info printed no manifest", fmt.Errorf("%w: %q", err, stdout.String()))
	}
	if b.Compatible != e.Compatible {
		return b, refuse(CodeWrongCompatible, fmt.Sprintf("the bundle is for %q, this system is %q", b.Compatible, e.Compatible), nil)
	}
	return b, nil
}

// classify turns rauc's complaint about a bundle into a Refusal.
func classify(stderr string, err error) *Refusal {
	msg := lastLine(stderr)
	cause := fmt.Errorf("%w: %s", err, msg)
	switch {
	case strings.Contains(stderr, "Signature size is 0"):
		// A bundle ends in its signature's size: 0 there is an unsigned image, or one cut short
		// where the payload had zeros.
		return refuse(CodeBadSignature, "the bundle carries no signature: it is unsigned (make bundle signs it) or cut short (send the whole file)", cause)
	case strings.Contains(stderr, "signature verification failed"), strings.Contains(stderr, "Verify error"):
		return refuse(CodeBadSignature, "the bundle is not signed by a key this system trusts (its keyring is /etc/rauc/ca.cert.pem in the image)", cause)
	case strings.Contains(stderr, "exceeds bundle size"), strings.Contains(stderr, "payload is corrupted"):
		return refuse(CodeTruncated, "the bundle is truncated or damaged (or not a RAUC bundle): send the whole file again", cause)
	default:
		return refuse(CodeInvalid, "rauc rejected the bundle", cause)
	}
}

// lastLine is the last non-empty line of s that is not one of rauc's informational messages.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.Contains(l, "rauc-Message:") {
			return l
		}
	}
	return strings.TrimSpace(s)
}

// Install runs rauc install, passing its progress lines on.
func (e *RAUC) Install(ctx context.Context, path string, progress func(string)) error {
	cmd := exec.CommandContext(ctx, e.Bin, "--conf="+e.Conf, "install", path)
	if len(e.InstallCmd) > 0 {
		cmd = exec.CommandContext(ctx, e.InstallCmd[0], append(e.InstallCmd[1:], path)...)
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var tail []string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // owned by Install: ends when the pipe is closed below
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			l := strings.TrimSpace(sc.Text())
			if l == "" {
				continue
			}
			progress(l)
			tail = append(tail, l)
			if len(tail) > 8 {
				tail = tail[1:]
			}
		}
		io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	wg.Wait()
	if err != nil {
		out := strings.Join(tail, "\n")
		if strings.Contains(out, "ompatible") {
			return refuse(CodeWrongCompatible, "rauc install: the bundle is for another board", fmt.Errorf("%w: %s", err, lastLine(out)))
		}
		if strings.Contains(out, "signature") || strings.Contains(out, "Verify error") || strings.Contains(out, "exceeds bundle size") || strings.Contains(out, "corrupted") {
			return classify(out, err)
		}
		return refuse(CodeInstallFailed, "rauc install failed; the running slot is unchanged and stays the one booted", fmt.Errorf("%w: %s", err, lastLine(out)))
	}
	return nil
}

// Reboot runs the reboot command.
func (e *RAUC) Reboot() error {
	if len(e.RebootCmd) == 0 {
		return errors.New("no reboot command")
	}
	out, err := exec.Command(e.RebootCmd[0], e.RebootCmd[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(e.RebootCmd, " "), err, bytes.TrimSpace(out))
	}
	return nil
}
