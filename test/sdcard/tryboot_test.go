package sdcard

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/picam-project/picam/update"
)

// The Buildroot image's boot partition for A/B updates by the Pi firmware's tryboot flag, made
// by the real post-image.sh with genimage from stand-in firmware files: tryboot.txt is
// config.txt plus cmdline=cmdline-tryboot.txt, cmdline-tryboot.txt starts as cmdline.txt (slot
// A), rauc/ holds a valid first state, and the image has the scripts that use them. What this
// cannot check: that the firmware honours the tryboot flag on a Pi 3 or Zero 2 W, and that
// Buildroot's rpi-userland builds vcmailbox for aarch64 (no Buildroot build here).
func TestBuildrootTrybootBootPartition(t *testing.T) {
	for _, tool := range []string{"genimage", "mcopy", "mkdosfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: make deps (genimage mtools dosfstools)", tool)
		}
	}
	d := t.TempDir()
	bin, fw := filepath.Join(d, "images"), filepath.Join(d, "images", "rpi-firmware")
	os.MkdirAll(fw, 0o755)
	os.MkdirAll(filepath.Join(d, "build"), 0o755)
	cmdline, err := os.ReadFile(filepath.Join(br, "board/picam/cmdline.txt"))
	if err != nil {
		t.Fatal(err)
	}
	config, _ := os.ReadFile(filepath.Join(br, "board/picam/config_rpi3.txt"))
	for name, data := range map[string][]byte{"rpi-firmware/config.txt": config, "rpi-firmware/cmdline.txt": cmdline,
		"rpi-firmware/bootcode.bin": []byte("stand-in"), "Image": []byte("stand-in"), "bcm2710-rpi-3-b.dtb": []byte("stand-in"),
		"rootfs.squashfs": make([]byte, 4096)} {
		os.WriteFile(filepath.Join(bin, name), data, 0o644)
	}
	ext, _ := filepath.Abs(br)
	cmd := exec.Command("bash", filepath.Join(ext, "board/picam/post-image.sh"))
	cmd.Env = append(os.Environ(), "BINARIES_DIR="+bin, "BUILD_DIR="+filepath.Join(d, "build"), "BR2_EXTERNAL_PICAM_PATH="+ext)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("post-image.sh: %v\n%s", err, out)
	}
	img := filepath.Join(bin, "sdcard.img")
	data, err := os.ReadFile(img)
	if err != nil || len(data) < 512 {
		t.Fatalf("post-image.sh made no sdcard.img: %v", err)
	}
	lba := int64(data[454]) | int64(data[455])<<8 | int64(data[456])<<16 | int64(data[457])<<24
	fat := img + "@@" + strconv.FormatInt(lba*512, 10)
	out := filepath.Join(d, "out")
	os.MkdirAll(filepath.Join(out, "rauc"), 0o755)
	for _, f := range []string{"config.txt", "tryboot.txt", "cmdline.txt", "cmdline-tryboot.txt", "rauc/state0", "rauc/state1"} {
		c := exec.Command("mcopy", "-n", "-i", fat, "::"+f, filepath.Join(out, f))
		c.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
		if o, err := c.CombinedOutput(); err != nil {
			t.Fatalf("the boot partition has no %s: %v\n%s", f, err, o)
		}
	}
	get := func(f string) string { b, _ := os.ReadFile(filepath.Join(out, f)); return string(b) }
	if tb := get("tryboot.txt"); !strings.HasPrefix(tb, get("config.txt")) || !strings.HasSuffix(tb, "\ncmdline=cmdline-tryboot.txt\n") {
		t.Errorf("tryboot.txt is not config.txt with cmdline=cmdline-tryboot.txt at the end:\n%s", tb)
	}
	if get("cmdline-tryboot.txt") != string(cmdline) || !strings.Contains(string(cmdline), "root=/dev/mmcblk0p2 ") {
		t.Errorf("cmdline-tryboot.txt %q; want cmdline.txt %q with root=/dev/mmcblk0p2 (slot A)", get("cmdline-tryboot.txt"), cmdline)
	}
	mounts := filepath.Join(d, "mounts")
	os.WriteFile(mounts, []byte("/dev/mmcblk0p2 / squashfs ro 0 0\n"), 0o644)
	s, err := update.ReadSlots(filepath.Join(out, "rauc"), mounts)
	if err != nil || s.Primary != "A" || s.States["A"] != "good" || s.States["B"] != "bad" || s.Trial != "" {
		t.Errorf("the boot partition's first slot state: %+v, %v; want A primary and good, B bad", s, err)
	}
	for _, f := range []string{"board/picam/rootfs-overlay/usr/lib/picam/tryboot.sh", "board/picam/rootfs-overlay/usr/lib/picam/reboot-update"} {
		if st, err := os.Stat(filepath.Join(br, f)); err != nil || (strings.HasSuffix(f, "reboot-update") && st.Mode()&0o111 == 0) {
			t.Errorf("buildroot/%s: %v (reboot-update must be executable)", f, err)
		}
	}
	if !strings.Contains(read(t, "board/picam/rootfs-overlay/usr/lib/picam/rauc-backend"), "tryboot.sh") {
		t.Error("rauc-backend does not use tryboot.sh")
	}
	if !strings.Contains(read(t, "board/picam/rootfs-overlay/etc/init.d/S55picam-update"), "tb_fallback") {
		t.Error("S55picam-update does not record the firmware's fall-back from a trial")
	}
	if !strings.Contains(read(t, "board/picam/rootfs-overlay/etc/init.d/S56picam-sideload"), "/usr/lib/picam/reboot-update") {
		t.Error("S56picam-sideload does not reboot through reboot-update (the tryboot flag)")
	}
	for _, b := range boards {
		if !strings.Contains(read(t, "configs/picam_"+b+"_defconfig"), "BR2_PACKAGE_RPI_USERLAND=y\n") {
			t.Errorf("picam_%s_defconfig lacks BR2_PACKAGE_RPI_USERLAND=y (vcmailbox sets the tryboot flag)", b)
		}
	}
}
