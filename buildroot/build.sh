#!/usr/bin/env bash
# build.sh BOARD REPO REF DIR: the real Buildroot build of the picam SD card (make buildroot).
# Needs the internet (Buildroot, the toolchain, the Raspberry Pi kernel and firmware, Go) and
# about an hour and 15 GB the first time. Fails fast when Buildroot's sources cannot be reached.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 rpi3|rpi4|rpizero2w REPO REF DIR" >&2; exit 2; }
BOARD=$1 REPO=$2 REF=$3 DIR=$4
EXT=$(cd "$(dirname "$0")" && pwd)
DEFCONFIG=picam_${BOARD}_64_defconfig
[ -f "$EXT/configs/$DEFCONFIG" ] || { echo "buildroot: no board $BOARD (rpi3, rpi4, rpizero2w)" >&2; exit 2; }
if [ ! -d "$DIR/buildroot/.git" ]; then
	echo "buildroot: fetching $REPO ($REF) into $DIR/buildroot"
	if ! timeout 20 git ls-remote --heads "$REPO" >/dev/null 2>&1; then
		echo "buildroot: cannot reach $REPO (no internet here?). This target needs the internet;" >&2
		echo "buildroot: offline, make sdcard builds the same card from Debian packages." >&2
		exit 1
	fi
	mkdir -p "$DIR"
	git clone -q "$REPO" "$DIR/buildroot"
fi
[ -d "$EXT/../vendor" ] || { echo "buildroot: $EXT/../vendor is missing: run go mod vendor first (the picam package builds offline with -mod=vendor)" >&2; exit 1; }
git -C "$DIR/buildroot" checkout -q "$REF"
OUT=$DIR/output-$BOARD
make -C "$DIR/buildroot" BR2_EXTERNAL="$EXT" O="$OUT" "$DEFCONFIG"
make -C "$OUT"
echo "buildroot: $OUT/images/sdcard.img"
