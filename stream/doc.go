// Package stream is picam's NetGear output: VidGear NetGear's Multi-Clients (and Multi-Servers)
// mode spoken over ZeroMQ's wire protocol, on both sides. Server (picam-server's side) dials
// every client and sends each the newest frame through its own sender, so a slow or dead client
// never holds up the others; Client (picam-client's side) binds its ports, lets servers
// connect, answers in pattern 1 and hands frames to a slower reader through a short queue.
// The wire formats are in stream/wire, the ZMTP transport in stream/zmtp and the CURVE
// security in stream/curve.
package stream
