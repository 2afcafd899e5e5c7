package codec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync"
	"syscall"
	"time"

	"github.com/picam-project/picam/av/h264"
	"github.com/picam-project/picam/hw/v4l2"
)

// fakeM2M is an in-memory stateful encoder with bcm2835-codec's habits:
// multi-planar queues, YU12 strides aligned to 64 bytes and heights to 16
// lines, a force-keyframe control, and H.264 access units with SPS/PPS
// before each IDR. Each "encoded" picture carries the CRC of the visible
// raw picture it was given, so tests can check what the encoder received.
type fakeM2M struct {
	mu       sync.Mutex
	raw      []v4l2.PixelFormat
	coded    []v4l2.PixelFormat
	ctrls    map[v4l2.CtrlID]v4l2.ControlInfo
	set      map[v4l2.CtrlID]int64
	strideAl int // bytesperline alignment of raw formats
	heightAl int // height alignment of raw formats

	capFmt, outFmt v4l2.PixFormat
	outBufs        [][]byte
	capBufs        int
	dmabuf         bool
	streaming      map[v4l2.BufType]bool

	capFree  []uint32 // CAPTURE buffers queued by the user
	capDone  chan v4l2.Buffer
	outDone  chan v4l2.Buffer
	closed   chan struct{}
	frames   int
	gop      int
	force    bool
	received [][]byte // visible raw pictures, as the fake read them

	// Misbehaviours for tests.
	headersApart bool // first frame's SPS/PPS in a buffer of their own
	noRepeat     bool // SPS/PPS only before the first IDR
	stale        bool // produce one extra stale buffer before the next frame
	mute         bool // hold the output back until late is called
	held         []v4l2.Buffer
	corrupt      bool // mark the next bitstream buffer as an error
	dmabufFDs    []int32

	// Raspberry Pi habits the virtual drivers lack.
	maxSize   int           // clamp sizes to this on each side (bcm2835-codec: 1920)
	askedSize uint32        // the CAPTURE sizeimage S_FMT was asked for
	idrBytes  int           // pad IDR pictures to this size, so they span buffers
	holdBack  bool          // keep each frame's bitstream until the next frame is queued
	held1     []v4l2.Buffer // what holdBack keeps
	strict25M bool          // STREAMON fails above 20 Mbit/s at level 4.0 (raspberrypi/linux#4938)
	latency   time.Duration // deliver each bitstream this long after its frame (a pipelined firmware)
	delayed   chan delayedBuf
}

// delayedBuf is a bitstream buffer the latency mode delivers at due.
type delayedBuf struct {
	due time.Time
	b   v4l2.Buffer
}

func newFakeM2M() *fakeM2M {
	info := func(id v4l2.CtrlID, typ v4l2.CtrlType, lo, hi int64, step uint64) v4l2.ControlInfo {
		return v4l2.ControlInfo{ID: id, Type: typ, Min: lo, Max: hi, Step: step}
	}
	return &fakeM2M{
		raw:   []v4l2.PixelFormat{v4l2.PixFmtYUV420, v4l2.PixFmtNV12, v4l2.PixFmtYUYV, v4l2.PixFmtBGR24},
		coded: []v4l2.PixelFormat{v4l2.PixFmtH264, v4l2.PixFmtMJPEG},
		ctrls: map[v4l2.CtrlID]v4l2.ControlInfo{
			v4l2.CtrlMPEGVideoBitrate:         info(v4l2.CtrlMPEGVideoBitrate, v4l2.CtrlTypeInteger, 25000, 25000000, 25000),
			v4l2.CtrlMPEGVideoH264IPeriod:     info(v4l2.CtrlMPEGVideoH264IPeriod, v4l2.CtrlTypeInteger, 0, 1<<31-1, 1),
			v4l2.CtrlMPEGVideoRepeatSeqHeader: info(v4l2.CtrlMPEGVideoRepeatSeqHeader, v4l2.CtrlTypeBoolean, 0, 1, 1),
			v4l2.CtrlMPEGVideoForceKeyFrame:   info(v4l2.CtrlMPEGVideoForceKeyFrame, v4l2.CtrlTypeButton, 0, 0, 0),
			v4l2.CtrlMPEGVideoH264Profile:     info(v4l2.CtrlMPEGVideoH264Profile, v4l2.CtrlTypeMenu, 0, 4, 1),
			v4l2.CtrlMPEGVideoH264Level:       info(v4l2.CtrlMPEGVideoH264Level, v4l2.CtrlTypeMenu, 0, 15, 1),
			v4l2.CtrlJPEGCompressionQuality:   info(v4l2.CtrlJPEGCompressionQuality, v4l2.CtrlTypeInteger, 1, 100, 1),
		},
		set:       map[v4l2.CtrlID]int64{},
		strideAl:  64,
		heightAl:  16,
		streaming: map[v4l2.BufType]bool{},
		capDone:   make(chan v4l2.Buffer, 64),
		outDone:   make(chan v4l2.Buffer, 64),
		closed:    make(chan struct{}),
		gop:       60,
	}
}

func (d *fakeM2M) Path() string { return "/dev/fake-codec" }

func (d *fakeM2M) Capability() v4l2.Capability {
	caps := v4l2.CapVideoM2MMPlane | v4l2.CapStreaming
	return v4l2.Capability{Driver: "fake-codec", Card: "fake encoder", Capabilities: caps | v4l2.CapDeviceCaps, DeviceCaps: caps}
}

func (d *fakeM2M) EnumFormats(t v4l2.BufType) ([]v4l2.FormatDesc, error) {
	list := d.raw
	if t == v4l2.BufTypeVideoCaptureMPlane {
		list = d.coded
	}
	var out []v4l2.FormatDesc
	for i, pf := range list {
		out = append(out, v4l2.FormatDesc{Index: uint32(i), Type: t, PixelFormat: pf})
	}
	return out, nil
}

func align(v, a int) int { return (v + a - 1) / a * a }

func (d *fakeM2M) SetFormat(t v4l2.BufType, f v4l2.PixFormat) (v4l2.PixFormat, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.maxSize > 0 {
		// bcm2835-codec clamps to its limit instead of failing.
		f.Width, f.Height = min(f.Width, uint32(d.maxSize)), min(f.Height, uint32(d.maxSize))
	}
	if t == v4l2.BufTypeVideoCaptureMPlane {
		// bcm2835-codec's default, or a larger size asked for.
		d.askedSize = f.SizeImage
		def := uint32(512 << 10)
		if f.Width*f.Height > 1280*720 {
			def = 768 << 10
		}
		f.SizeImage = max(f.SizeImage, def)
		d.capFmt = f
		return f, nil
	}
	w, h := int(f.Width), align(int(f.Height), d.heightAl)
	var stride, size int
	switch f.PixelFormat {
	case v4l2.PixFmtYUV420:
		stride = align(w, d.strideAl)
		size = stride * h * 3 / 2
	case v4l2.PixFmtNV12:
		stride = align(w, 32)
		size = stride * h * 3 / 2
	case v4l2.PixFmtYUYV:
		stride = align(2*w, d.strideAl)
		size = stride * h
	default:
		stride = align(3*w, d.strideAl)
		size = stride * h
	}
	f.Height, f.BytesPerLine, f.SizeImage = uint32(h), uint32(stride), uint32(size)
	f.Planes = []v4l2.PlaneFormat{{SizeImage: uint32(size), BytesPerLine: uint32(stride)}}
	d.outFmt = f
	return f, nil
}

func (d *fakeM2M) SetFrameInterval(v4l2.BufType, v4l2.Fract) (v4l2.Fract, error) {
	return v4l2.Fract{}, fmt.Errorf("fake: no frame interval")
}

func (d *fakeM2M) QueryControl(id v4l2.CtrlID) (v4l2.ControlInfo, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.ctrls[id]
	if !ok {
		return v4l2.ControlInfo{}, fmt.Errorf("control 0x%08x: %w", uint32(id), syscall.EINVAL)
	}
	return c, nil
}

func (d *fakeM2M) SetExtControls(class v4l2.CtrlClass, cs ...v4l2.ExtControl) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range cs {
		info, ok := d.ctrls[c.ID]
		if !ok {
			return syscall.EINVAL
		}
		if err := info.Validate(c.Value); err != nil {
			return err
		}
		if v4l2.CtrlClassOf(c.ID) != class {
			return fmt.Errorf("fake: control 0x%08x is not in class 0x%08x", uint32(c.ID), uint32(class))
		}
		d.set[c.ID] = c.Value
		if c.ID == v4l2.CtrlMPEGVideoForceKeyFrame {
			d.force = true
		}
	}
	return nil
}

func (d *fakeM2M) RequestBuffers(t v4l2.BufType, n int) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t == v4l2.BufTypeVideoOutputMPlane {
		d.outBufs = make([][]byte, n)
		for i := range d.outBufs {
			d.outBufs[i] = make([]byte, d.outFmt.SizeImage)
		}
		return n, nil
	}
	d.capBufs = n
	return n, nil
}

func (d *fakeM2M) RequestDMABufBuffers(t v4l2.BufType, n int) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dmabuf = true
	d.outBufs = make([][]byte, n)
	return n, nil
}

func (d *fakeM2M) Mapping(t v4l2.BufType, i int) ([][]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return [][]byte{d.outBufs[i]}, nil
}

func (d *fakeM2M) StreamOn(t v4l2.BufType) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.strict25M && t == v4l2.BufTypeVideoOutputMPlane {
		level, ok := d.set[v4l2.CtrlMPEGVideoH264Level]
		if !ok {
			level = v4l2.H264Level4_0 // the driver's default
		}
		if d.set[v4l2.CtrlMPEGVideoBitrate] > 20_000_000 && level <= v4l2.H264Level4_0 {
			return fmt.Errorf("fake: VIDIOC_STREAMON: %w", syscall.ESRCH) // "Failed enabling i/p port, ret -3"
		}
	}
	d.streaming[t] = true
	if d.latency > 0 && d.delayed == nil {
		d.delayed = make(chan delayedBuf, 64)
		go d.deliver()
	}
	return nil
}

// deliver hands out bitstream buffers at their due time, in order: a
// firmware with several frames in its pipeline.
func (d *fakeM2M) deliver() {
	for {
		select {
		case db := <-d.delayed:
			select {
			case <-time.After(time.Until(db.due)):
			case <-d.closed:
				return
			}
			d.capDone <- db.b
		case <-d.closed:
			return
		}
	}
}

func (d *fakeM2M) Close() error {
	select {
	case <-d.closed:
	default:
		close(d.closed)
	}
	return nil
}

func (d *fakeM2M) Dequeue(ctx context.Context, t v4l2.BufType) (v4l2.Buffer, error) {
	ch := d.capDone
	if t == v4l2.BufTypeVideoOutputMPlane {
		ch = d.outDone
	}
	select {
	case b := <-ch: // a ready buffer comes first, as DQBUF tries before polling
		return b, nil
	default:
	}
	select {
	case b := <-ch:
		return b, nil
	case <-d.closed:
		return v4l2.Buffer{}, v4l2.ErrClosed
	case <-ctx.Done():
		return v4l2.Buffer{}, fmt.Errorf("fake: %w", v4l2.ErrTimeout)
	}
}

// Queue takes CAPTURE buffers into the free list and "encodes" OUTPUT
// buffers into the next free CAPTURE buffer.
func (d *fakeM2M) Queue(b v4l2.Buffer) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.streaming[b.Type] && b.Type == v4l2.BufTypeVideoOutputMPlane {
		return fmt.Errorf("fake: queue before stream on")
	}
	if b.Type == v4l2.BufTypeVideoCaptureMPlane {
		d.capFree = append(d.capFree, b.Index)
		return nil
	}
	var pic []byte
	if d.dmabuf {
		d.dmabufFDs = append(d.dmabufFDs, b.Planes[0].FD)
		pic = []byte(fmt.Sprint(b.Planes[0].FD))
	} else {
		if int(b.Planes[0].BytesUsed) != int(d.outFmt.SizeImage) {
			return fmt.Errorf("fake: bytesused %d, want %d", b.Planes[0].BytesUsed, d.outFmt.SizeImage)
		}
		pic = d.visible(d.outBufs[b.Index])
	}
	d.received = append(d.received, pic)
	d.outDone <- v4l2.Buffer{Type: b.Type, Index: b.Index}
	for _, h := range d.held1 {
		d.capDone <- h // the frame held back comes out when the next one goes in
	}
	d.held1 = nil
	emit := func(data []byte, flags v4l2.BufFlag, ts time.Duration) {
		for {
			if len(d.capFree) == 0 {
				panic("fake: no free capture buffer")
			}
			idx := d.capFree[0]
			d.capFree = d.capFree[1:]
			if d.corrupt {
				flags |= v4l2.BufFlagError
				d.corrupt = false
			}
			// A bitstream larger than the buffer fills it and goes on in the
			// next one, with the same timestamp.
			n := min(len(data), int(d.capFmt.SizeImage))
			out := v4l2.Buffer{Type: v4l2.BufTypeVideoCaptureMPlane, Index: idx, Flags: flags, Timestamp: ts, Data: [][]byte{data[:n]},
				Planes: []v4l2.Plane{{BytesUsed: uint32(n), Length: d.capFmt.SizeImage}}}
			data = data[n:]
			switch {
			case d.mute:
				d.held = append(d.held, out)
			case d.holdBack:
				d.held1 = append(d.held1, out)
			case d.latency > 0:
				d.delayed <- delayedBuf{due: time.Now().Add(d.latency), b: out}
			default:
				d.capDone <- out
			}
			if len(data) == 0 {
				return
			}
		}
	}
	if d.stale {
		d.stale = false
		emit(annexB(tSlice), 0, b.Timestamp-time.Millisecond)
	}
	crc := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(pic))
	if d.capFmt.PixelFormat != v4l2.PixFmtH264 {
		// A JPEG skeleton without Huffman tables, as MJPEG encoders write
		// them: SOI, SOS carrying the CRC, EOI.
		jpg := append([]byte{0xff, 0xd8, 0xff, 0xda, 0, 6}, crc...)
		emit(append(jpg, 0xff, 0xd9), v4l2.BufFlagKeyFrame, b.Timestamp)
		d.frames++
		return nil
	}
	key := d.frames%d.gop == 0 || d.force
	d.force = false
	payload := append([]byte{0x65, 0x88}, crc...)
	payload = append(payload, 0x80)
	if key && d.idrBytes > len(payload) {
		// Filler inside the slice (no start codes in it).
		payload = append(payload, bytes.Repeat([]byte{0x5a}, d.idrBytes-len(payload))...)
	}
	if !key {
		payload[0] = 0x41
		emit(annexB(payload), v4l2.BufFlagPFrame, b.Timestamp)
	} else {
		var au []byte
		if d.frames == 0 && d.headersApart {
			emit(annexB(tSPS, tPPS), 0, b.Timestamp)
			au = annexB(payload)
		} else if d.frames > 0 && d.noRepeat {
			au = annexB(payload)
		} else {
			au = annexB(tSPS, tPPS, payload)
		}
		emit(au, v4l2.BufFlagKeyFrame, b.Timestamp)
	}
	d.frames++
	return nil
}

// late delivers the output held back while mute.
func (d *fakeM2M) late() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, b := range d.held {
		d.capDone <- b
	}
	d.held = nil
}

// visible extracts the visible picture from a raw buffer, undoing the
// stride and height padding.
func (d *fakeM2M) visible(buf []byte) []byte {
	w, h := int(d.capFmt.Width), int(d.capFmt.Height)
	s, rows := int(d.outFmt.BytesPerLine), int(d.outFmt.Height)
	var out []byte
	rowsOf := func(off, stride, rowBytes, n int) {
		for y := 0; y < n; y++ {
			out = append(out, buf[off+y*stride:off+y*stride+rowBytes]...)
		}
	}
	switch d.outFmt.PixelFormat {
	case v4l2.PixFmtYUV420:
		rowsOf(0, s, w, h)
		rowsOf(s*rows, s/2, w/2, h/2)
		rowsOf(s*rows+(s/2)*(rows/2), s/2, w/2, h/2)
	case v4l2.PixFmtNV12:
		rowsOf(0, s, w, h)
		rowsOf(s*rows, s, w, h/2)
	case v4l2.PixFmtYUYV:
		rowsOf(0, s, 2*w, h)
	default:
		rowsOf(0, s, 3*w, h)
	}
	return out
}

// auCRC returns the CRC a fake access unit carries.
func auCRC(au []byte) (uint32, bool) {
	for nal := range h264.NALUnits(au) {
		if h264.TypeOf(nal).IsSlice() && len(nal) >= 6 {
			return binary.BigEndian.Uint32(nal[2:6]), true
		}
	}
	return 0, false
}
