#!/usr/bin/env bash
# release-test.sh: the release checks (make release-test, part of make test). See the Makefile.
#
# RELEASE_TEST_GOCACHE=1 builds the second release with an empty Go build cache (slower; proves
# the binaries do not depend on what the cache held).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
db=$top/test/debroot/debroot.sh
work=$(mktemp -d /tmp/picam-release-test.XXXXXX)
root=$work/root
fail=0
bad() { echo "release-test: FAIL: $*" >&2; fail=1; }
ok() { echo "release-test: ok: $*"; }
cleanup() {
	[ -n "${clientpid:-}" ] && kill "$clientpid" 2>/dev/null
	[ -n "${suppid:-}" ] && kill "$suppid" 2>/dev/null && wait "$suppid" 2>/dev/null
	bash "$db" rm "$root"
	rm -rf "$work"
}
trap cleanup EXIT
for t in dpkg-deb lintian debootstrap systemd-analyze qemu-arm qemu-aarch64 file xz; do
	command -v "$t" >/dev/null || { echo "release-test: $t is missing: make deps installs it" >&2; exit 1; }
done
start=$SECONDS

echo "== 1. make release twice: byte-identical"
RELEASE_IMAGE=0 bash packaging/release.sh "$work/a" >/dev/null
if [ "${RELEASE_TEST_GOCACHE:-0}" = 1 ]; then
	GOCACHE=$work/gocache RELEASE_IMAGE=0 bash packaging/release.sh "$work/b" >/dev/null
else
	RELEASE_IMAGE=0 bash packaging/release.sh "$work/b" >/dev/null
fi
n=$(wc -l <"$work/a/SHA256SUMS")
[ "$n" = 11 ] || bad "SHA256SUMS lists $n files, want 11 (8 binaries, 3 .debs)"
if diff -r "$work/a" "$work/b" >/dev/null && cmp -s "$work/a/SHA256SUMS" "$work/b/SHA256SUMS"; then
	ok "two builds identical ($n files, SHA256SUMS equal)"
else
	diff <(cd "$work/a" && sha256sum *) <(cd "$work/b" && sha256sum *) >&2 || true
	bad "two release builds differ"
fi
(cd "$work/a" && sha256sum -c --quiet SHA256SUMS) && ok "sha256sum -c SHA256SUMS" || bad "SHA256SUMS does not match the files"
deb=$(ls "$work"/a/picam_*_amd64.deb)
version=$(dpkg-deb -f "$deb" Version)

echo "== 2. static binaries of the right architectures"
for f in "$work"/a/picam-*-linux-*; do
	desc=$(file -b "$f")
	case ${f##*-linux-} in
	arm64) want='ARM aarch64' ;; armv7 | armv6) want='ARM, EABI5' ;; amd64) want='x86-64' ;;
	esac
	grep -q "$want" <<<"$desc" && grep -q 'statically linked' <<<"$desc" && ok "$(basename "$f"): $want, static" ||
		bad "$(basename "$f"): file says: $desc"
done
for run in "qemu-arm -cpu arm1176 $work/a/picam-server-linux-armv6" "qemu-arm -cpu arm1176 $work/a/picam-client-linux-armv6" \
	"qemu-arm -cpu cortex-a7 $work/a/picam-server-linux-armv7" "qemu-aarch64 $work/a/picam-server-linux-arm64" \
	"qemu-aarch64 $work/a/picam-client-linux-arm64" "$work/a/picam-server-linux-amd64"; do
	out=$($run --version 2>&1) && grep -qF " $version (commit $(git rev-parse --short=12 HEAD)" <<<"$out" &&
		ok "${run/$work\/a\//} --version: $out" || bad "${run/$work\/a\//} --version: $out"
done

echo "== 3. the .deb: contents and lintian"
contents=$(dpkg-deb -c "$deb")
for p in ./usr/bin/picam-server ./usr/bin/picam-client ./lib/systemd/system/picam-server.service ./etc/picam/picam.conf; do
	grep -q " root/root .* $p\$" <<<"$contents" && ok "$p (root/root)" || bad "$p is not in the package as root/root"
done
[ "$(dpkg-deb -f "$deb" Recommends)" = rpicam-apps ] && ok "Recommends: rpicam-apps" || bad "Recommends is not rpicam-apps"
dpkg-deb -I "$deb" conffiles | grep -qx /etc/picam/picam.conf && ok "picam.conf is a conffile" || bad "picam.conf is not a conffile"
# One lintian run for the three packages (lintian's start-up is most of its time).
lrc=0
li=$(lintian --tag-display-limit 0 "$work"/a/picam_*.deb 2>&1) || lrc=$?
if [ $lrc = 0 ] && ! grep -q '^E:' <<<"$li"; then
	ok "lintian: no errors; warnings: $(grep '^W:' <<<"$li" | awk '{print $3}' | sort | uniq -c | tr -s ' \n' ' ')(the override for statically-linked-binary is packaged)"
else
	printf '%s\n' "$li" >&2
	bad "lintian exit $lrc (1: errors, 2: lintian failed)"
fi

echo "== 4. install, upgrade, purge in a throwaway Debian 12 root"
bash "$db" new "$root"
# snapshot: every path with its type, mode, owner and content hash, but dpkg's own records
# (its database, logs) and the shadow tools' backup files.
snapshot() {
	local prune=(\( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp -o -path ./var/lib/dpkg -o -path ./var/log -o -path ./var/cache/debconf -o -path ./run \) -prune -o)
	(cd "$root" && {
		find . -xdev "${prune[@]}" -printf '%M %u:%g %p\n'
		find . -xdev "${prune[@]}" -type f -print0 | xargs -0 sha256sum
	} | grep -v -E '(^| )\./etc/(passwd|group|shadow|gshadow|subuid|subgid)-$' | LC_ALL=C sort -k2)
}
snapshot >"$work/before"
cp "$deb" "$root/tmp/"
bash "$db" run "$root" dpkg -i "/tmp/$(basename "$deb")" >"$work/install.log" 2>&1 && ok "dpkg -i $(basename "$deb")" || { cat "$work/install.log" >&2; bad "dpkg -i"; }
bash "$db" run "$root" /usr/bin/picam-server --version | grep -qF "$version" && ok "installed picam-server --version" || bad "installed picam-server --version"
ids=$(bash "$db" run "$root" id picam 2>&1) && grep -q '(video)' <<<"$ids" && ok "user: $ids" || bad "the picam user: $ids"
[ -L "$root/etc/systemd/system/multi-user.target.wants/picam-server.service" ] && ok "service enabled (multi-user.target.wants)" || bad "picam-server.service is not enabled"
# systemd-analyze on the unit as packaged: the package's files, over this machine's systemd units
# (the minbase root has no systemd, and systemd-analyze --root needs the targets it names).
mkdir -p "$work/verify/lib/systemd/system" && cp -a /lib/systemd/system/. "$work/verify/lib/systemd/system/"
dpkg-deb -x "$deb" "$work/verify"
verify=$(systemd-analyze verify --man=no --root="$work/verify" /lib/systemd/system/picam-server.service 2>&1) &&
	! grep -v "Unknown key 'Restart\(Steps\|MaxDelaySec\)'" <<<"$verify" | grep -q . &&
	ok "systemd-analyze verify (systemd $(systemd-analyze --version | awk 'NR==1{print $2}'))${verify:+; it ignores: $(grep -o "Unknown key '[A-Za-z]*'" <<<"$verify" | tr '\n' ' ')}" ||
	bad "systemd-analyze verify: $verify"
sec=$(systemd-analyze security --offline=true --root="$work/verify" picam-server.service 2>&1 | tail -1)
grep -q 'Overall exposure level for picam-server.service: [0-2]\.' <<<"$sec" && ok "systemd-analyze security: $sec" || bad "systemd-analyze security: $sec"

# Edit the conffile, then upgrade to the same build with a bumped version.
echo "# edited by release-test" >>"$root/etc/picam/picam.conf"
edited=$(sha256sum <"$root/etc/picam/picam.conf")
mkdir -p "$work/bin" && cp "$work/a/picam-server-linux-amd64" "$work/bin/picam-server" && cp "$work/a/picam-client-linux-amd64" "$work/bin/picam-client"
up=$(SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) bash packaging/mkdeb.sh "$version+test1" amd64 "$work/bin" "$work/up")
cp "$up" "$root/tmp/"
bash "$db" run "$root" dpkg -i --force-confold "/tmp/$(basename "$up")" >"$work/upgrade.log" 2>&1 && ok "upgrade to $version+test1" || { cat "$work/upgrade.log" >&2; bad "upgrade"; }
[ "$(sha256sum <"$root/etc/picam/picam.conf")" = "$edited" ] && ok "the edited picam.conf is kept" || bad "the upgrade changed the edited picam.conf"
ls "$root"/etc/picam/picam.conf.dpkg-* >/dev/null 2>&1 && bad "upgrade left $(ls "$root"/etc/picam/picam.conf.dpkg-*)"
[ "$(bash "$db" run "$root" dpkg-query -W -f '${Version}' picam)" = "$version+test1" ] && ok "dpkg-query: $version+test1" || bad "version after upgrade"

echo "== 5. the service runs: ExecStart as its user under a supervisor (systemd is not PID 1 here)"
bash test/release/supervise.sh "$root" "$work" && ok "supervised service: streams, restarts after kill -9, stops cleanly" || bad "supervised service"

bash "$db" run "$root" dpkg --purge picam >"$work/purge.log" 2>&1 && ok "dpkg --purge picam" || { cat "$work/purge.log" >&2; bad "purge"; }
rm -f "$root/tmp/"*.deb
snapshot >"$work/after"
if diff "$work/before" "$work/after" >"$work/diff"; then ok "after purge the root is as before install (every path, mode, owner, content)"; else cat "$work/diff" >&2; bad "purge left changes"; fi

echo "release-test: $((SECONDS - start)) s"
[ $fail = 0 ] && echo "release-test: PASS" || { echo "release-test: FAILED" >&2; exit 1; }
