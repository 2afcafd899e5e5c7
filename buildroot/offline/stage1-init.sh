#!/bin/sh
# Stage-1 /init in initrd.img (offline image only). Debian's arm64 kernel has the SD-card drivers
# and squashfs as modules, which Buildroot's Raspberry Pi kernel builds in: load them, mount
# root= (rootfstype=) read-only and hand over to busybox init on it. mk-sdcard.sh links the busybox applets used
# here into /bin (cheaper than busybox --install on every boot).
PATH=/bin

# ab_select: the A/B root slots (updates, /usr/lib/picam/ab.sh). With the slots' state on the
# boot partition, root becomes the primary slot's partition; an update's first boot of a slot
# (its trial) and the rollback after a failed trial are saved before the root is mounted.
# Normal boots only read: the boot partition is mounted read-only and nothing is written.
ab_select() {
	[ -r /usr/lib/picam/ab.sh ] || return 0
	modprobe -a vfat nls_cp437 nls_ascii 2>/dev/null
	mkdir -p /boot
	mount -t vfat -o ro /dev/mmcblk0p1 /boot 2>/dev/null || return 0
	if [ -d /boot/rauc ]; then
		. /usr/lib/picam/ab.sh
		ab_choose
		if [ -n "$AB_WRITE" ]; then
			if mount -o remount,rw /boot && ab_save; then :; else
				AB_NOTE="$AB_NOTE (could not save the state: booting it anyway)"
			fi
		fi
		root=$(ab_dev "$AB_SLOT")
		echo "picam stage1: $AB_NOTE: root $root" >/dev/console
	fi
	umount /boot
}
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
ab_select
mkdir -p /newroot
if ! mount -t "$fstype" -o ro "$root" /newroot; then
	echo "picam stage1: cannot mount $root ($fstype, waited ${i}00 ms); rebooting in 10 s" >/dev/console
	sleep 10
	reboot -f
fi
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /sbin/init
