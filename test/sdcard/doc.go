// Package sdcard tests the flashable SD-card image: the Buildroot tree's structure (every run),
// and, with -tags sdcard (make sdcard-test), the offline image booted in QEMU raspi3b again and
// again: streaming to a picam-client on 127.0.0.1, following picam.conf edits, unchanged after
// 10 hard resets, and its time from power-on to the first frame at the client.
package sdcard
