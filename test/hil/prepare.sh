#!/usr/bin/env bash
# prepare.sh CACHE: make the HIL guest's ingredients, once, under CACHE.
#
#   CACHE/apt/                 private apt state: lists for amd64+arm64, nothing installed
#   CACHE/kernel/KVER/root/    Debian's arm64 linux-image, unpacked (vmlinuz, lib/modules)
#   CACHE/kernel/KVER/hdr/     its headers + host (amd64) kbuild tools, for out-of-tree builds
#   CACHE/kernel/KVER/src/     the few driver sources taken from linux-source
#   CACHE/kernel/KVER/extmod-HASH/*.ko   vicodec, vim2m, gpio-sim, irq_sim built from kmod/
#   CACHE/busybox/busybox-arm64          static busybox for the guest
#   CACHE/current.env          the paths above, read by the runner
#
# The kernel is whatever Debian's linux-image-arm64 metapackage points at today:
# no version is pinned, so a Debian ABI bump just makes a new KVER directory.
# The package lists are refreshed once a day (HIL_REFRESH=1 forces it); when
# the archive cannot be reached, a cached kernel is used with a warning.
#
# Nothing is installed and dpkg's architectures are not changed: arm64
# packages come through a private apt configuration and are unpacked with
# dpkg -x. Host tools come from deps.sh.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
mkdir -p "$1"
CACHE=$(cd "$1" && pwd)

log() { echo "hil-prepare: $*" >&2; }
die() { echo "hil-prepare: ERROR: $*" >&2; exit 1; }

# One prepare at a time per cache (two make hil runs may share it).
exec 9>"$CACHE/.lock"
flock -w 900 9 || die "another prepare has held $CACHE/.lock for 15 minutes; is one stuck?"

A=$CACHE/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial"
AO=(-o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache"
	-o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64" -o "Debug::NoLocking=1")
quiet_apt() { # apt-get ... without the harmless "unsandboxed as root" warning, keeping its exit status
	apt-get "${AO[@]}" "$@" 2> >(grep -v -e 'unsandboxed' -e '^$' >&2)
}

# 1. Which kernel: refresh the lists at most once a day.
fresh=
if [ -z "${HIL_REFRESH:-}" ] && [ -s "$CACHE/current.env" ] &&
	[ -n "$(find "$A/lists" -maxdepth 1 -name '*InRelease' -mmin -1440 2>/dev/null | head -1)" ]; then
	fresh=1
fi
KVER= VER=
if [ -z "$fresh" ]; then
	log "updating private apt lists (amd64+arm64) in $A"
	if quiet_apt update -qq; then
		KVER=$(apt-cache "${AO[@]}" depends linux-image-arm64:arm64 | awk '/Depends: linux-image-/{print $2; exit}')
		KVER=${KVER%:arm64}
		KVER=${KVER#linux-image-}
		[ -n "$KVER" ] || die "apt knows no linux-image-arm64: check /etc/apt/sources.list* lists a Debian archive with main"
		VER=$(apt-cache "${AO[@]}" policy "linux-image-$KVER:arm64" | awk '/Candidate:/{print $2; exit}')
	elif [ -s "$CACHE/current.env" ]; then
		log "WARNING: apt-get update failed; using the cached kernel"
	else
		die "apt-get update failed and nothing is cached in $CACHE: the first run needs Debian's archive"
	fi
fi
if [ -z "$KVER" ]; then
	# shellcheck disable=SC1091
	. "$CACHE/current.env"
	VER=$KVERSION
fi
ABI=${KVER%-arm64}        # 6.1.0-56
SER=${ABI%-*}             # 6.1.0
SER=${SER%.*}             # 6.1: linux-source-6.1, linux-kbuild-6.1
KD=$CACHE/kernel/$KVER
mkdir -p "$KD"
log "kernel $KVER ($VER)"

# 2. Kernel image, headers, kbuild tools and driver sources.
if [ ! -e "$KD/.unpacked" ]; then
	rm -rf "$KD/debs" "$KD/root" "$KD/hdr" "$KD/src"
	mkdir -p "$KD/debs" "$KD/root" "$KD/hdr" "$KD/src"
	log "downloading linux-image/headers/kbuild/source $VER"
	(cd "$KD/debs" && quiet_apt download -q \
		"linux-image-$KVER:arm64=$VER" "linux-headers-$KVER:arm64=$VER" "linux-headers-$ABI-common=$VER" \
		"linux-kbuild-$SER:amd64=$VER" "linux-source-$SER=$VER") ||
		die "downloading the kernel packages failed (see apt's message above)"
	dpkg -x "$KD"/debs/linux-image-"$KVER"_*.deb "$KD/root"
	for p in "linux-headers-$ABI-common" "linux-headers-$KVER" "linux-kbuild-$SER"; do
		dpkg -x "$KD"/debs/"$p"_*.deb "$KD/hdr"
	done
	# The arm64 headers' Makefile points at /usr/src/...-common; aim it at our copy.
	sed -i "s|/usr/src/linux-headers-$ABI-common|$KD/hdr/usr/src/linux-headers-$ABI-common|" \
		"$KD/hdr/usr/src/linux-headers-$KVER/Makefile"
	grep -q "$KD/hdr" "$KD/hdr/usr/src/linux-headers-$KVER/Makefile" ||
		die "could not redirect the headers Makefile to $KD/hdr: Debian changed its layout; adapt prepare.sh"
	S=linux-source-$SER
	log "extracting driver sources from $S (xz: 10-30 s)"
	# The tarball is xz in many blocks, so xz -T0 decompresses on every core.
	dpkg-deb --fsys-tarfile "$KD"/debs/"$S"_*.deb | tar -xO "./usr/src/$S.tar.xz" | xz -T0 -dc |
		tar -x -C "$KD/src" --strip-components=1 \
			"$S/drivers/media/test-drivers/vicodec" "$S/drivers/media/test-drivers/vim2m.c" \
			"$S/drivers/gpio/gpio-sim.c" "$S/drivers/gpio/gpiolib.h" \
			"$S/kernel/irq/irq_sim.c" "$S/drivers/media/v4l2-core/v4l2-mem2mem.c"
	rm -rf "$KD/debs"
	echo "$VER" >"$KD/.unpacked"
fi
[ -s "$KD/root/boot/vmlinuz-$KVER" ] || die "$KD/root/boot/vmlinuz-$KVER is missing; delete $KD and run again"

# 3. Out-of-tree modules, keyed by the contents of kmod/ so an edit rebuilds them.
KEY=$(cat "$HERE/kmod/Kbuild" "$HERE/kmod/irq_sim.c" | sha256sum | cut -c1-12)
EXT=$KD/extmod-$KEY
if [ ! -e "$EXT/.built" ]; then
	B=$KD/kbuild-$KEY
	rm -rf "$B" "$EXT"
	mkdir -p "$B" "$EXT"
	cp "$HERE/kmod/Kbuild" "$HERE/kmod/irq_sim.c" "$B/"
	cp "$KD"/src/drivers/media/test-drivers/vicodec/*.[ch] "$KD/src/drivers/media/test-drivers/vim2m.c" \
		"$KD/src/drivers/gpio/gpio-sim.c" "$KD/src/drivers/gpio/gpiolib.h" \
		"$KD/src/drivers/media/v4l2-core/v4l2-mem2mem.c" "$B/"
	sed 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' \
		"$KD/src/kernel/irq/irq_sim.c" >"$B/irq_sim_kernel.c"
	if grep -q 'irq_to_desc' "$B/irq_sim_kernel.c"; then
		die "kernel/irq/irq_sim.c in $KVER no longer matches the irq_to_desc patch; update prepare.sh's sed"
	fi
	log "building vicodec vim2m gpio-sim irq_sim for $KVER (cross, aarch64-linux-gnu)"
	make -s -C "$KD/hdr/usr/src/linux-headers-$KVER" M="$B" -j"$(nproc)" \
		DEB_BUILD_ARCH=amd64 DEB_HOST_ARCH=arm64 DEB_HOST_GNU_TYPE=aarch64-linux-gnu modules \
		> "$B/build.log" 2>&1 || { cat "$B/build.log" >&2; die "module build failed (log above)"; }
	for m in vicodec vim2m gpio-sim irq_sim; do
		[ -s "$B/$m.ko" ] || { cat "$B/build.log" >&2; die "module build made no $m.ko"; }
	done
	cp "$B"/*.ko "$EXT/"
	# Debug info is most of each .ko; the guest does not need it.
	aarch64-linux-gnu-strip --strip-debug "$EXT"/*.ko
	rm -rf "$B"
	touch "$EXT/.built"
fi

# The guest's module tree: Debian's plus ours under extra/, indexed, so that
# modprobe --show-depends can pick the few modules the initramfs needs.
MD=$KD/root/lib/modules/$KVER
if [ "$(cat "$MD/extra/.key" 2>/dev/null)" != "$KEY" ]; then
	rm -rf "$MD/extra" && mkdir -p "$MD/extra"
	cp "$EXT"/*.ko "$MD/extra/"
	depmod -b "$KD/root" "$KVER" || die "depmod on $KD/root failed"
	echo "$KEY" >"$MD/extra/.key"
fi

# 4. A static arm64 busybox for the guest's /init (shell, modprobe, ip, mount, ...).
BB=$CACHE/busybox/busybox-arm64
if [ ! -x "$BB" ]; then
	rm -rf "$CACHE/busybox" && mkdir -p "$CACHE/busybox/x"
	(cd "$CACHE/busybox" && quiet_apt download -q busybox-static:arm64) || die "downloading busybox-static:arm64 failed"
	dpkg -x "$CACHE"/busybox/busybox-static_*_arm64.deb "$CACHE/busybox/x"
	cp "$CACHE/busybox/x/bin/busybox" "$BB"
	rm -rf "$CACHE/busybox/x" "$CACHE"/busybox/*.deb
fi

# Work directories of runs that were killed before they could clean up.
find "$CACHE" -maxdepth 1 -name 'run-*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true

cat >"$CACHE/current.env.tmp" <<EOF
KVER=$KVER
KVERSION=$VER
KERNEL=$KD/root/boot/vmlinuz-$KVER
MODROOT=$KD/root
EXTMOD=$EXT
BUSYBOX=$BB
EOF
mv "$CACHE/current.env.tmp" "$CACHE/current.env"
log "ready: $CACHE/current.env"
