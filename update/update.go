// Package update installs a signed system image sent over picam-server's HTTP listener
// (POST /api/update): the body is streamed to a file (never held in memory, bounded in size and
// in the free space it may take), checked by the update engine (signature, board), installed
// into the other slot and the system rebooted into it. The engine is RAUC on the SD-card image
// (rauc.go); tests use a fake.
package update

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Engine is the system's update engine.
type Engine interface {
	// Check verifies the bundle at path without changing anything: its signature against the
	// system's keyring and that it is for this board. It returns the bundle's manifest.
	Check(ctx context.Context, path string) (Bundle, error)
	// Install writes the bundle into the slot not booted and makes that slot the one tried on
	// the next boot, reporting RAUC's progress messages to progress.
	Install(ctx context.Context, path string, progress func(string)) error
	// Reboot restarts the system (into the slot just installed).
	Reboot() error
}

// Bundle is what a bundle's manifest says about it.
type Bundle struct {
	Compatible string `json:"compatible"` // the board it is for, as the system's compatible
	Version    string `json:"version"`
}

// Codes of Refusal: why an update was not installed.
const (
	CodeInProgress      = "in-progress"      // another update is being received or installed
	CodeNoLength        = "no-length"        // the request has no Content-Length
	CodeTooLarge        = "too-large"        // larger than the bound
	CodeNoSpace         = "no-space"         // not enough free space to receive it
	CodeTruncated       = "truncated"        // the upload or the bundle ends early
	CodeBadSignature    = "bad-signature"    // unsigned, or not signed by a key the system trusts
	CodeWrongCompatible = "wrong-compatible" // built for another board
	CodeInvalid         = "invalid-bundle"   // not a bundle, or a damaged one
	CodeInstallFailed   = "install-failed"   // the engine failed while writing the slot
	CodeNoEngine        = "no-engine"        // this system cannot install updates
)

// Refusal is an update that was refused or failed, with a reason the sender can act on.
type Refusal struct {
	Code   string // one of the Code constants
	Reason string // for a person: what was wrong and what to do
	Err    error  // the underlying error, if any
}

func (r *Refusal) Error() string { return fmt.Sprintf("update refused (%s): %s", r.Code, r.Detail()) }

// Detail is the reason with the underlying error, without the code.
func (r *Refusal) Detail() string {
	if r.Err != nil {
		return fmt.Sprintf("%s: %v", r.Reason, r.Err)
	}
	return r.Reason
}

func (r *Refusal) Unwrap() error { return r.Err }

// refuse makes a Refusal.
func refuse(code, reason string, err error) *Refusal {
	return &Refusal{Code: code, Reason: reason, Err: err}
}

// asRefusal returns err as a Refusal, wrapping any other error with code.
func asRefusal(err error, code, reason string) *Refusal {
	var r *Refusal
	if errors.As(err, &r) {
		return r
	}
	return refuse(code, reason, err)
}

// States of an update, as Status reports them.
const (
	StateIdle       = "idle"       // no update since start
	StateReceiving  = "receiving"  // the body is being written to disk
	StateChecking   = "checking"   // signature and board being verified
	StateInstalling = "installing" // the engine is writing the other slot
	StateInstalled  = "installed"  // done; the system reboots into it
	StateRefused    = "refused"    // the last update was refused or failed (see Error)
)

// Status is the state of the current or last update (GET /api/update, and the POST's answer).
type Status struct {
	State    string    `json:"state"`
	Received int64     `json:"received_bytes"`
	Size     int64     `json:"size_bytes"`         // the Content-Length
	Progress string    `json:"progress,omitempty"` // the engine's last progress message
	Bundle   *Bundle   `json:"bundle,omitempty"`
	Code     string    `json:"code,omitempty"`  // a Refusal's code
	Error    string    `json:"error,omitempty"` // a Refusal's reason and cause
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	Reboot   bool      `json:"reboot,omitempty"` // the system reboots into the new slot now
}
