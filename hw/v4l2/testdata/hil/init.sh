#!/bin/sh
# /init: load vivid (node 0 single-planar, node 1 multi-planar) and vicodec
# (multi-planar), then run every /usr/bin/v4l2test* hil test binary against them.
export PATH=/usr/bin:/bin:/sbin:/usr/sbin
/bin/busybox --install -s /bin 2>/dev/null
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
echo "HIL kernel=$(uname -r) arch=$(uname -m)"
modprobe vivid n_devs=2 multiplanar=1,2 || echo "HIL modprobe vivid FAILED"
modprobe vicodec multiplanar=1 || echo "HIL modprobe vicodec FAILED"
node() { for n in /sys/class/video4linux/video*; do [ "$(cat $n/name)" = "$1" ] && echo /dev/$(basename $n) && return; done; }
SP=$(node vivid-000-vid-cap); MP=$(node vivid-001-vid-cap); ENC=$(node stateful-encoder)
echo "HIL nodes: single=$SP mplane=$MP encoder=$ENC"
for b in /usr/bin/v4l2test*; do
  for cam in $SP $MP; do
    PICAM_V4L2_DEVICE=$cam PICAM_V4L2_M2M_DEVICE=$ENC $b -test.v -test.count=1 > /tmp/out 2>&1; rc=$?
    sed "s|^|$(basename $b) $cam: |" /tmp/out
    echo "HIL RESULT $(basename $b) $cam rc=$rc"
  done
done
echo "HIL_RESULT_END"
poweroff -f
