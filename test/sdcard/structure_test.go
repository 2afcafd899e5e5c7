package sdcard

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// br is the BR2_EXTERNAL tree, relative to this package.
const br = "../../buildroot"

var boards = []string{"rpi3_64", "rpi4_64", "rpizero2w_64"}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(br, rel))
	if err != nil {
		t.Fatalf("buildroot/%s: %v", rel, err)
	}
	return string(b)
}

// externalPath turns "$(BR2_EXTERNAL_PICAM_PATH)/x" into the file under buildroot/, or "" for
// paths into Buildroot itself.
func externalPath(v string) string {
	for _, p := range []string{"$(BR2_EXTERNAL_PICAM_PATH)/", "$BR2_EXTERNAL_PICAM_PATH/"} {
		if strings.HasPrefix(v, p) {
			return filepath.Join(br, strings.TrimPrefix(v, p))
		}
	}
	return ""
}

func TestExternalTreeDescribesPICAM(t *testing.T) {
	if !regexp.MustCompile(`(?m)^name: PICAM$`).MatchString(read(t, "external.desc")) {
		t.Error("external.desc must say name: PICAM (the package uses $(BR2_EXTERNAL_PICAM_PATH))")
	}
	if !strings.Contains(read(t, "external.mk"), "$(BR2_EXTERNAL_PICAM_PATH)/package/*/*.mk") {
		t.Error("external.mk does not include the packages' .mk files")
	}
	// Every Config.in sourced exists.
	for _, m := range regexp.MustCompile(`(?m)^source "([^"]+)"`).FindAllStringSubmatch(read(t, "Config.in"), -1) {
		p := externalPath(m[1])
		if _, err := os.Stat(p); p == "" || err != nil {
			t.Errorf("Config.in sources %s, which is not in the tree", m[1])
		}
	}
}

func TestDefconfigsReferenceExistingFilesAndThePackage(t *testing.T) {
	for _, b := range boards {
		name := "configs/picam_" + b + "_defconfig"
		d := read(t, name)
		opts := map[string]string{}
		for _, line := range strings.Split(d, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "BR2_") {
				opts[k] = strings.Trim(v, `"`)
			}
		}
		for _, want := range []string{"BR2_PACKAGE_PICAM", "BR2_aarch64", "BR2_PACKAGE_RPI_FIRMWARE", "BR2_INIT_BUSYBOX",
			"BR2_TARGET_ROOTFS_SQUASHFS", "BR2_TARGET_ROOTFS_SQUASHFS4_ZSTD", "BR2_PACKAGE_HOST_GENIMAGE"} {
			if opts[want] != "y" {
				t.Errorf("%s: %s=y missing", name, want)
			}
		}
		variant := "BR2_PACKAGE_RPI_FIRMWARE_VARIANT_PI_X"
		if strings.HasPrefix(b, "rpi4") {
			variant = "BR2_PACKAGE_RPI_FIRMWARE_VARIANT_PI4_X"
		}
		if opts[variant] != "y" {
			t.Errorf("%s: %s=y missing (the firmware with the legacy camera)", name, variant)
		}
		if !strings.Contains(d, "# BR2_TARGET_GENERIC_REMOUNT_ROOTFS_RW is not set") {
			t.Errorf("%s: the root filesystem must stay read-only", name)
		}
		// Every file the defconfig points into the external tree exists.
		n := 0
		for k, v := range opts {
			for _, f := range strings.Fields(v) {
				p := externalPath(f)
				if p == "" {
					continue
				}
				n++
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s: %s names %s, which does not exist", name, k, f)
				}
			}
		}
		if n < 6 {
			t.Errorf("%s: only %d files in the external tree referenced; expected overlay, scripts, config, cmdline, fragment", name, n)
		}
		cfg := read(t, strings.TrimPrefix(opts["BR2_PACKAGE_RPI_FIRMWARE_CONFIG_FILE"], "$(BR2_EXTERNAL_PICAM_PATH)/"))
		for _, want := range []string{"start_x=1", "gpu_mem=128", "arm_64bit=1"} {
			if !strings.Contains(cfg, want) {
				t.Errorf("%s's config.txt lacks %s", name, want)
			}
		}
		if regexp.MustCompile(`(?m)^\s*camera_auto_detect`).MatchString(cfg) {
			t.Errorf("%s's config.txt sets camera_auto_detect (that is the libcamera stack)", name)
		}
	}
	frag := read(t, "board/picam/linux.fragment")
	for _, want := range []string{"CONFIG_VIDEO_BCM2835=m", "CONFIG_VIDEO_CODEC_BCM2835=m"} {
		if !strings.Contains(frag, want) {
			t.Errorf("linux.fragment lacks %s", want)
		}
	}
}

func TestPicamPackageIsAGolangPackageFromTheLocalTree(t *testing.T) {
	mk := read(t, "package/picam/picam.mk")
	for _, want := range []string{"$(eval $(golang-package))", "PICAM_SITE_METHOD = local",
		"PICAM_SITE = $(BR2_EXTERNAL_PICAM_PATH)/..", "PICAM_GOMOD = github.com/picam-project/picam",
		"cmd/picam-server", "S50picam"} {
		if !strings.Contains(mk, want) {
			t.Errorf("picam.mk lacks %q", want)
		}
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(gomod), "module github.com/picam-project/picam\n") {
		t.Error("PICAM_GOMOD does not match go.mod's module path")
	}
	for _, target := range []string{"cmd/picam-server", "cmd/picam-client"} {
		if _, err := os.Stat(filepath.Join("../..", target)); err != nil || !strings.Contains(mk, target) {
			t.Errorf("build target %s: missing in picam.mk or in the tree", target)
		}
	}
	for _, f := range []string{"package/picam/S50picam", "board/picam/post-build.sh", "board/picam/post-image.sh",
		"board/picam/rootfs-overlay/etc/init.d/rcS", "board/picam/rootfs-overlay/etc/picam/udhcpc.script"} {
		st, err := os.Stat(filepath.Join(br, f))
		if err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("buildroot/%s must exist and be executable", f)
		}
	}
	s50 := read(t, "package/picam/S50picam")
	if !strings.Contains(s50, `--config "$PICAM_CONF"`) || !strings.Contains(read(t, "board/picam/rootfs-overlay/etc/picam/lib.sh"), "/boot/picam.conf") {
		t.Error("S50picam must start picam-server with --config /boot/picam.conf")
	}
	if !strings.Contains(read(t, "Config.in"), "package/picam/Config.in") {
		t.Error("Config.in does not source package/picam/Config.in")
	}
}

// TestRootFilesystemIsSquashfsEverywhere: the root's type is named in six places, and a card
// whose kernel, command line, partition image and fstab disagree does not boot.
func TestRootFilesystemIsSquashfsEverywhere(t *testing.T) {
	if !regexp.MustCompile(`(?m)^\s*image = "rootfs\.squashfs"$`).MatchString(read(t, "board/picam/genimage.cfg.in")) {
		t.Error(`genimage.cfg.in: the rootfs partition must be image = "rootfs.squashfs" (what Buildroot writes)`)
	}
	if !strings.Contains(read(t, "board/picam/cmdline.txt"), " rootfstype=squashfs ") {
		t.Error("board/picam/cmdline.txt lacks rootfstype=squashfs")
	}
	if !regexp.MustCompile(`(?m)^/dev/root\s+/\s+squashfs\s+ro\s`).MatchString(read(t, "board/picam/rootfs-overlay/etc/fstab")) {
		t.Error("fstab: / must be squashfs, ro")
	}
	frag := read(t, "board/picam/linux.fragment")
	for _, want := range []string{"CONFIG_SQUASHFS=y\n", "CONFIG_SQUASHFS_ZSTD=y\n"} {
		if !strings.Contains(frag, want) {
			t.Errorf("linux.fragment lacks %s (the root is mounted without an initrd)", strings.TrimSpace(want))
		}
	}
	mk := read(t, "offline/mk-sdcard.sh")
	for _, want := range []string{"mksquashfs ", "-comp zstd", "rootfstype=squashfs", `"$S" bcm2835 sdhci-iproc squashfs`} {
		if !strings.Contains(mk, want) {
			t.Errorf("offline/mk-sdcard.sh lacks %q: the offline card would differ from the Buildroot one", want)
		}
	}
}

// TestABSlotsAgreeEverywhere: the A/B card is described in several files (the partition table,
// RAUC's system.conf, the slot state's partitions, the defconfigs, the kernel fragment and the
// offline image's builder); a card whose files disagree installs into the wrong partition.
func TestABSlotsAgreeEverywhere(t *testing.T) {
	g := read(t, "board/picam/genimage.cfg.in")
	parts := regexp.MustCompile(`(?m)^\s*partition (\S+) \{`).FindAllStringSubmatch(g, -1)
	if len(parts) != 3 || parts[0][1] != "boot" || parts[1][1] != "rootfs" || parts[2][1] != "rootfs-b" {
		t.Fatalf("genimage.cfg.in partitions %v; want boot, rootfs (slot A), rootfs-b (slot B)", parts)
	}
	if n := len(regexp.MustCompile(`(?m)^\s*size = 64M$`).FindAllString(g, -1)); n < 3 {
		t.Errorf("genimage.cfg.in: both root slots need a fixed size (64M), found %d sizes", n)
	}
	conf := read(t, "board/picam/rauc/system.conf.in")
	for _, want := range []string{"compatible=@COMPATIBLE@", "bootloader=custom", "data-directory=/boot/rauc",
		"bootloader-custom-backend=/usr/lib/picam/rauc-backend", "path=/etc/rauc/ca.cert.pem", "check-purpose=codesign",
		"bundle-formats=-plain", "[slot.rootfs.0]\ndevice=/dev/mmcblk0p2\ntype=raw\nbootname=A",
		"[slot.rootfs.1]\ndevice=/dev/mmcblk0p3\ntype=raw\nbootname=B", "mountprefix=/run/"} {
		if !strings.Contains(conf, want) {
			t.Errorf("rauc/system.conf.in lacks %q", want)
		}
	}
	ab := read(t, "board/picam/rootfs-overlay/usr/lib/picam/ab.sh")
	for _, want := range []string{"AB_DEV_A:-/dev/mmcblk0p2", "AB_DEV_B:-/dev/mmcblk0p3", "AB_DIR=${AB_DIR:-/boot/rauc}"} {
		if !strings.Contains(ab, want) {
			t.Errorf("ab.sh lacks %q (system.conf and the partition table say so)", want)
		}
	}
	for _, f := range []string{"board/picam/rootfs-overlay/usr/lib/picam/rauc-backend", "board/picam/rootfs-overlay/usr/lib/picam/rauc-up",
		"board/picam/rootfs-overlay/usr/lib/picam/rauc-install", "board/picam/rootfs-overlay/etc/init.d/S55picam-update",
		"board/picam/rootfs-overlay/etc/init.d/S56picam-sideload",
		"offline/rauc-root.sh"} {
		if st, err := os.Stat(filepath.Join(br, f)); err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("buildroot/%s must exist and be executable", f)
		}
	}
	if !strings.Contains(read(t, "board/picam/post-build.sh"), `"$B/rauc/system.conf.in" >"$T/etc/rauc/system.conf"`) {
		t.Error("post-build.sh does not install RAUC's system.conf")
	}
	for _, b := range boards {
		d := read(t, "configs/picam_"+b+"_defconfig")
		for _, want := range []string{"BR2_PACKAGE_RAUC=y", "BR2_PACKAGE_RAUC_DBUS=y", "BR2_PACKAGE_RAUC_JSON=y"} {
			if !strings.Contains(d, want+"\n") {
				t.Errorf("picam_%s_defconfig lacks %s", b, want)
			}
		}
	}
	frag := read(t, "board/picam/linux.fragment")
	for _, want := range []string{"CONFIG_BLK_DEV_LOOP=y", "CONFIG_BLK_DEV_DM=y", "CONFIG_DM_VERITY=y"} {
		if !strings.Contains(frag, want+"\n") {
			t.Errorf("linux.fragment lacks %s (RAUC's verity bundles)", want)
		}
	}
	mk := read(t, "offline/mk-sdcard.sh")
	for _, want := range []string{`"$HERE/modules-update"`, "ab_root \"$R\"", "ab_stage1 \"$S\"", "ab_boot \"$IN\"", "boot+=(rauc)", "vfat nls_cp437 nls_ascii"} {
		if !strings.Contains(mk, want) {
			t.Errorf("offline/mk-sdcard.sh lacks %q: the offline card would not be the A/B card", want)
		}
	}
	if s1 := read(t, "offline/stage1-init.sh"); !strings.Contains(s1, "ab_select\n") || !strings.Contains(s1, "mount -t vfat -o ro /dev/mmcblk0p1 /boot") {
		t.Error("stage1-init.sh does not choose the slot (ab_select) from a read-only boot partition")
	}
}
