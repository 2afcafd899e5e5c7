#!/usr/bin/env bash
# mk-sdcard.sh CACHE BINDIR OUT: the picam SD-card image, offline from Debian packages.
#
# The same card as the Buildroot image (buildroot/configs/picam_*): FAT boot partition with the
# GPU firmware, config.txt (start_x=1, gpu_mem=128), cmdline.txt and picam.conf; a squashfs root
# (zstd, read-only by nature) with busybox init, the same rootfs overlay, init scripts and S50picam. What
# differs is where the parts come from, so that it builds here without Buildroot:
#   kernel, modules  Debian's linux-image-*-arm64, from test/hil/prepare.sh's cache (CACHE)
#   firmware         Debian's raspi-firmware (non-free-firmware), downloaded into CACHE/sdcard
#   userland         busybox-static:arm64 (from the same cache) and BINDIR/picam-server,
#                    BINDIR/picam-client (static arm64 Go builds)
#   stage-1 initrd   loads the SD and squashfs modules (built in on Buildroot's kernel)
# Writes OUT/sdcard.img (256 MiB, a power of two as QEMU's SD model requires), and
# OUT/rootfs.squashfs, the root it holds (make bundle signs it into an update).
# UPDATE_KEYRING=FILE puts that CA certificate in the root as /etc/rauc/ca.cert.pem, the keyring
# update bundles are checked against (make sdcard passes make bundle's; unset: none).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 CACHE BINDIR OUT" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
BR=$(dirname "$HERE")
HIL=$(cd "$BR/../test/hil" && pwd)
CACHE=$(cd "$1" && pwd)
BINDIR=$(cd "$2" && pwd)
mkdir -p "$3"
OUT=$(cd "$3" && pwd)
log() { echo "sdcard: $*" >&2; }
die() { echo "sdcard: ERROR: $*" >&2; exit 1; }

ENV=$CACHE/current.env
[ -s "$ENV" ] || die "$ENV is missing: run bash test/hil/prepare.sh $CACHE first (make sdcard does)"
# shellcheck disable=SC1090
. "$ENV"
for b in picam-server picam-client; do
	[ -x "$BINDIR/$b" ] || die "$BINDIR/$b is missing: build it with CGO_ENABLED=0 GOOS=linux GOARCH=arm64"
done
for t in genimage mksquashfs mcopy mkfs.vfat cpio depmod; do
	command -v "$t" >/dev/null || die "$t is missing: apt-get install genimage squashfs-tools mtools dosfstools cpio kmod"
done

# 1. raspi-firmware from non-free-firmware, through a private apt state (the machine's sources
#    may not list that component; nothing is installed).
FWD=$CACHE/sdcard/raspi-firmware
if [ ! -s "$FWD/usr/lib/raspi-firmware/start_x.elf" ]; then
	A=$CACHE/sdcard/apt
	mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/dl"
	# shellcheck disable=SC1091
	. /etc/os-release
	mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
		/etc/apt/sources.list 2>/dev/null | head -1)
	[ -n "$mirror" ] || die "no Debian archive in /etc/apt/sources.list*: raspi-firmware cannot be downloaded"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $VERSION_CODENAME non-free-firmware" >"$A/sources.list"
	AO=(-o "Dir::Etc::SourceList=$A/sources.list" -o "Dir::Etc::SourceParts=$A/none"
		-o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache" -o "Debug::NoLocking=1")
	log "downloading raspi-firmware ($mirror $VERSION_CODENAME non-free-firmware)"
	apt-get "${AO[@]}" update -qq 2> >(grep -v -e unsandboxed -e '^$' >&2) ||
		die "apt-get update for non-free-firmware failed (is the Debian archive reachable?)"
	(cd "$A/dl" && rm -f ./*.deb && apt-get "${AO[@]}" download -q raspi-firmware 2> >(grep -v -e unsandboxed -e '^$' >&2)) ||
		die "downloading raspi-firmware failed"
	rm -rf "$FWD.tmp" && mkdir -p "$FWD.tmp"
	dpkg -x "$A"/dl/raspi-firmware_*.deb "$FWD.tmp"
	rm -rf "$FWD" && mv "$FWD.tmp" "$FWD"
	rm -f "$A"/dl/*.deb
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# A/B updates (README: Updates). ab_root ROOT: RAUC 1.8 and dbus-daemon from Debian's arm64
# packages (Buildroot builds its own). ab_stage1 DIR: what stage 1's slot choice needs.
# ab_boot DIR: the slots' first state on the boot partition (A primary and good, B empty: bad).
ab_root() {
	bash "$HERE/rauc-root.sh" "$CACHE" "$1" >/dev/null
}
ab_stage1() {
	install -D -m 0644 "$BR/board/picam/rootfs-overlay/usr/lib/picam/ab.sh" "$1/usr/lib/picam/ab.sh"
	for a in sed head md5sum cut tr wc dd sync awk cat rm; do ln -sf busybox "$1/bin/$a"; done
}
ab_boot() {
	mkdir -p "$1/rauc"
	AB_DIR=$1/rauc AB_TMP=$W sh -c '. "$0"; ab_load; ab_save && ab_save' "$BR/board/picam/rootfs-overlay/usr/lib/picam/ab.sh"
}
IN=$W/input
mkdir -p "$IN"

# 2. Root filesystem: busybox + the modules of board/picam/modules (with their dependencies,
#    through the HIL initramfs builder) + the overlay, S50picam and our binaries.
P=$W/payload
mkdir -p "$P/usr/bin" "$P/sbin" "$P/etc/init.d"
cp -a "$BR/board/picam/rootfs-overlay/." "$P/"
install -m 0755 "$BR/package/picam/S50picam" "$P/etc/init.d/S50picam"
install -m 0755 "$BINDIR/picam-server" "$P/usr/bin/picam-server"
install -m 0755 "$BINDIR/picam-client" "$P/usr/bin/picam-client"
ln -s ../bin/busybox "$P/sbin/init"
# busybox's applet names, read from the arm64 binary (it cannot run here): a NUL-separated table
# that starts "[", "[[".
python3 - "$BUSYBOX" >"$W/applets" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\0[\0[[\0")
if i < 0:
    sys.exit("busybox applet table not found")
for n in d[i + 1:].split(b"\0"):
    if not n:
        break
    print(n.decode())
PY
for a in sh mount modprobe udhcpc ip awk setsid tail switch_root init; do
	grep -qx "$a" "$W/applets" || die "busybox has no $a applet (applet table misread?)"
done
mkdir -p "$P/bin"
while read -r a; do
	[ "$a" = busybox ] || [ "$a" = sh ] || [ "$a" = init ] || ln -sf busybox "$P/bin/$a"
done <"$W/applets"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$P/etc/passwd"
printf 'root:*:19000:0:99999:7:::\n' >"$P/etc/shadow"
chmod 600 "$P/etc/shadow"
printf 'root:x:0:\ntty:x:5:\n' >"$P/etc/group"
mkdir -p "$P/usr/sbin" "$P/lib" "$P/root" "$P/var" "$P/run" "$P/tmp" "$P/boot"
# Only the modules Debian's kernel has (bcm2835-codec is Raspberry Pi's own, for instance).
mods=()
while read -r m; do
	[ -n "$m" ] || continue
	if modprobe -d "$MODROOT" -S "$KVER" --show-depends "$m" >/dev/null 2>&1; then
		mods+=("$m")
	else
		log "module $m: not in Debian's $KVER, left out"
	fi
done < <(sed 's/#.*//; s/[[:space:]]//g' "$BR/board/picam/modules" "$HERE/modules-hw" "$HERE/modules-update")
STRIP=aarch64-linux-gnu-strip bash "$HIL/mkinitramfs.sh" "$ENV" "$W/root.cpio.gz" "$P" "${mods[@]}"
R=$W/root
mkdir -p "$R"
(cd "$R" && zcat "$W/root.cpio.gz" | cpio -id --quiet)
PICAM_COMPATIBLE=${COMPATIBLE:-picam-offline-arm64} sh "$BR/board/picam/post-build.sh" "$R"
ab_root "$R"
if [ -n "${UPDATE_KEYRING:-}" ]; then
	install -D -m 0644 "$UPDATE_KEYRING" "$R/etc/rauc/ca.cert.pem"
fi
# squashfs: read-only by nature, and the boot reads a third of the bytes an ext4 root needs
# (picam-server is most of them); the options are Buildroot's for BR2_TARGET_ROOTFS_SQUASHFS4_ZSTD.
mksquashfs "$R" "$IN/rootfs.squashfs" -comp zstd -all-root -noappend -no-exports -no-xattrs -quiet >/dev/null

# 3. Boot partition.
S=$W/stage1
mkdir -p "$S/bin"
install -m 0755 "$HERE/stage1-init.sh" "$S/init"
for a in mount umount modprobe sleep mkdir reboot switch_root; do ln -s busybox "$S/bin/$a"; done
ab_stage1 "$S"
bash "$HIL/mkinitramfs.sh" "$ENV" "$IN/initrd.img" "$S" bcm2835 sdhci-iproc squashfs vfat nls_cp437 nls_ascii
FW=$FWD/usr/lib/raspi-firmware
boot=(bootcode.bin start.elf fixup.dat start_x.elf fixup_x.dat start4.elf fixup4.dat start4x.elf fixup4x.dat)
for f in "${boot[@]}"; do cp "$FW/$f" "$IN/"; done
for d in bcm2837-rpi-3-b bcm2837-rpi-3-b-plus bcm2837-rpi-zero-2-w bcm2711-rpi-4-b; do
	cp "$MODROOT/usr/lib/linux-image-$KVER/broadcom/$d.dtb" "$IN/"
	boot+=("$d.dtb")
done
cp "$KERNEL" "$IN/vmlinuz"
cat >"$IN/config.txt" <<CFG
# config.txt for picam (offline image: Debian's arm64 kernel), read by the GPU firmware.
arm_64bit=1
enable_uart=1
upstream_kernel=1
kernel=vmlinuz
initramfs initrd.img followkernel
# Legacy camera stack, as in the Buildroot image: the firmware with the camera, GPU memory for
# it, no camera_auto_detect, no sensor dtoverlay.
start_x=1
gpu_mem=128
CFG
echo "console=ttyS1,115200 console=ttyAMA0,115200 root=/dev/mmcblk0p2 rootfstype=squashfs rootwait ro quiet panic=10" >"$IN/cmdline.txt"
cp "$BR/board/picam/picam.conf" "$BR/board/picam/wpa_supplicant.conf.example" "$IN/"
boot+=(vmlinuz initrd.img config.txt cmdline.txt picam.conf wpa_supplicant.conf.example)
ab_boot "$IN"
boot+=(rauc)
list=$(printf '\t\t\t"%s",\\n' "${boot[@]}")
sed "s|^#BOOT_FILES#$|${list%,\\n}|" "$BR/board/picam/genimage.cfg.in" >"$W/genimage.cfg"

# 4. The card.
mkdir -p "$W/genroot"
genimage --config "$W/genimage.cfg" --rootpath "$W/genroot" --tmppath "$W/gtmp" \
	--inputpath "$IN" --outputpath "$W/out" >"$W/genimage.log" 2>&1 ||
	{ cat "$W/genimage.log" >&2; die "genimage failed"; }
truncate -s 256M "$W/out/sdcard.img"
mv "$W/out/sdcard.img" "$OUT/sdcard.img.tmp"
mv "$OUT/sdcard.img.tmp" "$OUT/sdcard.img"
cp "$IN/rootfs.squashfs" "$OUT/rootfs.squashfs.tmp"
mv "$OUT/rootfs.squashfs.tmp" "$OUT/rootfs.squashfs"
echo "$OUT/sdcard.img"
