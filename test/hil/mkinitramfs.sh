#!/usr/bin/env bash
# mkinitramfs.sh ENV OUT PAYLOAD MODULE...
#
# Builds the guest's initramfs (newc cpio, gzip): the static arm64 busybox,
# the named kernel modules with everything they depend on (from the module
# tree prepare.sh indexed), and the files under PAYLOAD (our binaries, the
# guest scripts, /init, /hil.env) copied over the top.
#   ENV      CACHE/current.env written by prepare.sh
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 ENV OUT PAYLOAD MODULE..." >&2; exit 2; }
ENV=$1 OUT=$2 PAYLOAD=$3
shift 3
# shellcheck disable=SC1090
. "$ENV"
R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc}
cp "$BUSYBOX" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"

MD=lib/modules/$KVER
mkdir -p "$R/$MD"
for m in "$@"; do
	deps=$(modprobe -d "$MODROOT" -S "$KVER" --show-depends "$m" 2>&1) ||
		{ echo "mkinitramfs: module $m: $deps" >&2; exit 1; }
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue # "builtin NAME": nothing to copy
		rel=${path#"$MODROOT/"}
		mkdir -p "$R/$(dirname "$rel")"
		case $path in
		*.ko.xz) xz -dc "$path" >"$R/${rel%.xz}" ;;
		*.ko.zst) zstd -qdc "$path" >"$R/${rel%.zst}" ;;
		*) cp "$path" "$R/$rel" ;;
		esac
	done <<<"$deps"
done
cp "$MODROOT/$MD"/modules.{builtin,builtin.modinfo,order} "$R/$MD/" 2>/dev/null || true
depmod -b "$R" "$KVER"

cp -a "$PAYLOAD/." "$R/"
# Reproducible for make release: with SOURCE_DATE_EPOCH every file gets that mtime; cpio numbers
# the inodes itself and gzip stores no time.
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then find "$R" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +; fi
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --reproducible --quiet | gzip -n -1) >"$OUT"
