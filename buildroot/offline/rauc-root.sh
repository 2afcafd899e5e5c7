#!/usr/bin/env bash
# rauc-root.sh CACHE ROOT: put Debian's arm64 rauc (1.8) and dbus-daemon, with the shared
# libraries they load and nothing else, into the root filesystem tree ROOT (offline image).
#
# The .debs come through test/hil/prepare.sh's private apt state (CACHE/apt: amd64+arm64 lists,
# dpkg's own architectures untouched) and are kept in CACHE/sdcard/rauc-debs. Every "lib*"
# package in rauc's and dbus-daemon's Depends closure is unpacked to a scratch tree; from it only
# the two programs, the dynamic loader and the libraries their ELF NEEDED entries reach are
# copied (readelf walks them), so systemd, perl, dpkg ... stay out. Prints the bytes added.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 CACHE ROOT" >&2; exit 2; }
CACHE=$(cd "$1" && pwd)
ROOT=$2
log() { echo "rauc-root: $*" >&2; }
die() { echo "rauc-root: ERROR: $*" >&2; exit 1; }
command -v readelf >/dev/null || die "readelf is missing: apt-get install --no-install-recommends binutils"
A=$CACHE/apt
[ -d "$A/lists" ] || die "$A is missing: run bash test/hil/prepare.sh $CACHE first (make sdcard does)"
AO=(-o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache"
	-o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64" -o "Debug::NoLocking=1")
D=$CACHE/sdcard/rauc-debs
mkdir -p "$D"
pkgs=$(apt-cache "${AO[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
	--no-replaces --no-enhances rauc:arm64 dbus-daemon:arm64 2>/dev/null |
	grep -E '^(lib[^ ]*|zlib1g|rauc|dbus-daemon):arm64$' | grep -v -E '^lib(perl|systemd-shared|pam|db5|slang)' | sort -u | tr '\n' ' ')
[ -n "$pkgs" ] && [[ " $pkgs " == *" rauc:arm64 "* ]] || die "apt knows no rauc:arm64 (is prepare.sh's apt state current?)"
want=$(apt-cache "${AO[@]}" policy $pkgs 2>/dev/null | awk '/^[^ ]/ { p = $1; sub(/:$/, "", p) } /Candidate:/ { print p "=" $2 }' | sort)
missing=()
while IFS='=' read -r p v; do
	[ -s "$D/${p%:arm64}_${v//:/%3a}_arm64.deb" ] || missing+=("$p=$v")
done <<<"$want"
if [ ${#missing[@]} -gt 0 ]; then
	log "downloading ${#missing[@]} arm64 packages (rauc, dbus-daemon and libraries)"
	(cd "$D" && apt-get "${AO[@]}" download -q "${missing[@]}" 2> >(grep -v -e unsandboxed -e '^$' >&2)) ||
		die "downloading the arm64 packages failed"
fi
X=$(mktemp -d)
trap 'rm -rf "$X"' EXIT
while IFS='=' read -r p v; do
	dpkg -x "$D/${p%:arm64}_${v//:/%3a}_arm64.deb" "$X"
done <<<"$want"
LIBDIRS=("$X/lib/aarch64-linux-gnu" "$X/usr/lib/aarch64-linux-gnu")
find_lib() {
	local d
	for d in "${LIBDIRS[@]}"; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
before=$(du -sb "$ROOT" | cut -f1)
mkdir -p "$ROOT/usr/bin" "$ROOT/lib/aarch64-linux-gnu"
install -m 0755 "$X/usr/bin/rauc" "$ROOT/usr/bin/rauc"
install -m 0755 "$X/usr/bin/dbus-daemon" "$ROOT/usr/bin/dbus-daemon"
queue=("$ROOT/usr/bin/rauc" "$ROOT/usr/bin/dbus-daemon")
declare -A seen
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	for so in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -z "${seen[$so]:-}" ] || continue
		seen[$so]=1
		src=$(find_lib "$so") || die "$so (needed by $(basename "$f")) is in none of the packages"
		cp -L "$src" "$ROOT/lib/aarch64-linux-gnu/$so"
		queue+=("$ROOT/lib/aarch64-linux-gnu/$so")
	done
done
ld=$(find_lib ld-linux-aarch64.so.1) || die "no ld-linux-aarch64.so.1 in libc6:arm64"
cp -L "$ld" "$ROOT/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"
ln -sf aarch64-linux-gnu/ld-linux-aarch64.so.1 "$ROOT/lib/ld-linux-aarch64.so.1"
aarch64-linux-gnu-strip --strip-unneeded "$ROOT/usr/bin/rauc" "$ROOT/usr/bin/dbus-daemon" "$ROOT"/lib/aarch64-linux-gnu/*.so* 2>/dev/null || true
after=$(du -sb "$ROOT" | cut -f1)
log "rauc $(sed -n 's/^rauc:arm64=//p' <<<"$want"), dbus-daemon and ${#seen[@]} libraries: $((after - before)) bytes added to the root"
echo $((after - before))
