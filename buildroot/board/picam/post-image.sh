#!/bin/bash
# Buildroot post-image: put picam.conf and the Wi-Fi example next to the firmware, list the boot
# partition's files into genimage.cfg.in, and run genimage. $BINARIES_DIR, $BUILD_DIR and
# $BR2_EXTERNAL_PICAM_PATH come from Buildroot.
set -euo pipefail
B=$BR2_EXTERNAL_PICAM_PATH/board/picam
cp "$B/picam.conf" "$B/wpa_supplicant.conf.example" "$BINARIES_DIR/rpi-firmware/"
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
