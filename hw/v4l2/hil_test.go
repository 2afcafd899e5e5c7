//go:build hil && linux && (amd64 || arm64 || arm)

package v4l2

// Hardware-in-the-loop tests against a real V4L2 device. They are built
// only with -tags hil and then always run: a missing device is a failure,
// never a skip. Environment:
//
//	PICAM_V4L2_DEVICE      camera node (vivid's vid-cap node, a UVC camera, /dev/video0 on a Pi)
//	PICAM_V4L2_M2M_DEVICE  stateful encoder node (vicodec "stateful-encoder", bcm2835-codec /dev/video11)
//
//	PICAM_V4L2_DEVICE=/dev/video0 go test -tags hil -run HILCapture ./hw/v4l2/
//	PICAM_V4L2_M2M_DEVICE=/dev/video4 go test -tags hil -run HILEncoder ./hw/v4l2/

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func hilDevice(t *testing.T, env string) *Device {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Fatalf("%s is not set: the hil tests need a device (e.g. modprobe vivid, then %s=/dev/video0)", env, env)
	}
	d, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	t.Logf("%s: %s", path, d.Capability())
	return d
}

// pickFormat prefers YUYV (vivid, UVC, the legacy Pi camera all offer it),
// else the first uncompressed format.
func pickFormat(t *testing.T, fmts []FormatDesc) PixelFormat {
	t.Helper()
	for _, f := range fmts {
		if f.PixelFormat == PixFmtYUYV {
			return f.PixelFormat
		}
	}
	for _, f := range fmts {
		if f.Flags&FmtFlagCompressed == 0 {
			return f.PixelFormat
		}
	}
	t.Fatalf("no uncompressed format among %v", fmts)
	return 0
}

func TestHILCapture(t *testing.T) {
	d := hilDevice(t, "PICAM_V4L2_DEVICE")
	c := d.Capability()
	if !c.IsVideoCapture() || !c.Streaming() {
		t.Fatalf("not a streaming capture device: %v", c)
	}
	bt, err := c.CaptureType()
	if err != nil {
		t.Fatal(err)
	}
	fmts, err := d.EnumFormats(bt)
	if err != nil || len(fmts) == 0 {
		t.Fatalf("EnumFormats(%s) = %v, %v", bt, fmts, err)
	}
	t.Logf("%d formats, first %s %q", len(fmts), fmts[0].PixelFormat, fmts[0].Description)
	pf := pickFormat(t, fmts)
	sizes, err := d.EnumFrameSizes(pf)
	if err != nil || len(sizes) == 0 {
		t.Fatalf("EnumFrameSizes(%s) = %v, %v", pf, sizes, err)
	}
	t.Logf("sizes for %s: %+v (first of %d)", pf, sizes[0], len(sizes))
	ivals, err := d.EnumFrameIntervals(pf, sizes[0].MinWidth, sizes[0].MinHeight)
	if err != nil || len(ivals) == 0 {
		t.Errorf("EnumFrameIntervals = %v, %v", ivals, err)
	}

	want := PixFormat{Width: 640, Height: 480, PixelFormat: pf, Field: FieldNone}
	tried, err := d.TryFormat(bt, want)
	if err != nil {
		t.Fatalf("TryFormat: %v", err)
	}
	got, err := d.SetFormat(bt, want)
	if err != nil {
		t.Fatalf("SetFormat: %v", err)
	}
	t.Logf("SetFormat(%v) -> %v (try said %v)", want, got, tried)
	if got.Width == 0 || got.Height == 0 || got.SizeImage < got.BytesPerLine*got.Height || got.PixelFormat != pf {
		t.Fatalf("implausible negotiated format %v", got)
	}
	if got.Width != tried.Width || got.Height != tried.Height {
		t.Errorf("TryFormat %v disagrees with SetFormat %v", tried, got)
	}
	if back, err := d.GetFormat(bt); err != nil || back.Width != got.Width || back.SizeImage != got.SizeImage {
		t.Errorf("GetFormat = %v, %v; want %v", back, err, got)
	}
	if fps, err := d.SetFrameRate(15); err != nil {
		t.Errorf("SetFrameRate(15): %v", err)
	} else if now, err := d.GetFrameRate(); err != nil || now != fps {
		t.Errorf("GetFrameRate = %v, %v; SetFrameRate said %v", now, err, fps)
	}

	testControls(t, d)

	capture, err := d.StartCapture(4)
	if err != nil {
		t.Fatalf("StartCapture: %v", err)
	}
	t.Logf("capturing on %s with %d buffers", capture.BufType(), capture.Buffers())
	var prev Frame
	for i := 0; i < 10; i++ {
		f, err := capture.ReadFrame(5 * time.Second)
		if err != nil {
			t.Fatalf("ReadFrame %d: %v", i, err)
		}
		if len(f.Data) != int(got.SizeImage) {
			t.Errorf("frame %d: %d bytes, want sizeimage %d", i, len(f.Data), got.SizeImage)
		}
		if f.Timestamp <= 0 || f.Flags&BufFlagTimestampMask != BufFlagTimestampMonotonic {
			t.Errorf("frame %d: timestamp %v flags %#x, want a monotonic timestamp", i, f.Timestamp, f.Flags)
		}
		if i > 0 {
			if f.Sequence <= prev.Sequence || f.Timestamp <= prev.Timestamp {
				t.Errorf("frame %d: sequence %d after %d, timestamp %v after %v", i, f.Sequence, prev.Sequence, f.Timestamp, prev.Timestamp)
			}
			if &f.Data[0] == &prev.Data[0] {
				t.Errorf("frame %d reuses the previous frame's slice", i)
			}
		}
		prev = f
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err == nil {
		// Some drivers (vivid) stamp the expected end of exposure, which may
		// be slightly in the future; the point is the clock, not the value.
		if age := time.Duration(ts.Nano()) - prev.Timestamp; age < -time.Second || age > 10*time.Second {
			t.Errorf("last frame timestamp %v is %v away from CLOCK_MONOTONIC", prev.Timestamp, age)
		}
	}
	if err := capture.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if _, err := capture.ReadFrame(time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadFrame after Stop = %v, want ErrClosed", err)
	}
	// Buffers are freed, so the format can change again.
	if _, err := d.SetFormat(bt, PixFormat{Width: 320, Height: 240, PixelFormat: pf}); err != nil {
		t.Errorf("SetFormat after Stop: %v", err)
	}
	// With buffers but no streaming, Dequeue must not hang.
	if _, err := d.RequestBuffers(bt, 2); err != nil {
		t.Fatalf("RequestBuffers: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := d.Dequeue(ctx, bt); !errors.Is(err, ErrNotStreaming) {
		t.Errorf("Dequeue on a stopped queue = %v, want ErrNotStreaming", err)
	}
	if err := d.ReleaseBuffers(bt); err != nil {
		t.Errorf("ReleaseBuffers: %v", err)
	}
}

func testControls(t *testing.T, d *Device) {
	t.Helper()
	ctrls, err := d.QueryControls()
	if err != nil || len(ctrls) == 0 {
		t.Fatalf("QueryControls = %d controls, %v", len(ctrls), err)
	}
	byID := map[CtrlID]ControlInfo{}
	menus := 0
	for _, c := range ctrls {
		byID[c.ID] = c
		if c.IsMenu() {
			menus++
			if len(c.Menu) == 0 {
				t.Errorf("menu control %q has no entries", c.Name)
			}
			if _, ok := c.MenuItem(c.Default); !ok {
				t.Errorf("menu control %q: default %d is not an entry", c.Name, c.Default)
			}
		}
	}
	t.Logf("%d controls, %d menus", len(ctrls), menus)
	hflip, ok := byID[CtrlHFlip]
	if !ok {
		t.Log("no horizontal flip control; skipping the set/get checks that need it")
		return
	}
	if hflip.Type != CtrlTypeBoolean {
		t.Errorf("hflip type %s", hflip.Type)
	}
	if err := d.SetControl(CtrlHFlip, 1); err != nil {
		t.Fatalf("SetControl(hflip, 1): %v", err)
	}
	if v, err := d.GetControl(CtrlHFlip); err != nil || v != 1 {
		t.Errorf("GetControl(hflip) = %d, %v", v, err)
	}
	if err := d.SetControl(CtrlHFlip, 2); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("SetControl(hflip, 2) = %v, want ErrInvalidValue", err)
	}
	if err := d.SetExtControls(CtrlClassUser, ExtControl{ID: CtrlHFlip, Value: 0}); err != nil {
		t.Errorf("SetExtControls: %v", err)
	}
	got, err := d.GetExtControls(0, CtrlHFlip)
	if err != nil || len(got) != 1 || got[0].Value != 0 {
		t.Errorf("GetExtControls = %+v, %v", got, err)
	}
	if b, ok := byID[CtrlBrightness]; ok {
		if err := d.SetControl(CtrlBrightness, int32(b.Max)+1); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("brightness above max: %v", err)
		}
		neg, err := d.GetExtControls(CtrlClassUser, CtrlBrightness)
		if err != nil || neg[0].Value < b.Min || neg[0].Value > b.Max {
			t.Errorf("GetExtControls(brightness) = %+v, %v; range %d..%d", neg, err, b.Min, b.Max)
		}
	}
}

// fwhtMagic starts every frame vicodec's encoder produces.
var fwhtMagic = []byte{0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff}

func TestHILEncoder(t *testing.T) {
	d := hilDevice(t, "PICAM_V4L2_M2M_DEVICE")
	c := d.Capability()
	if !c.IsM2M() {
		t.Fatalf("not an M2M device: %v", c)
	}
	out, capT := BufTypeVideoOutput, BufTypeVideoCapture
	if c.IsMPlane() {
		out, capT = BufTypeVideoOutputMPlane, BufTypeVideoCaptureMPlane
	}
	coded, err := d.EnumFormats(capT)
	if err != nil || len(coded) == 0 {
		t.Fatalf("EnumFormats(%s) = %v, %v", capT, coded, err)
	}
	raw, err := d.EnumFormats(out)
	if err != nil || len(raw) == 0 {
		t.Fatalf("EnumFormats(%s) = %v, %v", out, raw, err)
	}
	t.Logf("coded %s (first of %d), raw %s (first of %d)", coded[0].PixelFormat, len(coded), raw[0].PixelFormat, len(raw))
	const w, h = 640, 480 // vicodec's minimum is 640x360
	cf, err := d.SetFormat(capT, PixFormat{Width: w, Height: h, PixelFormat: coded[0].PixelFormat})
	if err != nil {
		t.Fatalf("SetFormat(%s): %v", capT, err)
	}
	rawFmt := PixFmtYUV420
	if !hasFormat(raw, rawFmt) {
		rawFmt = raw[0].PixelFormat
	}
	of, err := d.SetFormat(out, PixFormat{Width: w, Height: h, PixelFormat: rawFmt})
	if err != nil {
		t.Fatalf("SetFormat(%s): %v", out, err)
	}
	t.Logf("encoder %v -> %v", of, cf)
	if _, err := d.SetFrameInterval(out, Fract{1, 30}); err != nil {
		t.Logf("SetFrameInterval(OUTPUT): %v (not all encoders support it)", err)
	}

	nOut, err := d.RequestBuffers(out, 2)
	if err != nil {
		t.Fatalf("RequestBuffers(%s): %v", out, err)
	}
	nCap, err := d.RequestBuffers(capT, 2)
	if err != nil {
		t.Fatalf("RequestBuffers(%s): %v", capT, err)
	}
	fd, err := d.ExportBuffer(capT, 0, 0, unix.O_CLOEXEC|unix.O_RDONLY)
	if err != nil {
		t.Errorf("ExportBuffer: %v", err)
	} else {
		unix.Close(fd)
	}
	for i := 0; i < nCap; i++ {
		if err := d.Queue(Buffer{Type: capT, Index: uint32(i)}); err != nil {
			t.Fatalf("Queue(%s %d): %v", capT, i, err)
		}
	}
	if err := d.StreamOn(out); err != nil {
		t.Fatalf("StreamOn(%s): %v", out, err)
	}
	if err := d.StreamOn(capT); err != nil {
		t.Fatalf("StreamOn(%s): %v", capT, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const frames = 6
	free := make([]uint32, 0, nOut)
	for i := 0; i < nOut; i++ {
		free = append(free, uint32(i))
	}
	for i := 0; i < frames; i++ {
		if len(free) == 0 {
			b, err := d.Dequeue(ctx, out)
			if err != nil {
				t.Fatalf("Dequeue(%s): %v", out, err)
			}
			free = append(free, b.Index)
		}
		idx := free[0]
		free = free[1:]
		planes, err := d.Mapping(out, int(idx))
		if err != nil {
			t.Fatal(err)
		}
		for p := range planes {
			fill := byte(16 + 20*i)
			for j := range planes[p] {
				planes[p][j] = fill + byte(j%7)
			}
		}
		stamp := time.Duration(i+1) * 33 * time.Millisecond
		inPlanes := make([]Plane, len(planes))
		for p, m := range planes {
			inPlanes[p].BytesUsed = uint32(len(m))
		}
		if len(of.Planes) > 0 {
			for p := range inPlanes {
				if p < len(of.Planes) {
					inPlanes[p].BytesUsed = of.Planes[p].SizeImage
				}
			}
		} else {
			inPlanes[0].BytesUsed = of.SizeImage
		}
		if err := d.Queue(Buffer{Type: out, Index: idx, Timestamp: stamp, Planes: inPlanes}); err != nil {
			t.Fatalf("Queue(%s %d): %v", out, idx, err)
		}
		b, err := d.Dequeue(ctx, capT)
		if err != nil {
			t.Fatalf("Dequeue(%s) frame %d: %v", capT, i, err)
		}
		if len(b.Data) == 0 || len(b.Data[0]) == 0 {
			t.Fatalf("frame %d: empty bitstream buffer %+v", i, b)
		}
		if coded[0].PixelFormat == PixFmtFWHT && !bytes.HasPrefix(b.Data[0], fwhtMagic) {
			t.Errorf("frame %d: does not start with the FWHT magic: % x", i, b.Data[0][:8])
		}
		if b.Timestamp != stamp {
			t.Errorf("frame %d: timestamp %v, want the OUTPUT timestamp %v copied through", i, b.Timestamp, stamp)
		}
		t.Logf("frame %d: %d bytes, flags %#x, seq %d", i, b.BytesUsed(), b.Flags, b.Sequence)
		if err := d.Queue(Buffer{Type: capT, Index: b.Index}); err != nil {
			t.Fatalf("re-Queue(%s): %v", capT, err)
		}
	}
	// Drain: STOP, then CAPTURE buffers until one carries the LAST flag.
	if err := d.EncoderCommand(EncoderCmdStop, 0); err != nil {
		t.Fatalf("EncoderCommand(STOP): %v", err)
	}
	sawLast := false
	for i := 0; i < 10 && !sawLast; i++ {
		b, err := d.Dequeue(ctx, capT)
		if err != nil {
			t.Fatalf("drain Dequeue: %v", err)
		}
		sawLast = b.IsLast()
		if !sawLast {
			if err := d.Queue(Buffer{Type: capT, Index: b.Index}); err != nil {
				t.Fatalf("drain re-Queue: %v", err)
			}
		}
	}
	if !sawLast {
		t.Fatal("no buffer with V4L2_BUF_FLAG_LAST after ENCODER_CMD STOP")
	}
	if _, err := d.Dequeue(ctx, capT); !errors.Is(err, unix.EPIPE) {
		t.Errorf("Dequeue after LAST = %v, want EPIPE", err)
	}
	if err := d.ReleaseBuffers(out); err != nil {
		t.Errorf("ReleaseBuffers(%s): %v", out, err)
	}
	if err := d.ReleaseBuffers(capT); err != nil {
		t.Errorf("ReleaseBuffers(%s): %v", capT, err)
	}
}

func hasFormat(fmts []FormatDesc, pf PixelFormat) bool {
	for _, f := range fmts {
		if f.PixelFormat == pf {
			return true
		}
	}
	return false
}

// TestHILDMABufImport exports the camera's capture buffers as dmabufs and
// queues them on the encoder's OUTPUT queue without copying: the zero-copy
// path for dma-contig cameras (unicam/ISP → bcm2835-codec).
func TestHILDMABufImport(t *testing.T) {
	cam := hilDevice(t, "PICAM_V4L2_DEVICE")
	enc := hilDevice(t, "PICAM_V4L2_M2M_DEVICE")
	camT, err := cam.Capability().CaptureType()
	if err != nil {
		t.Fatal(err)
	}
	out, capT := BufTypeVideoOutput, BufTypeVideoCapture
	if enc.Capability().IsMPlane() {
		out, capT = BufTypeVideoOutputMPlane, BufTypeVideoCaptureMPlane
	}
	const w, h = 640, 480
	cf, err := cam.SetFormat(camT, PixFormat{Width: w, Height: h, PixelFormat: PixFmtYUV420, Field: FieldNone})
	if err != nil || cf.PixelFormat != PixFmtYUV420 {
		t.Fatalf("camera SetFormat(YU12) = %v, %v", cf, err)
	}
	coded, err := enc.EnumFormats(capT)
	if err != nil || len(coded) == 0 {
		t.Fatalf("EnumFormats: %v", err)
	}
	if _, err := enc.SetFormat(capT, PixFormat{Width: w, Height: h, PixelFormat: coded[0].PixelFormat}); err != nil {
		t.Fatal(err)
	}
	of, err := enc.SetFormat(out, PixFormat{Width: w, Height: h, PixelFormat: PixFmtYUV420})
	if err != nil || of.SizeImage != cf.SizeImage {
		t.Fatalf("encoder OUTPUT %v (err %v) does not match camera %v", of, err, cf)
	}
	n, err := cam.RequestBuffers(camT, 3)
	if err != nil {
		t.Fatal(err)
	}
	fds := make([]int, n)
	for i := range fds {
		if fds[i], err = cam.ExportBuffer(camT, i, 0, unix.O_CLOEXEC|unix.O_RDWR); err != nil {
			t.Fatalf("ExportBuffer %d: %v", i, err)
		}
		defer unix.Close(fds[i])
		if err := cam.Queue(Buffer{Type: camT, Index: uint32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	slots, err := enc.RequestDMABufBuffers(out, n)
	if err != nil {
		t.Fatalf("RequestDMABufBuffers: %v", err)
	}
	if _, err := enc.Mapping(out, 0); err == nil {
		t.Error("Mapping of a DMABUF queue succeeded, want an error")
	}
	nCap, err := enc.RequestBuffers(capT, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < nCap; i++ {
		if err := enc.Queue(Buffer{Type: capT, Index: uint32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []func() error{
		func() error { return cam.StreamOn(camT) },
		func() error { return enc.StreamOn(out) },
		func() error { return enc.StreamOn(capT) },
	} {
		if err := step(); err != nil {
			t.Fatalf("StreamOn: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	inFlight := 0
	for i := 0; i < 5; i++ {
		cb, err := cam.Dequeue(ctx, camT)
		if err != nil {
			t.Fatalf("camera Dequeue: %v", err)
		}
		slot := uint32(i % slots)
		if inFlight == slots {
			ob, err := enc.Dequeue(ctx, out)
			if err != nil {
				t.Fatalf("encoder OUTPUT Dequeue: %v", err)
			}
			if ob.Memory != MemoryDMABuf || len(ob.Planes) == 0 || ob.Planes[0].FD < 0 {
				t.Errorf("dequeued OUTPUT buffer %+v lacks its dmabuf fd", ob)
			}
			inFlight--
		}
		in := Buffer{Type: out, Index: slot, Timestamp: cb.Timestamp,
			Planes: []Plane{{FD: int32(fds[cb.Index]), BytesUsed: cb.Planes[0].BytesUsed, Length: cb.Planes[0].Length}}}
		if err := enc.Queue(in); err != nil {
			t.Fatalf("encoder Queue(dmabuf fd %d): %v", fds[cb.Index], err)
		}
		inFlight++
		eb, err := enc.Dequeue(ctx, capT)
		if err != nil {
			t.Fatalf("encoder CAPTURE Dequeue: %v", err)
		}
		if eb.BytesUsed() == 0 || eb.Timestamp != cb.Timestamp {
			t.Errorf("frame %d: %d bytes, timestamp %v (camera %v)", i, eb.BytesUsed(), eb.Timestamp, cb.Timestamp)
		}
		t.Logf("frame %d: camera buffer %d (fd %d) -> %d bytes", i, cb.Index, fds[cb.Index], eb.BytesUsed())
		if err := enc.Queue(Buffer{Type: capT, Index: eb.Index}); err != nil {
			t.Fatal(err)
		}
		// vicodec has read the frame once the bitstream is out, so the
		// camera may refill the buffer now.
		if err := cam.Queue(Buffer{Type: camT, Index: cb.Index}); err != nil {
			t.Fatal(err)
		}
	}
}
