// Package curve implements the CurveZMQ security handshake (RFC 26) as the ZMTP 3.0 CURVE
// mechanism (RFC 25), Z85 key text (RFC 32), pyzmq/czmq certificate files and VidGear NetGear's
// key tree, in pure Go on golang.org/x/crypto/nacl (no cgo, so the Pi binaries stay static).
//
// Why: NetGear's secure_mode (1 StoneHouse, 2 IronHouse) is libzmq's CURVE with ZAP, and picam
// must speak it to stay wire-compatible with Python receivers and senders (docs/curve.md).
//
// The package knows nothing about sockets or frame encoding. The handshakes run over a
// CommandConn (send and receive one ZMTP command), so package zmtp can drive them inside its own
// greeting and frame codec, and the tests can drive them in memory. After the handshake a
// Session seals and opens MESSAGE commands, one per ZMTP frame, with the MORE and COMMAND flags
// inside the box as libzmq does.
//
// Roles follow NetGear: the receiver binds and is the CURVE server (it holds server.key_secret
// and decides who may connect); the sender connects and is the CURVE client (client.key_secret
// plus the server's public key). The CURVE role is independent of who binds.
package curve
