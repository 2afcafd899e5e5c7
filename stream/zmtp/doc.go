// Package zmtp speaks ZMTP 3.0 (the ZeroMQ wire protocol, RFC 23) with the NULL or CURVE
// mechanism, for exactly the socket shapes picam needs: one connection per peer, REQ, PUB or
// PAIR on the dialling side (picam-server, as NetGear's sender connects) and REP, SUB or PAIR
// on the listening side (picam-client, as NetGear's receiver binds). PAIR is NetGear's
// pattern 0, its default.
//
// Why our own layer instead of go-zeromq/zmq4 (design decision 1, revised; see the README):
// zmq4 v0.17.0 is wire-compatible but its send path keeps the caller's buffer, its receive path
// allocates an unbounded buffer sized by the peer (a remote crash), its REQ panics with two peers
// and cannot time out, its PUB freezes every subscriber behind one, Close leaks goroutines, and
// its Security interface cannot carry CURVE. picam uses one connection per client anyway (W1), so
// socket-level routing is not needed: what is left is the greeting, the READY handshake and the
// frame codec, a few hundred lines that we can make bounded (frame-size cap checked before any
// allocation), deadline-driven (every handshake, read and write), zero-copy on send (one writev
// per message, synchronous, so the caller may reuse its buffer as soon as Write returns) and
// allocation-free on receive (buffers reused between messages).
//
// With Options.Curve set, the CURVE mechanism (NetGear's secure_mode) replaces NULL: the
// handshake comes from package curve and every frame is sealed (curve.go).
//
// The socket semantics that live on one connection are here too (socket.go): what a PUB side
// keeps of its SUB peer's subscriptions, and the REQ/REP envelope with the request ids that
// tell the reply to the latest request from a late one.
//
// The package does not reconnect or route; package stream does that on top of it.
package zmtp
