# shellcheck shell=sh
# /usr/lib/picam/tryboot.sh: boot selection by the Raspberry Pi firmware's tryboot flag, for the
# Buildroot image (no stage-1 initrd: the firmware reads root= from cmdline.txt). Sourced after
# ab.sh by rauc-backend, S55picam-update and reboot-update; it does nothing on a card without
# tryboot.txt (the offline image, whose stage 1 picks the slot).
#
# The boot partition holds config.txt with cmdline.txt (root= the committed slot) and
# tryboot.txt, the same with cmdline=cmdline-tryboot.txt (root= the slot on trial). The firmware
# reads tryboot.txt instead of config.txt only for the one boot after a reboot with the tryboot
# flag set, a flag it clears before starting the kernel: a trial boot that crashes, hangs until
# the power is cut, or is rolled back by S55picam-update comes back on cmdline.txt's slot.
#   set-primary X (X not running)  cmdline-tryboot.txt root= X, then the state (X on trial)
#   mark-good of X on trial        cmdline.txt root= X (the commit), then the state
#   the boot after a trial that did not end in mark-good: tb_fallback records the rollback
# The cmdline files are rewritten in place at the same size (root=/dev/mmcblk0p2 and p3 have
# the same length), one sector each, so FAT allocates nothing.

AB_BOOT=${AB_BOOT:-/boot}

# tb_on: this card boots by tryboot.
tb_on() { [ -f "$AB_BOOT/tryboot.txt" ]; }

# tb_root FILE SLOT: point root= in FILE (on the boot partition, writable) at SLOT's partition.
tb_root() {
	_f=$AB_BOOT/$1
	_new=$(ab_dev "$2")
	[ -n "$_new" ] || return 1
	_t=${AB_TMP:-/tmp}/tb-cmdline.$$
	sed -e "s|root=$(ab_dev A)\([ 	]\)|root=$_new\1|; s|root=$(ab_dev A)$|root=$_new|" \
		-e "s|root=$(ab_dev B)\([ 	]\)|root=$_new\1|; s|root=$(ab_dev B)$|root=$_new|" "$_f" >"$_t" || return 1
	if [ "$(wc -c <"$_t")" != "$(wc -c <"$_f")" ] || ! grep -q "root=$_new\([ 	]\|$\)" "$_t"; then
		rm -f "$_t"
		echo "tryboot: $_f has no root=$(ab_dev A) or $(ab_dev B) to point at slot $2" >&2
		return 1
	fi
	dd if="$_t" of="$_f" bs=512 conv=notrunc,fsync 2>/dev/null
	_rc=$?
	rm -f "$_t"
	sync
	return $_rc
}

# tb_fallback SLOT: on a normal boot of SLOT, a trial of the other slot still open in the state
# means the firmware fell back (the trial never reached mark-good): record the rollback in the
# ab_* variables and return 0 (the caller saves); else return 1.
tb_fallback() {
	tb_on && [ -n "$ab_trial" ] && [ "$ab_trial" != "$1" ] || return 1
	_o=$ab_trial
	eval "ab_state_$_o=bad"
	ab_primary=$1 ab_trial= ab_tried=0
	ab_reason="slot $_o's trial boot ended before picam-server reported healthy (crash, hang or power cut; the firmware's one-time tryboot fell back); back on slot $1"
	return 0
}

# tb_reboot: reboot with the tryboot flag set (the firmware's mailbox tag 0x00038064, "set
# reboot flags", through vcmailbox from rpi-userland), so the next boot reads tryboot.txt.
tb_reboot() {
	if ! command -v vcmailbox >/dev/null 2>&1; then
		echo "tryboot: no vcmailbox (rpi-userland) to set the tryboot flag: not rebooting" >&2
		return 1
	fi
	vcmailbox 0x00038064 4 0 1 >/dev/null || { echo "tryboot: vcmailbox could not set the tryboot flag" >&2; return 1; }
	sync
	reboot
}
