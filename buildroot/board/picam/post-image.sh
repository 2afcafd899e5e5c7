#!/bin/bash
# Buildroot post-image: put picam.conf and the Wi-Fi example next to the firmware, list the boot
# partition's files into genimage.cfg.in, and run genimage. $BINARIES_DIR, $BUILD_DIR and
# $BR2_EXTERNAL_PICAM_PATH come from Buildroot.
set -euo pipefail
B=$BR2_EXTERNAL_PICAM_PATH/board/picam
cp "$B/picam.conf" "$B/wpa_supplicant.conf.example" "$BINARIES_DIR/rpi-firmware/"
# A/B updates (README: Updates): this image has no stage-1 initrd, so the Pi firmware picks the
# root slot (/usr/lib/picam/tryboot.sh). tryboot.txt is config.txt with the trial's command line,
# read instead of config.txt for the one boot after a reboot with the tryboot flag;
# cmdline-tryboot.txt starts as cmdline.txt; rauc/ holds the slots' first state (A primary and
# good, B empty: bad), as offline/mk-sdcard.sh writes it.
FW=$BINARIES_DIR/rpi-firmware
{
	cat "$FW/config.txt"
	printf '\n# picam A/B updates: a boot with the tryboot flag set reads this file, not config.txt.\ncmdline=cmdline-tryboot.txt\n'
} >"$FW/tryboot.txt"
grep -q 'root=/dev/mmcblk0p2[[:space:]]' "$FW/cmdline.txt" || { echo "picam: cmdline.txt must say root=/dev/mmcblk0p2 (slot A)" >&2; exit 1; }
cp "$FW/cmdline.txt" "$FW/cmdline-tryboot.txt"
rm -rf "$FW/rauc"
mkdir -p "$FW/rauc"
AB_DIR=$FW/rauc AB_TMP=$BUILD_DIR sh -c '. "$0"; ab_load; ab_save && ab_save' "$B/rootfs-overlay/usr/lib/picam/ab.sh"
files=()
for f in "$BINARIES_DIR"/*.dtb "$BINARIES_DIR"/rpi-firmware/*; do
	files+=("\"${f#"$BINARIES_DIR"/}\",")
done
files+=('"Image"')
sed "s|^#BOOT_FILES#$|$(printf '\t\t\t%s\\n' "${files[@]}")|" "$B/genimage.cfg.in" >"$BINARIES_DIR/genimage.cfg"
trap 'rm -rf "${ROOTPATH_TMP:-}"' EXIT
ROOTPATH_TMP=$(mktemp -d)
GENIMAGE_TMP=$BUILD_DIR/genimage.tmp
rm -rf "$GENIMAGE_TMP"
genimage --rootpath "$ROOTPATH_TMP" --tmppath "$GENIMAGE_TMP" --inputpath "$BINARIES_DIR" \
	--outputpath "$BINARIES_DIR" --config "$BINARIES_DIR/genimage.cfg"
echo "picam: $BINARIES_DIR/sdcard.img"
