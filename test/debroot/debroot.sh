#!/usr/bin/env bash
# debroot.sh: throwaway Debian 12 roots for the fresh-machine and package checks
# (make fresh-check, make release-test).
#
#   debroot.sh base              build the pristine minbase root once, cached in
#                                $PICAM_FRESH_CACHE (default ~/.cache/picam-fresh/bookworm)
#   debroot.sh new DIR           a fresh copy of it at DIR, with /proc, /sys and /dev mounted
#                                and this machine's apt sources, ready for chroot
#   debroot.sh run DIR CMD...    run CMD inside DIR (as root, with a sane environment)
#   debroot.sh rm DIR            unmount and delete DIR
#
# The base is `debootstrap --variant=minbase bookworm`: essential packages and apt, nothing
# else, so anything a deps script forgets to name is missing there. It uses the mirror this
# machine's apt is configured with (PICAM_MIRROR overrides).
set -euo pipefail

cache=${PICAM_FRESH_CACHE:-$HOME/.cache/picam-fresh/bookworm}

die() { echo "debroot: $*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount): run as root or with sudo"; }

# mirror prints the Debian mirror from this machine's apt configuration.
mirror() {
	if [ -n "${PICAM_MIRROR:-}" ]; then echo "$PICAM_MIRROR"; return; fi
	local m
	m=$(grep -hoE '(URIs:|^deb)[[:space:]]+[^[:space:]]*/debian/?([[:space:]]|$)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v security | awk '{print $2}' | head -1)
	echo "${m:-http://deb.debian.org/debian}"
}

base() {
	need_root
	[ -f "$cache/.complete" ] && return 0
	command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install --no-install-recommends debootstrap"
	rm -rf "$cache" "$cache.tmp"
	mkdir -p "$(dirname "$cache")"
	echo "debroot: debootstrap --variant=minbase bookworm from $(mirror) into $cache (once)"
	debootstrap --variant=minbase bookworm "$cache.tmp" "$(mirror)" >"$cache.log" 2>&1 ||
		die "debootstrap failed; see $cache.log"
	# Keep the package lists out of the cache: every copy runs apt-get update itself, as a
	# fresh machine would.
	rm -rf "$cache.tmp"/var/lib/apt/lists/* "$cache.tmp"/var/cache/apt/archives/*.deb
	touch "$cache.tmp/.complete"
	mv "$cache.tmp" "$cache"
}

mounted() { awk -v d="$1" '$2 == d' /proc/mounts | grep -q .; }

new() {
	local dir=$1
	need_root
	base
	[ -e "$dir" ] && rm_root "$dir"
	mkdir -p "$dir"
	cp -a "$cache/." "$dir/"
	rm -f "$dir/.complete"
	# This machine's apt sources (same mirror and snapshot as the host), no third-party repos.
	rm -f "$dir"/etc/apt/sources.list "$dir"/etc/apt/sources.list.d/*
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/debian.sources; do
		[ -f "$f" ] && cp "$f" "$dir$f"
	done
	cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
	# No services start inside the root (dpkg maintainer scripts call invoke-rc.d / deb-systemd-invoke).
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
	mount -t proc proc "$dir/proc"
	mount -t sysfs sys "$dir/sys"
	mount --rbind /dev "$dir/dev"
	mount --make-rslave "$dir/dev"
}

run() {
	local dir=$1; shift
	chroot "$dir" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"
}

rm_root() {
	local dir=$1 m
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd -P)
	# Innermost mounts first.
	for m in $(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	mounted "$dir/dev" && die "could not unmount $dir/dev; not deleting $dir"
	rm -rf --one-file-system "$dir"
}

case ${1:-} in
base) base ;;
new) [ $# = 2 ] || die "usage: $0 new DIR"; new "$2" ;;
run) [ $# -ge 3 ] || die "usage: $0 run DIR CMD..."; shift; run "$@" ;;
rm) [ $# = 2 ] || die "usage: $0 rm DIR"; rm_root "$2" ;;
*) echo "usage: $0 base | new DIR | run DIR CMD... | rm DIR" >&2; exit 2 ;;
esac
