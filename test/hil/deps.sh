#!/usr/bin/env bash
# deps.sh [qemu|ssh] [PACKAGE...]: install the Debian packages the HIL run needs on the
# host, once, with any extra PACKAGEs a caller needs besides (buildroot/offline/deps.sh adds the
# image tools). DEPS_LABEL names the caller in messages (default hil).
#
# Only host tools are installed here. The arm64 kernel, headers, kernel source
# and busybox are *downloaded* (not installed) by prepare.sh into the cache, so
# this machine's dpkg architectures and kernel stay untouched.
set -euo pipefail

# Both targets: the NetGear peer (test/interop/netgear_peer.py) on the host.
pkgs=(python3-zmq python3-numpy python3-pil)
case ${1:-qemu} in
qemu)
	pkgs+=(
		qemu-system-arm        # qemu-system-aarch64 (TCG: KVM is not usable on these machines)
		ipxe-qemu              # efi-virtio.rom, the virtio-net option ROM the virt guest loads
		                       # (only a Recommends of qemu-system-arm, so name it)
		cpio                   # the initramfs archive
		kmod                   # modprobe/depmod for the guest's module tree
		gcc-aarch64-linux-gnu  # cross compiler for the out-of-tree modules
		make xz-utils          # kbuild; linux-source is a .tar.xz
	) ;;
ssh) pkgs+=(openssh-client) ;; # ssh and scp to the Pi
*) echo "usage: $0 [qemu|ssh] [PACKAGE...]" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
pkgs+=("$@")
who=${DEPS_LABEL:-hil}

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "$who: installing Debian packages: ${missing[*]}"
SUDO=
if [ "$(id -u)" != 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "$who: need root to install ${missing[*]}: run 'apt-get install ${missing[*]}' as root, then make $who again" >&2
		exit 1
	fi
	SUDO="sudo -n"
fi
# A mirror caught mid-sync (a bad index of another architecture) makes update
# report errors although the lists we need are fine: go on, and let the
# install itself fail if a package really cannot be had.
$SUDO apt-get update -qq || echo "$who: apt-get update reported errors; installing from the package lists there are" >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	{ echo "$who: apt-get install ${missing[*]} failed" >&2; exit 1; }
