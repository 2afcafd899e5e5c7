#!/usr/bin/env bash
# mkdeb.sh VERSION ARCH BINDIR OUTDIR: build picam_VERSION_ARCH.deb with Debian's dpkg-deb from
# the static binaries in BINDIR (picam-server, picam-client) and packaging/deb/.
#
# Reproducible: every file's mtime is SOURCE_DATE_EPOCH (required; make release takes it from the
# commit), modes are set explicitly, owners are root (dpkg-deb --root-owner-group), dpkg-deb
# sorts the members and stamps the ar header with SOURCE_DATE_EPOCH, and compression is xz.
set -euo pipefail
[ $# = 4 ] || { echo "usage: $0 VERSION ARCH BINDIR OUTDIR" >&2; exit 2; }
version=$1 arch=$2 bindir=$3 out=$4
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH (seconds; make release uses the commit time)}"
export SOURCE_DATE_EPOCH
here=$(cd "$(dirname "$0")" && pwd)
src=$here/deb
command -v dpkg-deb >/dev/null || { echo "mkdeb: dpkg-deb is missing: apt-get install --no-install-recommends dpkg-dev" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/picam
umask 022
install -d -m 755 "$root/DEBIAN" "$root/usr/bin" "$root/etc/picam" "$root/lib/systemd/system" \
	"$root/usr/share/doc/picam" "$root/usr/share/man/man1"
install -m 755 "$bindir/picam-server" "$bindir/picam-client" "$root/usr/bin/"
install -m 644 "$src/picam-server.service" "$root/lib/systemd/system/"
install -m 644 "$src/picam.conf" "$root/etc/picam/"
for m in picam-server.1 picam-client.1; do
	gzip -9n <"$src/$m" >"$root/usr/share/man/man1/$m.gz"
done
chmod 644 "$root"/usr/share/man/man1/*.gz
install -m 644 "$src/copyright" "$root/usr/share/doc/picam/"
install -d -m 755 "$root/usr/share/lintian/overrides"
install -m 644 "$src/lintian-overrides" "$root/usr/share/lintian/overrides/picam"
date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
printf 'picam (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- picam project <picam@users.noreply.github.com>  %s\n' \
	"$version" "$version" "$date" | gzip -9n >"$root/usr/share/doc/picam/changelog.gz"
chmod 644 "$root/usr/share/doc/picam/changelog.gz"

install -m 755 "$src/postinst" "$src/prerm" "$src/postrm" "$root/DEBIAN/"
echo /etc/picam/picam.conf >"$root/DEBIAN/conffiles"
size=$(du -k -s --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$src/control.in" >"$root/DEBIAN/control"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out"
deb=$out/picam_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
