//go:build linux

package main

// A minimal mirror of the GPIO character device uAPI v2 (linux/gpio.h), so the
// probe can check the kernel side independently of periph, which hw/status
// uses. The layouts contain only naturally aligned fields (the kernel uses
// __aligned_u64 and explicit padding), so they are the same on amd64, arm64
// and 32-bit arm; gpiocdev_test.go checks the sizes.

import (
	"bytes"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	gpioNameSize  = 32
	gpioLinesMax  = 64
	gpioAttrsMax  = 10
	lineFlagInput = 1 << 2
	lineFlagOut   = 1 << 3
	attrOutValues = 2 // GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES
)

type gpioChipInfo struct {
	Name  [gpioNameSize]byte
	Label [gpioNameSize]byte
	Lines uint32
}

type gpioLineAttribute struct {
	ID      uint32
	Padding uint32
	Value   uint64 // union of flags, values and debounce_period_us
}

type gpioLineConfigAttribute struct {
	Attr gpioLineAttribute
	Mask uint64
}

type gpioLineConfig struct {
	Flags    uint64
	NumAttrs uint32
	Padding  [5]uint32
	Attrs    [gpioAttrsMax]gpioLineConfigAttribute
}

type gpioLineRequest struct {
	Offsets         [gpioLinesMax]uint32
	Consumer        [gpioNameSize]byte
	Config          gpioLineConfig
	NumLines        uint32
	EventBufferSize uint32
	Padding         [5]uint32
	FD              int32
}

type gpioLineValues struct {
	Bits uint64
	Mask uint64
}

type gpioLineInfo struct {
	Name     [gpioNameSize]byte
	Consumer [gpioNameSize]byte
	Offset   uint32
	NumAttrs uint32
	Flags    uint64
	Attrs    [gpioAttrsMax]gpioLineAttribute
	Padding  [4]uint32
}

// iocNum builds an _IOR/_IOWR number the way asm-generic/ioctl.h does (the
// encoding amd64, arm and arm64 share).
func iocNum(dir, nr, size uintptr) uintptr { return dir<<30 | size<<16 | 0xB4<<8 | nr }

const (
	iocRead  = 2
	iocWrite = 1
)

var (
	gpioGetChipInfo   = iocNum(iocRead, 0x01, unsafe.Sizeof(gpioChipInfo{}))
	gpioGetLineInfo   = iocNum(iocRead|iocWrite, 0x05, unsafe.Sizeof(gpioLineInfo{}))
	gpioGetLine       = iocNum(iocRead|iocWrite, 0x07, unsafe.Sizeof(gpioLineRequest{}))
	gpioLineGetValues = iocNum(iocRead|iocWrite, 0x0E, unsafe.Sizeof(gpioLineValues{}))
	gpioLineSetValues = iocNum(iocRead|iocWrite, 0x0F, unsafe.Sizeof(gpioLineValues{}))
)

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// gpioChip is an open /dev/gpiochipN.
type gpioChip struct {
	f    *os.File
	info gpioChipInfo
}

func openChip(path string) (*gpioChip, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	c := &gpioChip{f: f}
	if err := ioctl(int(f.Fd()), gpioGetChipInfo, unsafe.Pointer(&c.info)); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s GPIO_GET_CHIPINFO: %w", path, err)
	}
	return c, nil
}

func (c *gpioChip) Close() error { return c.f.Close() }

// lineByName returns the offset of the line called name.
func (c *gpioChip) lineByName(name string) (uint32, error) {
	for off := uint32(0); off < c.info.Lines; off++ {
		li := gpioLineInfo{Offset: off}
		if err := ioctl(int(c.f.Fd()), gpioGetLineInfo, unsafe.Pointer(&li)); err != nil {
			return 0, fmt.Errorf("%s GPIO_V2_GET_LINEINFO %d: %w", c.f.Name(), off, err)
		}
		if cstring(li.Name[:]) == name {
			return off, nil
		}
	}
	return 0, fmt.Errorf("%s (%s) has no line named %q", c.f.Name(), cstring(c.info.Label[:]), name)
}

// gpioLine is a requested line; its fd carries the request.
type gpioLine struct{ fd int }

// request asks for one line as an input, or as an output driven to value.
func (c *gpioChip) request(off uint32, output bool, value int) (*gpioLine, error) {
	var r gpioLineRequest
	r.Offsets[0] = off
	r.NumLines = 1
	copy(r.Consumer[:], "picam-hil-probe")
	r.Config.Flags = lineFlagInput
	if output {
		r.Config.Flags = lineFlagOut
		r.Config.NumAttrs = 1
		r.Config.Attrs[0] = gpioLineConfigAttribute{Attr: gpioLineAttribute{ID: attrOutValues, Value: uint64(value & 1)}, Mask: 1}
	}
	if err := ioctl(int(c.f.Fd()), gpioGetLine, unsafe.Pointer(&r)); err != nil {
		return nil, fmt.Errorf("%s GPIO_V2_GET_LINE offset %d: %w", c.f.Name(), off, err)
	}
	return &gpioLine{fd: int(r.FD)}, nil
}

func (l *gpioLine) get() (int, error) {
	v := gpioLineValues{Mask: 1}
	if err := ioctl(l.fd, gpioLineGetValues, unsafe.Pointer(&v)); err != nil {
		return 0, fmt.Errorf("GPIO_V2_LINE_GET_VALUES: %w", err)
	}
	return int(v.Bits & 1), nil
}

func (l *gpioLine) set(value int) error {
	v := gpioLineValues{Bits: uint64(value & 1), Mask: 1}
	if err := ioctl(l.fd, gpioLineSetValues, unsafe.Pointer(&v)); err != nil {
		return fmt.Errorf("GPIO_V2_LINE_SET_VALUES: %w", err)
	}
	return nil
}

func (l *gpioLine) Close() error { return unix.Close(l.fd) }
