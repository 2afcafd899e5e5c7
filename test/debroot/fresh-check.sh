#!/usr/bin/env bash
# fresh-check.sh: prove that the project's install scripts name every Debian package the
# targets need (make fresh-check). In a debootstrap --variant=minbase Debian 12 root (the cached
# base of debroot.sh, copied afresh), with Go copied in as the README asks of a user, it runs
#   make deps, test/hil/deps.sh qemu, buildroot/offline/deps.sh
# exactly as a user would, then checks that the QEMU machines of make hil and make sdcard-test
# start and find every ROM they load, and that every program the tests call is there.
#
# First, to show the check can fail, it runs test/hil/deps.sh with ipxe-qemu removed from its
# list (the package a fresh machine lacked in issue 15): QEMU must then fail with "failed to find
# romfile", or this script fails.
#
# FRESH_DIR (default ~/.cache/picam-fresh/run) is the throwaway root; downloaded .debs are
# kept in ~/.cache/picam-fresh/archives so a second run does not fetch them again.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${PICAM_FRESH_CACHE:-$HOME/.cache/picam-fresh/bookworm}
dir=${FRESH_DIR:-$(dirname "$cache")/run}
archives=$(dirname "$cache")/archives
db=$top/test/debroot/debroot.sh
goroot=$(go env GOROOT)
start=$SECONDS

fail=0
bad() { echo "fresh-check: FAIL: $*" >&2; fail=1; }
ok() { echo "fresh-check: ok: $*"; }
in_root() { bash "$db" run "$dir" "$@"; }

bash "$db" new "$dir"
trap 'bash "$db" rm "$dir"' EXIT
mkdir -p "$archives/partial" "$dir/var/cache/apt/archives" "$dir/src" "$dir/usr/local/go"
mount --bind "$archives" "$dir/var/cache/apt/archives"
# The source as committed plus the working tree's edits (no bin/, dist/, .git).
tar -C "$top" --exclude=./.git --exclude=./bin --exclude=./dist --exclude='./test/hil/artifacts' -cf - . | tar -C "$dir/src" -xf -
# Go as the README's prerequisite (a tarball from go.dev in /usr/local/go), read-only.
mount --bind "$goroot" "$dir/usr/local/go"
mount -o remount,bind,ro "$dir/usr/local/go"
cat >"$dir/usr/local/bin/fresh-env" <<'EOS'
#!/bin/sh
export PATH=/usr/local/go/bin:$PATH GOFLAGS=-mod=vendor GOTOOLCHAIN=local HOME=/root
cd /src && exec "$@"
EOS
chmod 755 "$dir/usr/local/bin/fresh-env"
# This machine's own network trust (a TLS-intercepting egress proxy's CA, say) for go mod download;
# the root's ca-certificates package, which make deps names, provides the public CAs.
if [ -n "${SSL_CERT_FILE:-}" ] && [ -f "$SSL_CERT_FILE" ]; then
	cp "$SSL_CERT_FILE" "$dir/etc/host-network-ca.pem"
	sed -i 's|^export PATH|export SSL_CERT_FILE=/etc/host-network-ca.pem PATH|' "$dir/usr/local/bin/fresh-env"
fi

# qemu_roms MACHINE-ARGS...: start qemu-system-aarch64 paused (-S), quit at once; fail when it
# cannot start or misses a ROM.
qemu_roms() {
	local out rc=0
	out=$(echo quit | in_root timeout 60 qemu-system-aarch64 "$@" -S -display none -monitor stdio -serial none 2>&1) || rc=$?
	grep -qi 'failed to find romfile' <<<"$out" && rc=1
	# QEMU's errors follow the monitor's "(qemu) " prompt on the same line.
	[ $rc = 0 ] || printf '%s\n' "$out" | grep -o 'qemu-system-aarch64: .*' | head -5 >&2
	return $rc
}
virt=(-M virt -cpu cortex-a53 -smp 2 -m 512 -accel tcg -nic user,model=virtio-net-pci)
raspi=(-M raspi3b -accel tcg,thread=single -netdev user,id=n0 -device usb-net,netdev=n0)

echo "fresh-check: apt-get update in the fresh root"
in_root apt-get update -qq
# The README's prerequisites besides Go: make (and git for cloning, not needed here).
in_root apt-get install -y -qq --no-install-recommends make >/dev/null

echo "fresh-check: 1. test/hil/deps.sh without ipxe-qemu must leave QEMU without its ROM"
sed '/^[[:space:]]*ipxe-qemu[[:space:]]/d' "$dir/src/test/hil/deps.sh" >"$dir/src/test/hil/deps-without-ipxe.sh"
grep -qw ipxe-qemu "$dir/src/test/hil/deps-without-ipxe.sh" && bad "could not remove ipxe-qemu from the copy of deps.sh"
in_root fresh-env bash test/hil/deps-without-ipxe.sh qemu
if qemu_roms "${virt[@]}" 2>/tmp/fresh-neg.$$; then
	bad "QEMU started without ipxe-qemu: this check would not have caught issue 15's efi-virtio.rom"
else
	grep -q 'failed to find romfile' /tmp/fresh-neg.$$ && ok "without ipxe-qemu: $(grep -m1 'failed to find romfile' /tmp/fresh-neg.$$)" ||
		{ cat /tmp/fresh-neg.$$ >&2; bad "QEMU failed without ipxe-qemu, but not for a missing ROM"; }
fi
rm -f /tmp/fresh-neg.$$ "$dir/src/test/hil/deps-without-ipxe.sh"

echo "fresh-check: 2. the project's deps scripts as a user runs them"
for step in "make deps" "bash test/hil/deps.sh qemu" "bash buildroot/offline/deps.sh"; do
	t=$SECONDS
	if in_root fresh-env $step >/tmp/fresh-step.$$ 2>&1; then ok "$step ($((SECONDS - t)) s)"; else cat /tmp/fresh-step.$$ >&2; bad "$step"; fi
done
rm -f /tmp/fresh-step.$$

echo "fresh-check: 3. QEMU finds every ROM"
qemu_roms "${virt[@]}" && ok "qemu-system-aarch64 ${virt[*]}" || bad "qemu-system-aarch64 ${virt[*]} (make hil's guest)"
qemu_roms "${raspi[@]}" && ok "qemu-system-aarch64 ${raspi[*]}" || bad "qemu-system-aarch64 ${raspi[*]} (make sdcard-test's card)"

echo "fresh-check: 4. the programs the tests call"
for p in ffmpeg ffprobe chromium gcc aarch64-linux-gnu-gcc make cpio depmod xz genimage mksquashfs mcopy mkfs.vfat \
	qemu-system-aarch64 qemu-arm qemu-aarch64 dpkg-deb lintian debootstrap systemd-analyze file sha256sum rauc unsquashfs openssl; do
	in_root sh -c "command -v $p" >/dev/null && ok "$p" || bad "$p is missing after the deps scripts"
done
in_root /usr/bin/python3 -c 'import zmq, numpy, PIL' && ok "python3: zmq numpy PIL" || bad "python3 cannot import zmq, numpy, PIL"
for h in turbojpeg.h wels/codec_api.h; do
	echo "#include <$h>" | in_root gcc -E -x c - >/dev/null 2>&1 && ok "gcc finds <$h>" || bad "<$h> is missing (cgo codecs)"
done
# Go with cgo (the codecs' C libraries, the race detector) needs the C headers as well as gcc.
in_root fresh-env go build ./... && ok "go build ./... (cgo) in the root" || bad "go build ./... in the root (cgo needs libc6-dev and the codecs' -dev packages)"
in_root fresh-env go test -race -count=1 ./internal/version >/dev/null && ok "go test -race in the root" || bad "go test -race in the root"

echo "fresh-check: $((SECONDS - start)) s"
[ $fail = 0 ] && echo "fresh-check: PASS" || { echo "fresh-check: FAILED" >&2; exit 1; }
