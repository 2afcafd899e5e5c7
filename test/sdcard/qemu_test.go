//go:build sdcard

package sdcard

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	imagePath = flag.String("image", "", "sdcard.img made by make sdcard (required)")
	bootLimit = flag.Duration("boot-limit", 120*time.Second, "bound on one QEMU boot (every boot is killed after it)")
)

// card is a private copy of the image with its kernel, DTB and initrd taken out of its FAT
// partition, as a Pi's firmware would read them (QEMU cannot run the GPU firmware).
type card struct {
	img, dir, cmdline string
	fatOffset         int64
	fwd               string // an extra option of every boot's user network (update_test.go's hostfwd=...), "" for none
	// netns, when set, runs QEMU in that network namespace with its NIC on the namespace's
	// tap0 instead of QEMU's user network (multicast_test.go).
	netns string
}

func newCard(t *testing.T) *card {
	t.Helper()
	if *imagePath == "" {
		t.Fatal("no -image: run make sdcard-test (it builds the image with make sdcard first)")
	}
	for _, tool := range []string{"qemu-system-aarch64", "mcopy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run bash buildroot/offline/deps.sh", tool)
		}
	}
	dir := t.TempDir()
	c := &card{img: filepath.Join(dir, "sdcard.img"), dir: dir}
	data, err := os.ReadFile(*imagePath)
	if err != nil {
		t.Fatalf("read the image: %v (run make sdcard)", err)
	}
	if err := os.WriteFile(c.img, data, 0o644); err != nil {
		t.Fatalf("copy the image: %v", err)
	}
	// MBR partition 1's first LBA is at byte 454.
	lba := uint32(data[454]) | uint32(data[455])<<8 | uint32(data[456])<<16 | uint32(data[457])<<24
	c.fatOffset = int64(lba) * 512
	for _, f := range []string{"vmlinuz", "initrd.img", "bcm2837-rpi-3-b.dtb", "cmdline.txt"} {
		c.mtools(t, "mcopy", "-o", "-i", c.fatImage(), "::"+f, filepath.Join(dir, f))
	}
	b, err := os.ReadFile(filepath.Join(dir, "cmdline.txt"))
	if err != nil {
		t.Fatalf("cmdline.txt from the card: %v", err)
	}
	c.cmdline = strings.TrimSpace(string(b))
	return c
}

func (c *card) fatImage() string { return fmt.Sprintf("%s@@%d", c.img, c.fatOffset) }

func (c *card) mtools(t *testing.T, tool string, args ...string) {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
}

// writeConf replaces picam.conf on the card's FAT partition, as a user does from a laptop.
func (c *card) writeConf(t *testing.T, conf string) {
	t.Helper()
	c.writeBoot(t, "picam.conf", conf)
}

// writeBoot writes a file to the card's FAT boot partition, as a user does from a laptop.
func (c *card) writeBoot(t *testing.T, name, content string) {
	t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	c.mtools(t, "mcopy", "-o", "-i", c.fatImage(), p, "::"+name)
}

// deleteBoot removes a file from the card's FAT boot partition.
func (c *card) deleteBoot(t *testing.T, name string) {
	t.Helper()
	c.mtools(t, "mdel", "-i", c.fatImage(), "::"+name)
}

// sum is the SHA-256 of the whole card.
func (c *card) sum(t *testing.T) [sha256.Size]byte {
	t.Helper()
	f, err := os.Open(c.img)
	if err != nil {
		t.Fatalf("open the card: %v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("hash the card: %v", err)
	}
	var s [sha256.Size]byte
	copy(s[:], h.Sum(nil))
	return s
}

// guest is one QEMU raspi3b boot of the card; its serial console is collected in log.
type guest struct {
	cmd   *exec.Cmd
	start time.Time
	done  chan struct{}
	mu    sync.Mutex
	log   bytes.Buffer
}

// boot starts QEMU on the card; netdev are extra options of its user network ("hostfwd=...").
func (c *card) boot(t *testing.T, netdev ...string) *guest {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), *bootLimit)
	// The card's own kernel command line; vchiq is kept out because QEMU has no VideoCore (the
	// driver oopses without one), which is also why the server falls back to its test pattern.
	if c.fwd != "" {
		netdev = append(netdev, c.fwd)
	}
	nic := strings.Join(append([]string{"user,id=n0"}, netdev...), ",")
	qemu := []string{"qemu-system-aarch64"}
	if c.netns != "" {
		nic = "tap,id=n0,ifname=tap0,script=no,downscript=no"
		qemu = []string{"ip", "netns", "exec", c.netns, "qemu-system-aarch64"} // ip execs QEMU: same process
	}
	cmd := exec.CommandContext(ctx, qemu[0], append(qemu[1:], "-M", "raspi3b", "-accel", "tcg,thread=single",
		"-m", "1G", "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
		"-kernel", filepath.Join(c.dir, "vmlinuz"), "-dtb", filepath.Join(c.dir, "bcm2837-rpi-3-b.dtb"),
		"-initrd", filepath.Join(c.dir, "initrd.img"), "-append", c.cmdline+" module_blacklist=vchiq",
		"-drive", "file="+c.img+",if=sd,format=raw",
		"-netdev", nic, "-device", "usb-net,netdev=n0")...)
	g := &guest{cmd: cmd, done: make(chan struct{})}
	w := writerFunc(func(p []byte) (int, error) { g.mu.Lock(); defer g.mu.Unlock(); return g.log.Write(p) })
	cmd.Stdout, cmd.Stderr = w, w
	g.start = time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start QEMU: %v", err)
	}
	// Ends when QEMU does: killed by kill, or by the context at the boot limit.
	go func() { cmd.Wait(); cancel(); close(g.done) }()
	t.Cleanup(g.kill)
	return g
}

// kill is the hard reset: QEMU is killed, the guest gets no chance to shut down.
func (g *guest) kill() {
	g.cmd.Process.Kill()
	<-g.done
}

func (g *guest) serial() string { g.mu.Lock(); defer g.mu.Unlock(); return g.log.String() }

// waitConsole waits for marker on the serial console ("" = any output at all) and reports
// whether it came before QEMU ended (the boot limit ends it).
func (g *guest) waitConsole(marker string) bool {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s := g.serial()
		if (marker == "" && s != "") || (marker != "" && strings.Contains(s, marker)) {
			return true
		}
		select {
		case <-g.done:
			return false
		case <-tick.C:
		}
	}
}

// cpuSeconds is the CPU time QEMU has used so far (user + system, in USER_HZ ticks of 1/100 s,
// which is what Linux reports on every architecture Go runs this test on).
func (g *guest) cpuSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", g.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after "(comm)": state is field 3, utime 14 and stime 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
