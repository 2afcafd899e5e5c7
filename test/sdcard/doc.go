// Package sdcard tests the flashable SD-card image: the Buildroot tree's structure (every run),
// and, with -tags sdcard (make sdcard-test), the offline image booted in QEMU raspi3b again and
// again: streaming to a picam-client on 127.0.0.1, following picam.conf edits, unchanged after
// 10 hard resets, and its time from power-on to the first frame at the client.
//
// The tests that boot QEMU (TestCard, TestCardWatchable, TestCardAnswersMulticastDNS,
// TestUpdate) each boot a private copy of the card and run in parallel, two at a time (make
// sdcard-test's -parallel 2): QEMU's raspi3b emulation runs on one host thread, so two guests
// use the two cores of a small CI machine, and the longest test (TestUpdate) runs beside the
// others instead of after them.
package sdcard
