// Package v4l2 is a small pure-Go (no cgo) binding of the Linux Video4Linux2
// API, built on golang.org/x/sys/unix. It is the foundation of picam's camera
// sources and of its V4L2 memory-to-memory (M2M) hardware encoders.
//
// # Why not go4vl
//
// go4vl is the obvious library, and this package borrows its names (Open,
// Capability, PixFormat, SetFrameRate, QueryControls, …) so that its users
// feel at home. It is not used because it needs cgo and the system V4L2
// headers, does not compile for 32-bit ARM (GOARCH=arm), does not compile
// against Debian 12's kernel headers, hard-codes -I/usr/include (which
// Buildroot's toolchain wrapper rejects), and handles only single-planar
// buffers, so it cannot drive the multi-planar bcm2835-codec encoder at
// /dev/video11.
//
// # How the kernel ABI is mirrored
//
// Every structure passed to an ioctl is mirrored as a Go struct with the same
// memory layout, and every ioctl number is computed from unsafe.Sizeof of that
// struct (the approach of github.com/blackjack/webcam), so the numbers follow
// the layout on every architecture. The test suite checks each size, the
// important field offsets and every ioctl number against values printed by a
// C program compiled against the kernel headers for amd64, arm64 and armhf
// (testdata/golden/gen.sh regenerates them).
//
// Unions are mirrored as byte arrays with the union's alignment; 64-bit
// fields on 32-bit ARM, where Go aligns int64 to 4 bytes but the ARM EABI
// aligns it to 8, get explicit padding.
//
// # struct timeval on 32-bit ARM
//
// struct v4l2_buffer embeds a struct timeval, so its size (and therefore the
// ioctl numbers of VIDIOC_QUERYBUF, VIDIOC_QBUF and VIDIOC_DQBUF) depends on
// the width of time_t in user space. Since Linux 5.6 the kernel's native
// 32-bit ABI for these ioctls uses a 64-bit time_t (an 80-byte struct,
// VIDIOC_QBUF = 0xc050560f); the 32-bit time_t layout (68 bytes, 0xc044560f,
// what Debian 12 armhf's C headers still produce by default) is accepted as a
// compatibility alias only when the kernel is built with
// CONFIG_COMPAT_32BIT_TIME. On GOARCH=arm this package therefore uses the
// 64-bit time layout first, and if the kernel rejects it with ENOTTY (kernels
// older than 5.6) it switches that Device to the 32-bit layout for good. On
// amd64 and arm64 there is only one layout (88 bytes). Callers never see
// either: Buffer.Timestamp is a time.Duration.
//
// # Streaming model
//
// Devices are opened non-blocking. Dequeue waits with poll(2) and always
// returns when a buffer is ready, the context is done, its deadline passes,
// or the Device is closed; it never blocks forever in the kernel. Buffer
// memory is mapped with mmap(2) when buffers are requested and unmapped by
// ReleaseBuffers or Close. Close waits for in-flight calls (waking pollers),
// so memory is never unmapped under a reader.
//
// For simple capture, StartCapture returns a Capture whose ReadFrame copies
// each frame into a fresh slice and re-queues the buffer at once, so the
// driver never runs out of buffers because a consumer holds on to a frame.
//
// The package supports linux/amd64, linux/arm64 and linux/arm (GOARM=6 or 7);
// elsewhere Open returns ErrUnsupported so dependents still compile.
package v4l2
