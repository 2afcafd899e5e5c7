#!/bin/bash
# run-qemu.sh runs the hw/v4l2 hil tests (go test -tags hil) inside QEMU
# guests with the kernel's virtual drivers: vivid (node 0 single-planar,
# node 1 multi-planar) as the camera and vicodec (multi-planar) as the M2M
# encoder. It follows docs/qemu-hil.md and reuses its scripts.
#
#   usage: run-qemu.sh [amd64] [arm64] [armhf]     (default: all three)
#
#   amd64  x86_64 TCG guest, Debian 6.1 amd64 kernel, amd64 test binary
#   arm64  aarch64 virt guest, Debian 6.1 arm64 kernel; runs the arm64 binary
#          and the GOARM=6 binary (32-bit user space on a 64-bit kernel: the
#          compat ioctl path, like Raspberry Pi OS 32-bit on a Pi 4)
#   armhf  arm virt guest, Debian 6.1 armmp kernel (native 32-bit kernel,
#          like a Pi Zero/1 image), GOARM=6 binary
#
# Env: QEMU_SCRIPTS (default /work/shared/docs/qemu-scripts), CACHE (default
# /tmp/v4l2-hil). Needs qemu-system-x86 qemu-system-arm busybox-static cpio
# kmod xz-utils gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf, and dpkg
# foreign architectures arm64/armhf for those guests. First run downloads
# about 200 MB per architecture and builds a base initramfs (a few minutes);
# later runs take 10-60 s per guest under TCG.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../../.." && pwd)
QS=${QEMU_SCRIPTS:-/work/shared/docs/qemu-scripts}
CACHE=${CACHE:-/tmp/v4l2-hil}; mkdir -p "$CACHE"; CACHE=$(cd "$CACHE" && pwd)
ARCHES=${*:-amd64 arm64 armhf}

busybox_for() { # deb-arch -> path of a static busybox for it
	local a=$1 out=$CACHE/busybox-$1
	if [ "$a" = amd64 ]; then echo /bin/busybox; return; fi
	if [ ! -x "$out" ]; then
		(cd "$CACHE" && apt-get download -q "busybox-static:$a" >/dev/null 2>&1 &&
			dpkg -x busybox-static_*_"$a".deb bbx-$a && cp bbx-$a/bin/busybox "$out" && rm -rf bbx-$a busybox-static_*_"$a".deb)
	fi
	echo "$out"
}

# armhf: hil-prepare.sh knows amd64/arm64 only. The armmp kernel flavour is
# fetched the same way; only vicodec is built, because Debian's amd64
# modpost rejects 32-bit of_device_id tables (gpio-sim), which we do not need.
prepare_armhf() {
	local D=$CACHE/armhf
	[ -s "$D/KVER" ] && return
	mkdir -p "$D/debs" && cd "$D/debs"
	local IMG KVER VER ABI SER S
	IMG=$(apt-cache depends linux-image-armmp:armhf | awk '/Depends: linux-image-/{print $2; exit}'); IMG=${IMG%:armhf}
	KVER=${IMG#linux-image-}; VER=$(apt-cache show "$IMG:armhf" | awk '/^Version:/{print $2; exit}')
	ABI=${KVER%-armmp}; SER=${ABI%-*}; SER=${SER%.*}
	apt-get download -q "$IMG:armhf=$VER" "linux-headers-$KVER:armhf=$VER" "linux-headers-$ABI-common=$VER" \
		"linux-kbuild-$SER=$VER" "linux-source-$SER=$VER" >/dev/null 2>&1
	cd "$D" && rm -rf kroot hdr src extmod && mkdir -p kroot hdr src extmod
	dpkg -x debs/linux-image-"$KVER"_*.deb kroot
	for p in "linux-headers-$ABI-common" "linux-headers-$KVER"; do dpkg -x debs/"$p"_*.deb hdr; done
	dpkg -x debs/linux-kbuild-"$SER"_*_amd64.deb hdr
	sed -i "s|/usr/src/linux-headers-$ABI-common|$D/hdr/usr/src/linux-headers-$ABI-common|" hdr/usr/src/linux-headers-"$KVER"/Makefile
	S=linux-source-$SER
	dpkg-deb --fsys-tarfile debs/linux-source-"$SER"_*.deb | tar -xO ./usr/src/$S.tar.xz |
		tar -xJ -C src $S/drivers/media/test-drivers/vicodec
	cp src/$S/drivers/media/test-drivers/vicodec/*.[ch] extmod/
	printf 'obj-m += vicodec.o\nvicodec-objs := vicodec-core.o codec-fwht.o codec-v4l2-fwht.o\n' > extmod/Kbuild
	make -s -C "$D/hdr/usr/src/linux-headers-$KVER" M="$D/extmod" -j"$(nproc)" \
		DEB_BUILD_ARCH=amd64 DEB_HOST_ARCH=armhf DEB_HOST_GNU_TYPE=arm-linux-gnueabihf modules 2>&1 | grep -v BTF || true
	ls "$D"/extmod/vicodec.ko >/dev/null
	rm -rf src debs/linux-source-*.deb
	echo "$KVER" > KVER
}

build_test() { # GOARCH GOARM out
	(cd "$REPO" && CGO_ENABLED=0 GOARCH=$1 GOARM=$2 go test -c -tags hil -o "$3" ./hw/v4l2/)
}

boot() { # arch initrd kernel
	local log=$CACHE/run-$1.log
	case $1 in
	amd64) CMD=(qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 -append "console=ttyS0 quiet panic=-1") ;;
	arm64) CMD=(qemu-system-aarch64 -M virt -cpu cortex-a53 -smp 2 -m 1024 -append "console=ttyAMA0 quiet panic=-1") ;;
	armhf) CMD=(qemu-system-arm -M virt,highmem=off -cpu cortex-a15 -smp 2 -m 1024 -append "console=ttyAMA0 quiet panic=-1") ;;
	esac
	local t0=$SECONDS
	timeout 600 "${CMD[@]}" -display none -monitor none -serial stdio -no-reboot -kernel "$3" -initrd "$2" </dev/null |
		tr -d '\r' >"$log" 2>&1 || true
	echo "== $1 guest: $((SECONDS - t0)) s, log $log"
	grep -E '^HIL (kernel|nodes|RESULT)|--- FAIL|panic' "$log" || true
	grep -q HIL_RESULT_END "$log" && ! grep -q 'HIL RESULT .* rc=[^0]' "$log" && grep -q 'HIL RESULT' "$log"
}

fails=0
for a in $ARCHES; do
	case $a in
	amd64 | arm64) "$QS/hil-prepare.sh" "$a" "$CACHE" >/dev/null ;;
	armhf) prepare_armhf ;;
	*) echo "unknown arch $a" >&2; exit 2 ;;
	esac
	K=$(cat "$CACHE/$a/KVER") bins=()
	case $a in
	amd64) build_test amd64 "" "$CACHE/v4l2test64.$a"; bins=("$CACHE/v4l2test64.$a") strip=strip ;;
	arm64) build_test arm64 "" "$CACHE/v4l2test64.$a"; build_test arm 6 "$CACHE/v4l2test32.$a"
		bins=("$CACHE/v4l2test64.$a" "$CACHE/v4l2test32.$a") strip=aarch64-linux-gnu-strip ;;
	armhf) build_test arm 6 "$CACHE/v4l2test32.$a"; bins=("$CACHE/v4l2test32.$a") strip=arm-linux-gnueabihf-strip ;;
	esac
	# The base initramfs (busybox, modules, /init) takes mkinitramfs.sh a
	# minute or two to build, so it is cached; the test binaries go into a
	# second cpio archive appended to it (the kernel unpacks both).
	base=$CACHE/initrd-base-$a.gz
	if [ ! -s "$base" ] || [ "$HERE/init.sh" -nt "$base" ]; then
		STRIP=$strip "$QS/mkinitramfs.sh" -k "$CACHE/$a/kroot" -v "$K" -b "$(busybox_for $a)" -x "$CACHE/$a/extmod" \
			-i "$HERE/init.sh" -m "vivid vicodec" -o "$base" 2>/dev/null
	fi
	stage=$CACHE/bin-$a; rm -rf "$stage"; mkdir -p "$stage/usr/bin"
	for b in "${bins[@]}"; do cp "$b" "$stage/usr/bin/$(basename "${b%.*}")"; done
	(cd "$stage" && find . | cpio -o -H newc --owner=0:0 --quiet | gzip -1) | cat "$base" - >"$CACHE/initrd-$a.gz"
	kernel=$CACHE/$a/kroot/boot/vmlinuz-$K
	if boot "$a" "$CACHE/initrd-$a.gz" "$kernel"; then echo "PASS $a"; else echo "FAIL $a"; fails=$((fails + 1)); fi
done
exit $fails
