//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/picam-project/picam/hw/v4l2"
)

// encodeTimeout bounds one encode. vicodec takes ~50 ms per VGA frame under
// TCG; the margin is for a loaded machine.
const encodeTimeout = 15 * time.Second

// stampUS is put on the raw buffer: stateful encoders copy the OUTPUT
// buffer's timestamp to the CAPTURE buffer made from it, which is how
// picam-server carries capture times through the encoder.
const stampUS = 4242

// runEncode pushes one camera frame through a stateful M2M encoder the way a
// hardware encoder is driven: coded format on CAPTURE, raw format on OUTPUT,
// MMAP buffers on both queues, QBUF, STREAMON, DQBUF.
func runEncode(ctx context.Context, r *reporter, args []string) error {
	fs := flag.NewFlagSet("encode", flag.ContinueOnError)
	camDev := fs.String("camera", "", "capture node for the input frame (default: found by name)")
	encDev := fs.String("device", "", "encoder node (default: found by name)")
	width := fs.Uint("width", 640, "frame width")
	height := fs.Uint("height", 480, "frame height")
	if err := fs.Parse(args); err != nil {
		return err
	}
	camPath, err := findCamera(*camDev)
	if err != nil {
		return err
	}
	encPath, err := findEncoder(*encDev)
	if err != nil {
		return err
	}
	frame, camFmt, err := grabFrame(camPath, uint32(*width), uint32(*height))
	if err != nil {
		return fmt.Errorf("input frame from %s: %w", camPath, err)
	}

	d, err := v4l2.Open(encPath)
	if err != nil {
		return fmt.Errorf("opening encoder %s: %w", encPath, err)
	}
	defer d.Close()
	c := d.Capability()
	outT, capT := v4l2.BufTypeVideoOutput, v4l2.BufTypeVideoCapture
	if c.IsMPlane() {
		outT, capT = v4l2.BufTypeVideoOutputMPlane, v4l2.BufTypeVideoCaptureMPlane
	}
	r.ok("enc.querycap", map[string]any{
		"device": encPath, "driver": c.Driver, "card": c.Card, "m2m": c.IsM2M(), "mplane": c.IsMPlane(),
		"device_caps": fmt.Sprintf("%#x", uint32(c.DeviceCaps)),
	})
	coded, err := codedFormat(d, capT)
	if err != nil {
		return err
	}
	// Stateful encoder order: the coded format first (it decides which raw
	// formats the OUTPUT queue offers), then the raw format.
	cf, err := d.SetFormat(capT, v4l2.PixFormat{Width: camFmt.Width, Height: camFmt.Height, PixelFormat: coded})
	if err != nil {
		return fmt.Errorf("encoder %s coded format %s: %w", encPath, coded, err)
	}
	rf, err := d.SetFormat(outT, v4l2.PixFormat{Width: camFmt.Width, Height: camFmt.Height, PixelFormat: v4l2.PixFmtYUYV})
	if err != nil {
		return fmt.Errorf("encoder %s raw format YUYV: %w", encPath, err)
	}
	checkGOP(d, r)

	if _, err := d.RequestBuffers(outT, 1); err != nil {
		return fmt.Errorf("encoder %s OUTPUT buffers: %w", encPath, err)
	}
	if _, err := d.RequestBuffers(capT, 1); err != nil {
		return fmt.Errorf("encoder %s CAPTURE buffers: %w", encPath, err)
	}
	planes, err := d.Mapping(outT, 0)
	if err != nil {
		return fmt.Errorf("encoder %s OUTPUT mapping: %w", encPath, err)
	}
	used := copyRows(planes[0], rowStride(rf), frame, int(camFmt.BytesPerLine), int(camFmt.Width)*2, int(camFmt.Height))

	start := time.Now()
	if err := d.Queue(v4l2.Buffer{Index: 0, Type: capT}); err != nil {
		return fmt.Errorf("encoder %s QBUF CAPTURE: %w", encPath, err)
	}
	if err := d.Queue(v4l2.Buffer{Index: 0, Type: outT, Timestamp: stampUS * time.Microsecond,
		Planes: []v4l2.Plane{{BytesUsed: uint32(used)}}}); err != nil {
		return fmt.Errorf("encoder %s QBUF OUTPUT: %w", encPath, err)
	}
	if err := errors.Join(d.StreamOn(outT), d.StreamOn(capT)); err != nil {
		return fmt.Errorf("encoder %s STREAMON: %w", encPath, err)
	}
	dctx, cancel := context.WithTimeout(ctx, encodeTimeout)
	defer cancel()
	b, err := d.Dequeue(dctx, capT)
	if err != nil {
		return fmt.Errorf("encoder %s DQBUF CAPTURE: %w", encPath, err)
	}
	elapsed := time.Since(start)
	var out []byte
	for _, p := range b.Data {
		out = append(out, p...)
	}
	r.ok("enc.frame", map[string]any{
		"device": encPath, "in": rf.String(), "coded": cf.PixelFormat.String(), "raw_bytes": used,
		"bytes": len(out), "head": fmt.Sprintf("%x", out[:min(8, len(out))]), "valid": validBitstream(cf.PixelFormat, out),
		"keyframe": b.IsKeyFrame(), "timestamp_us": b.Timestamp.Microseconds(), "stamp_us": stampUS,
		"ms": elapsed.Milliseconds(),
	})
	return errors.Join(d.StreamOff(outT), d.StreamOff(capT))
}

// codedFormat picks the encoder's compressed format: FWHT on vicodec, H.264
// on the Pi.
func codedFormat(d *v4l2.Device, capT v4l2.BufType) (v4l2.PixelFormat, error) {
	fmts, err := d.EnumFormats(capT)
	if err != nil {
		return 0, fmt.Errorf("encoder %s: listing coded formats: %w", d.Path(), err)
	}
	for _, want := range []v4l2.PixelFormat{v4l2.PixFmtH264, v4l2.PixFmtFWHT} {
		for _, f := range fmts {
			if f.PixelFormat == want {
				return want, nil
			}
		}
	}
	return 0, fmt.Errorf("encoder %s offers neither H264 nor FWHT: %v", d.Path(), fmts)
}

// checkGOP writes and reads back an encoder control.
func checkGOP(d *v4l2.Device, r *reporter) {
	const want = 10
	// In QEMU the host fails a skip too: vicodec has the control.
	if !r.hasControl(d, v4l2.CtrlMPEGVideoGOPSize, "enc.gop", "the encoder", "GOP size control") {
		return
	}
	got, ok := r.writeAndRead(d, v4l2.CtrlMPEGVideoGOPSize, "enc.gop", want)
	if !ok {
		return
	}
	r.ok("enc.gop", map[string]any{"set": want, "got": got})
}

// rowStride is the bytes per line of plane 0 of a negotiated format.
func rowStride(f v4l2.PixFormat) int {
	if len(f.Planes) > 0 && f.Planes[0].BytesPerLine > 0 {
		return int(f.Planes[0].BytesPerLine)
	}
	return int(f.BytesPerLine)
}

// copyRows copies rows of rowBytes from src (stride srcStride) to dst (stride
// dstStride), since the camera and the encoder may pad lines differently. It
// returns the payload size written.
func copyRows(dst []byte, dstStride int, src []byte, srcStride, rowBytes, rows int) int {
	for y := 0; y < rows; y++ {
		s, d := y*srcStride, y*dstStride
		if s+rowBytes > len(src) || d+rowBytes > len(dst) {
			return d
		}
		copy(dst[d:d+rowBytes], src[s:s+rowBytes])
	}
	return min(rows*dstStride, len(dst))
}

// fwhtMagic starts every vicodec frame (struct fwht_cframe_hdr: two magic words).
var fwhtMagic = []byte{0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff}

// validBitstream checks the first bytes of a coded frame.
func validBitstream(pf v4l2.PixelFormat, b []byte) bool {
	switch pf {
	case v4l2.PixFmtFWHT:
		return bytes.HasPrefix(b, fwhtMagic)
	case v4l2.PixFmtH264:
		return bytes.HasPrefix(b, []byte{0, 0, 0, 1}) || bytes.HasPrefix(b, []byte{0, 0, 1})
	}
	return false
}
