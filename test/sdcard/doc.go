// Package sdcard tests the flashable SD-card image: the Buildroot tree's structure (every run),
// and, with -tags sdcard (make sdcard-test), the offline image booted in QEMU raspi3b, streaming
// to a picam-client on 127.0.0.1, re-read picam.conf and surviving hard resets.
package sdcard
