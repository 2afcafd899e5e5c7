#!/bin/sh
# /init of the QEMU HIL guest (PID 1 in the initramfs).
#
# It brings up what a Pi running picam would have (camera, encoder, GPIO lines,
# network), using stand-ins: vivid for the camera, vicodec (multi-planar) for
# the encoder, a gpio-sim chip with the Pi's line names, QEMU user networking.
# Then it runs scenario.sh, the part shared with real-Pi runs, and powers off.
# Everything the host needs to judge is printed as fact lines (HILJ {...});
# /hil.env, written by the host runner, holds the run's settings.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# The initramfs has no /dev/console node, so the kernel could not give us
# stdio: take the console now that devtmpfs is there.
exec </dev/console >/dev/console 2>&1

set -a # /hil.env settings are for scenario.sh too
. /hil.env
set +a
. /hil/lib.sh

fact boot "\"uptime_s\":$(uptime_s),\"kernel\":\"$(uname -r)\",\"arch\":\"$(uname -m)\""

# Modules and their parameters. vivid: one instance with only a video
# capture node and one webcam input (what a Pi camera looks like). vicodec:
# the multi-planar API, as the Pi's bcm2835-codec has.
load() {
	m=$1
	shift
	if out=$(modprobe "$m" "$@" 2>&1); then
		fact module "\"name\":\"$m\",\"loaded\":true"
	else
		factErr module "modprobe $m: $out; kernel: $(dmesg | tail -n 3)"
	fi
}
load vivid n_devs=1 node_types=0x1 num_inputs=1 input_types=0
case " $HIL_BREAK " in
*" modules "*) echo "HIL_BREAK=modules: not loading vicodec" ;;
*) load vicodec multiplanar=1 ;;
esac
load vim2m
load configfs
load gpio-sim
load virtio_pci
load virtio_net
fact modules "\"loaded\":\"$(cut -d' ' -f1 /proc/modules | tr '\n' ' ')\",\"uptime_s\":$(uptime_s)"

# A gpio-sim chip laid out like the Pi header lines the scenario uses:
# GPIO17 for the status LED, GPIO27 for the button, and two lines for the
# raw character-device checks.
gpiosim() {
	mount -t configfs none /sys/kernel/config 2>/dev/null
	d=/sys/kernel/config/gpio-sim/picam-hil
	mkdir "$d" "$d/bank0" || return 1
	echo 8 >"$d/bank0/num_lines" && echo picam-hil >"$d/bank0/label" || return 1
	i=0
	for name in hil-in hil-out GPIO17 GPIO27; do
		mkdir "$d/bank0/line$i" && echo "$name" >"$d/bank0/line$i/name" || return 1
		i=$((i + 1))
	done
	echo 1 >"$d/live" || return 1
	fact gpiosim "\"device\":\"$(cat "$d/dev_name")\",\"chip\":\"$(cat "$d/bank0/chip_name")\""
}
gpiosim || factErr gpiosim "could not create the gpio-sim chip in configfs (is gpio-sim loaded?)"

# QEMU user networking: the host's loopback is 10.0.2.2.
net() {
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	ip link set lo up && ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 &&
		ip route add default via 10.0.2.2 || return 1
	fact net "\"interface\":\"eth0\",\"address\":\"10.0.2.15\""
}
net || factErr net "no eth0: virtio_net did not come up"

HIL_BIN=/usr/bin sh /hil/scenario.sh
rc=$?
fact guest.end "\"scenario_exit\":$rc,\"uptime_s\":$(uptime_s)"
poweroff -f
