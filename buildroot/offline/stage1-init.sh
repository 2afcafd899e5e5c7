#!/bin/sh
# Stage-1 /init in initrd.img (offline image only). Debian's arm64 kernel has the SD-card drivers
# and squashfs as modules, which Buildroot's Raspberry Pi kernel builds in: load them, mount
# root= (rootfstype=) read-only and hand over to busybox init on it. mk-sdcard.sh links the busybox applets used
# here into /bin (cheaper than busybox --install on every boot).
PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
root=/dev/mmcblk0p2
fstype=squashfs
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case $w in
	root=*) root=${w#root=} ;;
	rootfstype=*) fstype=${w#rootfstype=} ;;
	esac
done
# bcm2835 is the SD host (sdhost) driver of the Pi 3 and Zero 2 W, sdhci-iproc the Pi 4's (emmc2).
modprobe -a bcm2835 sdhci-iproc "$fstype"
i=0
while [ ! -b "$root" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /newroot
if ! mount -t "$fstype" -o ro "$root" /newroot; then
	echo "picam stage1: cannot mount $root ($fstype, waited ${i}00 ms); rebooting in 10 s" >/dev/console
	sleep 10
	reboot -f
fi
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /sbin/init
