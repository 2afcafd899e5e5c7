package curve

import "errors"

// ErrSecurity is matched (errors.Is) by every error this package returns because the peer
// broke the CURVE rules, used the wrong keys or was refused. Package zmtp uses it to report
// such failures as protocol errors rather than as network trouble.
var ErrSecurity = errors.New("curve: security handshake failed")

// Sentinels callers can branch on. Each one also matches ErrSecurity.
var (
	// ErrMalformed: a handshake command or MESSAGE has the wrong name or length.
	ErrMalformed = securityError("curve: malformed command")
	// ErrBadBox: a box could not be opened, so the peer used other keys than we expect or the
	// data was changed on the way.
	ErrBadBox = securityError("curve: cannot open box (wrong keys or tampered data)")
	// ErrRefused: the server answered our INITIATE with an ERROR command.
	ErrRefused = securityError("curve: the server refused this client")
	// ErrNoWelcome: the server closed the connection instead of answering HELLO. libzmq does
	// that when it cannot open HELLO, that is when our copy of its public key is wrong.
	ErrNoWelcome = securityError("curve: the server closed the connection after our HELLO")
	// ErrKeyNotAllowed: the authorizer does not know the client's long-term public key.
	ErrKeyNotAllowed = securityError("curve: client public key not allowed")
	// ErrAddressNotAllowed: the client's IP address is not in the allow-list.
	ErrAddressNotAllowed = securityError("curve: client address not allowed")
	// ErrReplay: a MESSAGE nonce did not increase, so it was replayed or reordered, or an
	// INITIATE carried a cookie from another handshake (a recorded handshake sent again).
	ErrReplay = securityError("curve: replayed or reordered (a nonce did not increase, or a cookie from another handshake)")
	// ErrBadKey: a public key is a low-order point that would give a predictable shared key.
	ErrBadKey = securityError("curve: unusable public key")
)

// securityError is a sentinel that also matches ErrSecurity.
type securityError string

func (e securityError) Error() string { return string(e) }

// Is makes every sentinel match the ErrSecurity umbrella.
func (e securityError) Is(target error) bool { return target == ErrSecurity }
