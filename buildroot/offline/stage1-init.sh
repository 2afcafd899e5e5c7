#!/bin/sh
# Stage-1 /init in initrd.img (offline image only). Debian's arm64 kernel has the SD-card drivers
# and ext4 as modules, which Buildroot's Raspberry Pi kernel builds in: load them, mount root=
# read-only and hand over to busybox init on it.
PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
root=/dev/mmcblk0p2
for w in $(cat /proc/cmdline); do
	case $w in root=*) root=${w#root=} ;; esac
done
# bcm2835 is the SD host (sdhost) driver; ext4 needs crc32c but does not depend on it.
for m in bcm2835 sdhci-iproc crc32c_generic ext4; do modprobe "$m"; done
i=0
while [ ! -b "$root" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /newroot
if ! mount -t ext4 -o ro,noatime "$root" /newroot; then
	echo "picam stage1: cannot mount $root (waited ${i}00 ms); rebooting in 10 s" >/dev/console
	sleep 10
	reboot -f
fi
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /sbin/init
