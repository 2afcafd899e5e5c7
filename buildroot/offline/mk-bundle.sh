#!/usr/bin/env bash
# mk-bundle.sh KEYS OUT [VERSION]: a signed RAUC update bundle, OUT/update.raucb, holding
# OUT/rootfs.squashfs, the root filesystem make sdcard just put on OUT/sdcard.img (the same
# parts, byte for byte). Signed with KEYS/signer.{cert,key}.pem (update-keys.sh); a verity
# bundle, checked here with rauc info against the keyring inside that root, as the card will.
#
# COMPATIBLE is the board string the card compares (RAUC's compatible): the offline image's
# root carries Debian's kernel modules, so its bundles are for it alone.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 KEYS OUT [VERSION]" >&2; exit 2; }
KEYS=$1
OUT=$(cd "$2" && pwd)
VERSION=${3:-$(git describe --always --dirty 2>/dev/null || echo devel)}
COMPATIBLE=${COMPATIBLE:-picam-offline-arm64}
log() { echo "bundle: $*" >&2; }
die() { echo "bundle: ERROR: $*" >&2; exit 1; }
for t in rauc mksquashfs unsquashfs; do
	command -v "$t" >/dev/null || die "$t is missing: apt-get install --no-install-recommends rauc squashfs-tools (make deps)"
done
for f in signer.cert.pem signer.key.pem ca.cert.pem; do
	[ -s "$KEYS/$f" ] || die "$KEYS/$f is missing: bash buildroot/offline/update-keys.sh $KEYS makes test keys (make bundle does)"
done
[ -s "$OUT/rootfs.squashfs" ] || die "$OUT/rootfs.squashfs is missing: run make sdcard first (make bundle does)"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir "$W/content"
cp "$OUT/rootfs.squashfs" "$W/content/rootfs.squashfs"
cat >"$W/content/manifest.raucm" <<M
[update]
compatible=$COMPATIBLE
version=$VERSION

[bundle]
format=verity

[image.rootfs]
filename=rootfs.squashfs
M
rauc bundle --cert "$KEYS/signer.cert.pem" --key "$KEYS/signer.key.pem" "$W/content" "$W/update.raucb" >"$W/log" 2>&1 ||
	{ cat "$W/log" >&2; die "rauc bundle failed"; }

# The card's check: the keyring in the image's root must accept the signature.
unsquashfs -cat "$OUT/rootfs.squashfs" etc/rauc/ca.cert.pem >"$W/keyring.pem" 2>/dev/null ||
	die "the image has no /etc/rauc/ca.cert.pem: make sdcard with UPDATE_KEYRING (the Makefile passes it)"
cat >"$W/system.conf" <<C
[system]
compatible=$COMPATIBLE
bootloader=custom
data-directory=$W/data
bundle-formats=-plain
[keyring]
path=$W/keyring.pem
check-purpose=codesign
[handlers]
bootloader-custom-backend=/bin/false
[slot.rootfs.0]
device=/dev/null
type=raw
bootname=A
C
rauc --conf="$W/system.conf" info --output-format=json "$W/update.raucb" >"$W/info.json" 2>"$W/log" ||
	{ cat "$W/log" >&2; die "the image's own keyring does not accept the bundle: were they made with different UPDATE_KEYS?"; }
grep -q "\"compatible\":\"$COMPATIBLE\"" "$W/info.json" || die "rauc info: $(cat "$W/info.json")"
mv "$W/update.raucb" "$OUT/update.raucb"
log "$OUT/update.raucb: $(stat -c %s "$OUT/update.raucb") bytes, version $VERSION, compatible $COMPATIBLE, signed by $(openssl x509 -noout -subject -in "$KEYS/signer.cert.pem" | sed 's/^subject=//')"
echo "$OUT/update.raucb"
