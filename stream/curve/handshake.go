package curve

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// CommandConn carries the handshake's ZMTP commands. name is the command name ("HELLO") and
// body the bytes after it. Package zmtp implements it on its frame codec; ReadCommand must
// bound what it reads (zmtp caps commands at 64 KiB) and the caller must put a deadline on the
// whole handshake.
type CommandConn interface {
	WriteCommand(name string, body []byte) error
	ReadCommand() (name string, body []byte, err error)
}

// Handshaker is one side of the CURVE mechanism: *Client or *Server.
type Handshaker interface {
	// AsServer is the ZMTP greeting's as-server bit: true for the CURVE server.
	AsServer() bool
	// Handshake runs HELLO, WELCOME, INITIATE and READY over cc. metadata is this side's
	// encoded ZMTP properties (Socket-Type...), sent inside INITIATE or READY; the peer's are
	// returned. remote is the peer's address for the Authorizer (a client ignores it).
	Handshake(cc CommandConn, remote net.Addr, metadata []byte) (*Session, []byte, error)
}

// Lengths of the handshake command bodies, after the name (RFC 26). With the name and its
// length byte HELLO is 200 bytes, WELCOME 168 and INITIATE at least 257.
const (
	helloBodyLen      = 2 + 72 + 32 + 8 + 80 // version, padding, C', nonce, box
	welcomeBodyLen    = 16 + 144             // nonce, box[S' + cookie]
	cookieLen         = 16 + 80              // nonce, secretbox[C' + s']
	vouchLen          = 16 + 64              // box[C' + S]
	initiateMinLen    = cookieLen + 8 + box16 + 32 + 16 + vouchLen
	readyMinLen       = 8 + box16
	box16             = 16 // box.Overhead, spelled out for the constant expressions above
	maxErrorReasonLen = 255
)

// errorBody encodes an ERROR command's body: a length byte and the reason.
func errorBody(reason string) []byte {
	if len(reason) > maxErrorReasonLen {
		reason = reason[:maxErrorReasonLen]
	}
	return append([]byte{byte(len(reason))}, reason...)
}

// errorReason decodes an ERROR body leniently: a malformed one is shown as it is.
func errorReason(body []byte) string {
	if len(body) >= 1 && int(body[0]) <= len(body)-1 {
		return string(body[1 : 1+body[0]])
	}
	return string(body)
}

// refused turns a server's ERROR into ErrRefused with advice. "400" is what libzmq sends when
// ZAP (pyzmq's ThreadAuthenticator, as NetGear configures it) says no.
func refused(body []byte) error {
	reason := errorReason(body)
	hint := ""
	if reason == "400" {
		hint = " (not authorized: in IronHouse the receiver's public_keys must hold our client.key, and its allow-list, NetGear's address argument, must hold our IP address)"
	}
	return fmt.Errorf("%w: ERROR %q%s", ErrRefused, reason, hint)
}

// closedEarly reports errors that mean the peer hung up rather than timed out.
func closedEarly(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func unexpected(stage, want, got string) error {
	return fmt.Errorf("%w: expected %s during %s, got %q", ErrMalformed, want, stage, got)
}
