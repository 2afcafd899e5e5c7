#!/usr/bin/env bash
# deps.sh: host packages for make sdcard / sdcard-test, once: the HIL set (QEMU, cpio, kmod, the
# cross compiler prepare.sh uses) plus the image tools.
set -euo pipefail
bash "$(dirname "$0")/../../test/hil/deps.sh" qemu
pkgs=(genimage mtools dosfstools squashfs-tools python3)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "sdcard: installing Debian packages: ${missing[*]}"
SUDO=
if [ "$(id -u)" != 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "sdcard: need root to install ${missing[*]}: run 'apt-get install ${missing[*]}' as root, then make sdcard again" >&2
		exit 1
	fi
	SUDO="sudo -n"
fi
# A mirror caught syncing one index (another architecture's, say) makes update fail as a whole;
# the install below still works from the lists that did download, and fails clearly if not.
$SUDO apt-get update -qq || echo "sdcard: apt-get update reported errors; installing from the package lists there are" >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	{ echo "sdcard: apt-get install ${missing[*]} failed" >&2; exit 1; }
