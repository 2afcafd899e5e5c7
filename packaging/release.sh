#!/usr/bin/env bash
# release.sh OUTDIR: the release files of this commit, reproducibly (make release; see README
# "Install"):
#   picam-{server,client}-linux-{arm64,armv7,armv6,amd64}   static binaries (CGO_ENABLED=0)
#   picam_VERSION_{arm64,armhf,amd64}.deb                  Debian / Raspberry Pi OS packages
#   sdcard.img.xz                                          the SD-card image (RELEASE_IMAGE=1)
#   SHA256SUMS
#
# Same commit, same Go toolchain => same bytes: -trimpath, -buildvcs=false with the version,
# commit and commit time stamped by -ldflags -X instead, SOURCE_DATE_EPOCH = the commit time
# for the packages and the image, xz single-threaded.
#
# VERSION (default: the tag vX.Y.Z at HEAD without its v, else 0.0~gitYYYYMMDD.REV) and
# SOURCE_DATE_EPOCH may be set. RELEASE_IMAGE=1 adds the image (make sdcard's tools and the
# ~/.cache/picam-hil cache; HIL_CACHE overrides), RELEASE_IMAGE=0 leaves it out, and the default
# (auto) adds it when the cache is ready and says so when it is not.
set -euo pipefail
[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
GO=${GO:-go}

rev=$(git rev-parse HEAD 2>/dev/null) || { echo "release: not a git checkout: set VERSION and SOURCE_DATE_EPOCH, or build from a clone" >&2; exit 1; }
: "${SOURCE_DATE_EPOCH:=$(git log -1 --format=%ct HEAD)}"
export SOURCE_DATE_EPOCH
if [ -z "${VERSION:-}" ]; then
	if tag=$(git describe --tags --exact-match --match 'v[0-9]*' HEAD 2>/dev/null); then
		VERSION=${tag#v}
	else
		VERSION=0.0~git$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d).${rev:0:12}
	fi
fi
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	echo "release: warning: the tree has uncommitted changes; the files are stamped with commit ${rev:0:12} but contain them" >&2
fi
buildtime=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
pkg=github.com/picam-project/picam/internal/version
ldflags="-s -w -X $pkg.version=$VERSION -X $pkg.revision=$rev -X $pkg.time=$buildtime"

mkdir -p "$out"
rm -f "$out"/picam-server-linux-* "$out"/picam-client-linux-* "$out"/picam_*.deb "$out/sdcard.img.xz" "$out/SHA256SUMS"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

echo "release $VERSION (commit ${rev:0:12}, $buildtime) into $out"
# target: GOARCH GOARM Debian-architecture (armhf gets the ARMv6 build: Raspberry Pi OS's armhf
# runs on every Pi, the Zero and Pi 1 included).
for t in arm64::arm64 arm:7: arm:6:armhf amd64::amd64; do
	IFS=: read -r arch arm debarch <<<"$t"
	name=linux-$arch${arm:+v$arm}
	mkdir -p "$stage/$name"
	for c in picam-server:./cmd/picam-server picam-client:./cmd/picam-client; do
		CGO_ENABLED=0 GOOS=linux GOARCH=$arch GOARM=$arm "$GO" build -trimpath -buildvcs=false \
			-ldflags "$ldflags" -o "$stage/$name/${c%%:*}" "${c#*:}"
		cp "$stage/$name/${c%%:*}" "$out/${c%%:*}-$name"
		touch -d "@$SOURCE_DATE_EPOCH" "$out/${c%%:*}-$name"
	done
	if [ -n "$debarch" ]; then
		bash packaging/mkdeb.sh "$VERSION" "$debarch" "$stage/$name" "$out" >/dev/null
	fi
done

case ${RELEASE_IMAGE:-auto} in
0) echo "release: the SD-card image is left out (RELEASE_IMAGE=0)" ;;
1 | auto)
	cache=${HIL_CACHE:-$HOME/.cache/picam-hil}
	if [ "${RELEASE_IMAGE:-auto}" = auto ] && ! [ -d "$cache" ]; then
		echo "release: no sdcard.img.xz: the image needs make sdcard's cache $cache (run make sdcard once, or RELEASE_IMAGE=1)" >&2
	else
		bash buildroot/offline/deps.sh
		bash test/hil/prepare.sh "$cache"
		bash buildroot/offline/mk-sdcard.sh "$cache" "$stage/linux-arm64" "$stage/sdcard" >/dev/null
		xz -T1 -9 -c "$stage/sdcard/sdcard.img" >"$out/sdcard.img.xz"
		touch -d "@$SOURCE_DATE_EPOCH" "$out/sdcard.img.xz"
	fi
	;;
*) echo "release: RELEASE_IMAGE is 0, 1 or auto" >&2; exit 2 ;;
esac

(cd "$out" && files=(picam-*-linux-* picam_*.deb) && { [ ! -e sdcard.img.xz ] || files+=(sdcard.img.xz); } &&
	LC_ALL=C sha256sum "${files[@]}" >SHA256SUMS)
touch -d "@$SOURCE_DATE_EPOCH" "$out/SHA256SUMS"
cat "$out/SHA256SUMS"
