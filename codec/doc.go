// Package codec turns camera frames into the packets picam sends to clients:
// raw BGR24 arrays and JPEG images that NetGear's Python clients decode, and
// H.264 for clients that ask for it.
//
// An Encoder takes picimage.Frame values in and gives av.Packet values out,
// one packet per frame. It is encoded once, whatever the number of clients, and
// the packet's bytes are then shared by every client's sender, so a packet's
// Data is never modified after Encode returns.
//
// The encoders, in the order Select prefers them:
//
//   - Hardware: NewM2M drives a V4L2 memory-to-memory encoder through the
//     multi-planar queue API, the Raspberry Pi's bcm2835-codec (/dev/video11
//     H.264 or MJPEG, /dev/video31 JPEG); in the QEMU test, vicodec. It keeps
//     several frames in flight, so its Encode may return an earlier frame's
//     packet, or ErrNoPacket while none is ready: packets stay in frame
//     order, one per frame.
//   - Passthrough: a camera that already compresses (the legacy Pi camera,
//     UVC) is forwarded: MJPEG by NewJPEG, H.264 by NewH264Passthrough.
//   - Software: NewJPEG (pure Go, every build), NewTurboJPEG (libjpeg-turbo,
//     build tag turbojpeg), NewSoftwareH264 (OpenH264, build tag openh264),
//     NewRaw (BGR24).
//
// The encoder is the producer of the data path: it decides once what every
// output would otherwise parse again and carries it on the packet. Every
// H.264 encoder puts SPS and PPS in front of each IDR, marks those packets
// Keyframe, carries the parameter sets in av.Packet.SPS/PPS and numbers its
// packets without gaps (av.Packet.Index), so the fan-out's per-consumer
// keyframe gate (package fanout) can start a consumer at a keyframe and keep
// it from P-frames it cannot decode.
//
// The default build is pure Go (CGO_ENABLED=0); the cgo encoders compile only
// with their build tags and report an error wrapping ErrUnavailable
// otherwise, so callers fall back at run time.
package codec
