#!/bin/sh
# Buildroot post-build: finish the read-only target tree. Argument 1 is $(TARGET_DIR).
# Also run by offline/mk-sdcard.sh on its own tree, so both images are shaped the same.
set -eu
T=$1
B=$(dirname "$0")
# Only the picam init scripts bring up the network and SSH: Buildroot's own S40network (ifupdown)
# and S50dropbear would start unconditionally.
rm -f "$T/etc/init.d/S40network" "$T/etc/init.d/S50dropbear"
# Files that must be writable live in RAM (/run is a tmpfs).
ln -sfn ../run/resolv.conf "$T/etc/resolv.conf"
mkdir -p "$T/root"
ln -sfn ../run/ssh "$T/root/.ssh"
rm -rf "$T/etc/dropbear"
ln -sfn ../run/dropbear "$T/etc/dropbear"
install -D -m 0644 "$B/modules" "$T/etc/picam/modules"
install -D -m 0644 "$B/modprobe-bcm2835-v4l2.conf" "$T/etc/modprobe.d/bcm2835-v4l2.conf"
# No password for anyone: root's is locked ("*"); SSH takes keys only (system.ssh in picam.conf).
if [ -f "$T/etc/shadow" ]; then
	sed -i 's/^root:[^:]*:/root:*:/' "$T/etc/shadow"
fi
mkdir -p "$T/boot"
# A/B updates with RAUC (README: Updates): its system.conf with this image's compatible string
# (bundles for another board are refused), the state directory's mount point, and the keyring
# bundles are checked against when UPDATE_KEYRING names one (make sdcard, buildroot/build.sh).
if [ -z "${PICAM_COMPATIBLE:-}" ] && [ -n "${BR2_CONFIG:-}" ]; then
	PICAM_COMPATIBLE=picam-$(sed -n 's/^BR2_DEFCONFIG=.*picam_\(.*\)_defconfig.*/\1/p' "$BR2_CONFIG")
fi
mkdir -p "$T/etc/rauc"
sed "s/@COMPATIBLE@/${PICAM_COMPATIBLE:-picam-rpi}/" "$B/rauc/system.conf.in" >"$T/etc/rauc/system.conf"
if [ -n "${UPDATE_KEYRING:-}" ]; then
	install -D -m 0644 "$UPDATE_KEYRING" "$T/etc/rauc/ca.cert.pem"
fi
# The clock's floor (S02picam-clock): the build time, or SOURCE_DATE_EPOCH for reproducible builds.
echo "${SOURCE_DATE_EPOCH:-$(date +%s)}" >"$T/etc/picam/clock-floor"
