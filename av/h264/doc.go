// Package h264 holds the small pieces of H.264 (AVC) bitstream handling that
// picam needs to stream H.264 to clients that join at any time: splitting an
// Annex-B access unit into NAL units, telling parameter sets, IDR slices and
// other slices apart, reading the picture size from a sequence parameter set,
// caching SPS/PPS so an IDR can always be sent with them in front, and the
// Packager that decides once, for every output, which packets a decoder can
// start at (av.Packet.Keyframe) and which parameter sets decode them. The
// per-consumer keyframe gate that uses those facts is in package fanout.
//
// Why this matters: a decoder can start only at an IDR access unit, and only
// if it has already seen the SPS and PPS that IDR refers to. A client that
// connects mid-stream, or that missed a packet because it was slow (picam's
// per-client mailbox keeps only the newest packet), would otherwise be handed
// P-frames that reference pictures it never had, and show garbage or nothing.
//
// The package depends on nothing but the standard library and the leaf
// package av, so the camera, the encoders and the client can all use it.
// Nothing here decodes pictures.
package h264
