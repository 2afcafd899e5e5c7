#!/usr/bin/env bash
# deps.sh: host packages for make sdcard / sdcard-test, once: the HIL set (QEMU, cpio, kmod, the
# cross compiler prepare.sh uses) plus the image tools, in one apt run by test/hil/deps.sh.
set -euo pipefail
DEPS_LABEL=sdcard exec bash "$(dirname "$0")/../../test/hil/deps.sh" qemu genimage mtools dosfstools squashfs-tools python3 openssl binutils rauc
