// Package codec turns camera frames into the packets picam sends to clients:
// raw BGR24 arrays and JPEG images that NetGear's Python clients decode, and
// H.264 for clients that ask for it.
//
// An Encoder takes picimage.Frame values in and gives Packet values out, one
// packet per frame. It is encoded once, whatever the number of clients, and
// the packet's bytes are then shared by every client's sender, so a packet's
// Data is never modified after Encode returns.
//
// This file set holds the two software encoders every build has: NewRaw
// (BGR24 passthrough or conversion) and NewJPEG (pure Go image/jpeg, with
// passthrough for frames a camera already compressed). Hardware (V4L2 M2M)
// and H.264 encoders implement the same interface.
package codec
